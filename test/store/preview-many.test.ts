import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePeriod } from '../../billing/period';
import { foldBilledUsage, previewCustomers, rateCustomer } from '../../store/rating';
import { createTestDatabase } from '../support/database';
import { seedCustomer, seedEvents, seedPrices, workedExampleEvents, type EventSpec } from '../support/seed';

// A partner's overview rates a page of customers in one pass (store/rating.ts previewCustomers).
// Each customer's fold and rating must equal the one-customer path `month-close preview` and
// the draft take: a pro rata start, users leaving mid-month, contradictions, no usage, an
// unknown id, and one customer's history across the cursor's 5,000-row batches.

const PERIOD = parsePeriod('2024-11');
let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  testDb = await createTestDatabase();
  await seedPrices(testDb.db);
});
afterAll(async () => testDb?.drop());

describe('previewCustomers', () => {
  it('gives every customer of a page the fold and rating of foldBilledUsage + rateCustomer', async () => {
    const db = testDb.db;
    const ids: string[] = [];
    // The worked example.
    ids.push(await seedCustomer(db));
    await seedEvents(db, ids[0], workedExampleEvents());
    // A prepaid quarter through mid-November: billed from the 16th (pro rata).
    ids.push(await seedCustomer(db, { prepaid_through: '2024-11-15' }));
    await seedEvents(db, ids[1], workedExampleEvents());
    // Users leaving mid-month and a contradiction (a user deactivated who never was active).
    ids.push(await seedCustomer(db));
    await seedEvents(db, ids[2], [
      ...workedExampleEvents(),
      { at: '2024-11-10T12:00:00+01:00', type: 'user', id: 'p2', action: 'deactivated' },
      { at: '2024-11-12T12:00:00+01:00', type: 'user', id: 'ghost', action: 'deactivated' },
    ]);
    // No usage at all.
    ids.push(await seedCustomer(db));
    // A long history: 6,000 toggles of one user, so the shared cursor fetches across batches.
    ids.push(await seedCustomer(db));
    const toggles: EventSpec[] = Array.from({ length: 6_000 }, (_, i) => ({
      at: new Date(Date.parse('2024-06-01T00:00:00Z') + i * 1_800_000).toISOString(),
      type: 'user',
      id: 'toggler',
      action: i % 2 === 0 ? 'activated' : 'deactivated',
      role: i % 2 === 0 ? 'superuser' : undefined,
    }));
    await seedEvents(db, ids[4], [...workedExampleEvents(), ...toggles]);
    // And the customer after it in id order, whose rows follow in the same batches.
    ids.push(await seedCustomer(db));
    await seedEvents(db, ids[5], workedExampleEvents().slice(0, 3));
    const unknown = 'C-NO-SUCH-CUSTOMER';

    const many = await previewCustomers(db, [...ids, unknown], PERIOD);
    for (const id of ids) {
      const usage = await foldBilledUsage(db, id, PERIOD);
      const { outcome } = await rateCustomer(db, id, PERIOD, usage.snapshot);
      expect(many.get(id), id).toEqual({ usage, outcome, problem: null });
    }
    expect(many.get(ids[4])!.usage.eventCount).toBe(workedExampleEvents().length + 6_000);
    expect(many.get(ids[2])!.usage.contradictions.length).toBeGreaterThan(0);
    expect(many.get(ids[1])!.outcome?.kind === 'invoice' && many.get(ids[1])!.outcome).toBeTruthy();
    const refused = await rateCustomer(db, unknown, PERIOD, (await foldBilledUsage(db, unknown, PERIOD)).snapshot).catch((err: Error) => err.message);
    expect(many.get(unknown)).toMatchObject({ outcome: null, problem: refused });
  }, 120_000);
});
