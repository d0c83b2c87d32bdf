import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { createDb, type Db } from '../../infra/db';
import { TEMPLATE_DATABASE } from './constants';

// PostgreSQL's codes for a moment's contention, not a fault: the template still has a session
// (object_in_use), the server is at max_connections (too_many_connections).
const TRANSIENT = new Set(['55006', '53300']);
const ATTEMPTS = 8;

async function withRetry<T>(what: string, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (!code || !TRANSIENT.has(code) || attempt === ATTEMPTS) {
        throw new Error(`${what} failed after ${attempt} attempt(s): ${(err as Error).message}`, { cause: err });
      }
      await sleep(250 * attempt);
    }
  }
}

/**
 * A fresh, migrated database of its own for one test file: a copy of the template that
 * global setup migrated. Real PostgreSQL, isolated from the other files running in parallel.
 */
export async function createTestDatabase(): Promise<{ db: Db; databaseUrl: string; drop(): Promise<void> }> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withRetry(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`, async () => {
    const admin = createDb(adminUrl, { min: 0, max: 1 });
    try {
      await admin.raw(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
    } finally {
      await admin.destroy();
    }
  });
  const databaseUrl = adminUrl.replace(/\/[^/]+$/, `/${name}`);
  const db = createDb(databaseUrl);
  return {
    db,
    databaseUrl,
    drop: async () => {
      await db.destroy();
      await withRetry(`DROP DATABASE ${name}`, async () => {
        const again = createDb(adminUrl, { min: 0, max: 1 });
        try {
          await again.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await again.destroy();
        }
      });
    },
  };
}
