import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePeriod } from '../../billing/period';
import { foldUsage } from '../../store/usage';
import { createTestDatabase } from '../support/database';
import { seedCustomer, type EventSpec, seedEvents } from '../support/seed';
import type { Db } from '../../infra/db';

// A statement of its own must never run inside another caller's transaction (a document row
// rolled back with it leaves drafts.pdf_sha256 pointing nowhere). That happens only when the
// pool hands one connection to two callers, as knex 3.3's .stream() does (it releases a
// streaming connection twice), so the fold reads with a cursor instead. This test runs multi-batch folds beside transactions and lone
// statements and proves that nobody ever shares a session: it fails with the .stream() fold.

let db: Db;
let drop: () => Promise<void>;
let customerId: string;
const NOV = parsePeriod('2024-11');

beforeAll(async () => {
  ({ db, drop } = await createTestDatabase());
  customerId = await seedCustomer(db);
  // 12,000 events: the fold fetches them in several batches.
  const events: EventSpec[] = [];
  for (let i = 0; i < 6_000; i++) {
    const at = new Date(Date.parse('2024-10-01T00:00:00Z') + i * 60_000).toISOString();
    events.push({ at, type: 'user', id: `u${i}`, action: 'activated', role: 'portal_user' });
    events.push({ at, type: 'company', id: `k${i % 50}`, action: i < 50 ? 'activated' : 'activated' });
  }
  for (let i = 0; i < events.length; i += 2_000) await seedEvents(db, customerId, events.slice(i, i + 2_000));
}, 60_000);
afterAll(async () => drop?.());

describe('the connection pool under folds, transactions and lone statements', () => {
  it('never runs a statement inside another caller’s transaction, nor two transactions in one session', async () => {
    const txids: string[] = [];
    const loneInsideOthers: number[] = [];
    const transaction = async () => {
      await db.transaction(async (trx) => {
        const { rows } = await trx.raw('SELECT txid_current()::text AS txid');
        txids.push(rows[0].txid);
        await trx.raw('SELECT pg_sleep(0.005)');
      });
    };
    const lone = async (i: number) => {
      // In a statement of its own, the transaction began with this statement.
      const { rows } = await db.raw('SELECT transaction_timestamp() = statement_timestamp() AS alone');
      if (!rows[0].alone) loneInsideOthers.push(i);
    };
    const work: Promise<unknown>[] = [];
    for (let round = 0; round < 6; round++) {
      work.push(foldUsage(db, customerId, NOV));
      for (let i = 0; i < 15; i++) work.push(transaction(), lone(round * 100 + i));
    }
    await Promise.all(work);
    expect(loneInsideOthers).toEqual([]);
    expect(txids).toHaveLength(90);
    expect(new Set(txids).size).toBe(90);
  }, 60_000);
});
