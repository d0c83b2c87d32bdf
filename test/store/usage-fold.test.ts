import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePeriod } from '../../billing/period';
import { buildSnapshot, compareEvents } from '../../billing/snapshot';
import type { UsageEvent } from '../../billing/types';
import { foldUsage } from '../../store/usage';
import { referenceSnapshot } from '../billing/snapshot-reference';
import { createTestDatabase } from '../support/database';
import { seedCustomer } from '../support/seed';

// The database fold (a server-side cursor fetched 5,000 rows at a time) against the in-memory
// fold and the naive reference, for histories on and across the batch boundary. Events tied in
// occurred_at straddle row 5,000 and arrive in an order other than their ids', so a fold that
// loses, repeats or reorders rows at a batch edge gives another snapshot or other contradictions.

const PERIOD = parsePeriod('2024-11');
const MINUTE = 60_000;
const BATCH = 5_000;

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => testDb?.drop());

/** A small deterministic generator (LCG), so a failure can be reproduced. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Row {
  event_id: string;
  customer_id: string;
  occurred_at: Date;
  subject_type: string;
  subject_id: string;
  action: string;
  role: string | null;
}

/**
 * `n` events before the period's end, in occurred_at order, where the events around row 5,000
 * (and 10,000) share one instant. A few events after the period's end are not folded.
 */
function history(customerId: string, n: number, seed: number): Row[] {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const users = Array.from({ length: 60 }, (_, i) => `u${i}`);
  const companies = Array.from({ length: 8 }, (_, i) => `k${i}`);
  const roles = ['superuser', 'portal_user', 'archive_user'] as const;
  const start = PERIOD.startMs - 45 * 24 * 60 * MINUTE;
  const times = Array.from({ length: n }, () => start + Math.floor(next() * ((PERIOD.endMs - start) / MINUTE)) * MINUTE).sort((a, b) => a - b);
  // Ties across each batch boundary: rows boundary-10 … boundary+9 happen at the same instant.
  for (let boundary = BATCH; boundary < n + 10; boundary += BATCH) {
    const from = Math.max(0, boundary - 10);
    for (let i = from; i < Math.min(n, boundary + 10); i++) times[i] = times[from]!;
  }
  const rows: Row[] = times.map((at, i) => {
    const kind = next();
    const base = { event_id: `${customerId}-e${String(i).padStart(6, '0')}`, customer_id: customerId, occurred_at: new Date(at) };
    if (kind < 0.7) {
      const action = pick(['activated', 'activated', 'deactivated', 'role_changed'] as const);
      return { ...base, subject_type: 'user', subject_id: pick(users), action, role: action === 'deactivated' ? null : pick(roles) };
    }
    if (kind < 0.85) return { ...base, subject_type: 'module', subject_id: pick(['smart', 'komplett']), action: pick(['activated', 'deactivated']), role: null };
    return { ...base, subject_type: 'company', subject_id: pick(companies), action: pick(['activated', 'deactivated']), role: null };
  });
  for (let i = 0; i < 3; i++) {
    rows.push({ event_id: `${customerId}-after${i}`, customer_id: customerId, occurred_at: new Date(PERIOD.endMs + i * MINUTE), subject_type: 'module', subject_id: 'komplett', action: 'activated', role: null });
  }
  return rows;
}

/**
 * Arrival order (= seq): tied events arrive in reverse id order, so only seq orders them right;
 * untied events are shuffled locally, like late arrivals in the portal's exports. The event
 * folded last then activates a user no other event mentions, so a fold that stops early misses it.
 */
function arrivalOrder(rows: Row[], seed: number): Row[] {
  const next = random(seed + 1);
  const at = (r: Row) => r.occurred_at.getTime();
  const ties = new Map<number, number>();
  for (const r of rows) ties.set(at(r), (ties.get(at(r)) ?? 0) + 1);
  const out: Row[] = [];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j < rows.length && at(rows[j]!) === at(rows[i]!)) j++;
    out.push(...rows.slice(i, j).reverse());
    i = j;
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = i - Math.floor(next() * Math.min(i, 50));
    if (ties.get(at(out[i]!)) === 1 && ties.get(at(out[j]!)) === 1) [out[i], out[j]] = [out[j]!, out[i]!];
  }
  const foldOrder = out.map((r, seq) => ({ r, seq })).filter(({ r }) => at(r) < PERIOD.endMs).sort((a, b) => at(a.r) - at(b.r) || a.seq - b.seq);
  Object.assign(foldOrder[foldOrder.length - 1]!.r, { subject_type: 'user', subject_id: 'the-last-one', action: 'activated', role: 'archive_user' });
  return out;
}

describe('foldUsage in the database, across its 5,000-row batches', () => {
  for (const n of [4_999, 5_000, 5_001, 12_345]) {
    it(`folds ${n.toLocaleString('en-US')} events like the in-memory fold and the reference`, async () => {
      const customerId = await seedCustomer(testDb.db);
      const rows = history(customerId, n, n);
      await testDb.db.batchInsert('usage_events', arrivalOrder(rows, n), 1_000);

      const stored = await testDb.db('usage_events').where({ customer_id: customerId }).select('seq', 'event_id', 'occurred_at', 'subject_type', 'subject_id', 'action', 'role');
      const events: UsageEvent[] = stored.map((r) => ({
        eventId: r.event_id,
        customerId,
        occurredAtMs: (r.occurred_at as Date).getTime(),
        subjectType: r.subject_type,
        subjectId: r.subject_id,
        action: r.action,
        role: r.role,
        arrivalSeq: r.seq,
      }));
      const inPeriod = events.filter((e) => e.occurredAtMs < PERIOD.endMs);
      expect(inPeriod).toHaveLength(n);
      // The tie really straddles a batch edge: rows 4,999 and 5,000 of the fold share an instant
      // and their arrival order differs from their id order.
      const sorted = [...inPeriod].sort(compareEvents);
      if (n > BATCH) {
        expect(sorted[BATCH - 1]!.occurredAtMs).toBe(sorted[BATCH]!.occurredAtMs);
        expect(sorted[BATCH - 1]!.eventId > sorted[BATCH]!.eventId).toBe(true);
      }

      const fromDb = await foldUsage(testDb.db, customerId, PERIOD);
      const inMemory = buildSnapshot(customerId, PERIOD, sorted);
      const reference = referenceSnapshot(customerId, PERIOD, events);

      expect(fromDb.eventCount).toBe(n);
      expect(fromDb.maxSeq).toBe(Math.max(...inPeriod.map((e) => e.arrivalSeq)));
      expect(fromDb.snapshot).toEqual(inMemory.snapshot);
      expect(fromDb.contradictions).toEqual(inMemory.contradictions);
      expect(fromDb.snapshot).toEqual(reference.snapshot);
      expect(fromDb.contradictions.map((c) => c.eventId).sort()).toEqual(reference.contradictions.map((c) => c.eventId).sort());
      // Not trivially equal: the history bills users and has contradictions to agree on.
      expect(fromDb.snapshot.users.map((u) => u.userId)).toContain('the-last-one');
      expect(fromDb.contradictions.length).toBeGreaterThan(0);
    }, 60_000);
  }
});
