import type { Knex } from 'knex';
import * as schema from './001_schema';
import * as financeReview from './003_finance_review';

// Migrations are listed in code, not discovered on disk, so they load the same way under
// tsx, vitest and a compiled build.
const MIGRATIONS: Record<string, Knex.Migration> = {
  '001_schema': schema,
  '003_finance_review': financeReview,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};
