import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from '../migrations';

// DATE columns stay 'YYYY-MM-DD' strings (a JS Date would shift them by the host's zone), and
// BIGINT becomes a number: every amount in öre and every count is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`bigint ${v} does not fit a JS number`);
  return n;
});

export type Db = Knex;

export function createDb(databaseUrl: string, pool = { min: 0, max: 10 }): Db {
  return knexFactory({ client: 'pg', connection: databaseUrl, pool });
}

/** Apply pending migrations; returns the names applied (empty when up to date). */
export async function migrate(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}
