import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createDb, type Db } from '../../infra/db';
import { TEMPLATE_DATABASE } from './constants';

/**
 * A fresh, migrated database of its own for one test file: a copy of the template that
 * global setup migrated. Real PostgreSQL, isolated from the other files running in parallel.
 */
export async function createTestDatabase(): Promise<{ db: Db; databaseUrl: string; drop(): Promise<void> }> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = createDb(adminUrl, { min: 0, max: 1 });
  await admin.raw(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  await admin.destroy();
  const databaseUrl = adminUrl.replace(/\/[^/]+$/, `/${name}`);
  const db = createDb(databaseUrl);
  return {
    db,
    databaseUrl,
    drop: async () => {
      await db.destroy();
      const again = createDb(adminUrl, { min: 0, max: 1 });
      await again.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.destroy();
    },
  };
}
