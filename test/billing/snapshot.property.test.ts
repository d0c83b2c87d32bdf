// SnapshotBuilder vs the naive reference on thousands of random histories.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePeriod, type Period } from '../../billing/period';
import { buildSnapshot, compareEvents, SnapshotBuilder, snapshotHash } from '../../billing/snapshot';
import type { UsageEvent } from '../../billing/types';
import { referenceSnapshot } from './snapshot-reference';

const CUSTOMER = 'c-prop';
const DAY = 86_400_000;

// DST months (both directions), a leap February, and ordinary months.
const PERIODS: Period[] = ['2024-02', '2024-03', '2024-10', '2024-11', '2024-12', '2025-03', '2025-10'].map(parsePeriod);
const DST_CHANGES = ['2024-03-31T01:00:00Z', '2024-10-27T01:00:00Z', '2025-03-30T01:00:00Z', '2025-10-26T01:00:00Z'].map(Date.parse);

// Mostly well-formed subjects (users weighted up: they have the most states), some that must be rejected.
const USERS: [string, string][] = [['user', 'u1'], ['user', 'u2']];
const OTHERS: [string, string][] = [
  ['module', 'smart'], ['module', 'komplett'], ['module', 'premium'],
  ['company', 'k1'], ['company', 'k2'], ['company', 'u1'],
  ['team', 't1'],
];

function timeArb(p: Period): fc.Arbitrary<number> {
  const edges = [p.startMs, p.endMs, p.startMs - 1, p.startMs + 1, p.endMs - 1, p.endMs + 1, ...DST_CHANGES];
  // A coarse grid makes ties in occurredAt frequent.
  const grid = fc.integer({ min: -8, max: 40 }).map((i) => p.startMs + i * DAY);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...edges) },
    { weight: 3, arbitrary: grid },
    { weight: 4, arbitrary: fc.integer({ min: p.startMs - 40 * DAY, max: p.endMs + 5 * DAY }) },
  );
}

const roleArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('superuser', 'portal_user', 'archive_user') },
  { weight: 1, arbitrary: fc.constantFrom(null, 'owner') },
);

interface Draft {
  at: number;
  subject: [string, string];
  action: string;
  role: string | null;
}

function draftArb(p: Period): fc.Arbitrary<Draft> {
  return fc.record({
    at: timeArb(p),
    subject: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...USERS) }, { weight: 2, arbitrary: fc.constantFrom(...OTHERS) }),
    action: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('activated', 'activated', 'deactivated', 'role_changed', 'role_changed') },
      { weight: 1, arbitrary: fc.constant('suspended') },
    ),
    role: roleArb,
  });
}

/** A history: distinct events, redeliveries (same id and instant), then a random arrival order. */
const historyArb = fc.constantFrom(...PERIODS).chain((period) =>
  fc
    .record({
      drafts: fc.array(draftArb(period), { maxLength: 40, size: 'max' }),
      redeliveries: fc.array(fc.record({ index: fc.nat(), mutate: fc.boolean() }), { maxLength: 8 }),
    })
    .chain(({ drafts, redeliveries }) => {
      const events = drafts.map((d, i) => ({
        eventId: `ev${i}`,
        customerId: CUSTOMER,
        occurredAtMs: d.at,
        subjectType: d.subject[0],
        subjectId: d.subject[1],
        action: d.action,
        role: d.role,
        arrivalSeq: 0,
      })) as unknown as UsageEvent[];
      if (events.length > 0) {
        for (const r of redeliveries) {
          const original = events[r.index % events.length]!;
          // Same id at the same instant; sometimes with a different payload (the first one wins).
          events.push(r.mutate ? { ...original, action: original.action === 'activated' ? 'deactivated' : 'activated' } : { ...original });
        }
      }
      return fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }).map((arrival) => ({
        period,
        arrival: arrival.map((e, seq) => ({ ...e, arrivalSeq: seq })),
      }));
    }),
);

describe('SnapshotBuilder agrees with the reference implementation', () => {
  it('on random histories (snapshot and contradictions)', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), ({ period, arrival }, peekAt) => {
        const sorted = [...arrival].sort(compareEvents);
        const builder = new SnapshotBuilder(CUSTOMER, period);
        sorted.forEach((e, i) => {
          if (i === peekAt % (sorted.length + 1)) builder.result(); // result() must not disturb the fold
          builder.add(e);
        });
        const actual = builder.result();
        const expected = referenceSnapshot(CUSTOMER, period, arrival);
        expect(actual).toEqual(expected);
        expect(snapshotHash(actual.snapshot)).toBe(snapshotHash(expected.snapshot));
      }),
      { numRuns: 4000 },
    );
  });

  it('counting from a day inside the period (after a prepaid quarter) agrees too', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), ({ period, arrival }, dayPick) => {
        const day = 2 + (dayPick % (period.daysInMonth - 1)); // 2..last day
        const countedFrom = `${period.id}-${String(day).padStart(2, '0')}`;
        const actual = buildSnapshot(CUSTOMER, period, [...arrival].sort(compareEvents), countedFrom);
        expect(actual).toEqual(referenceSnapshot(CUSTOMER, period, arrival, countedFrom));
      }),
      { numRuns: 2000 },
    );
  });

  it('does not depend on arrival order when occurredAt values are distinct', () => {
    fc.assert(
      fc.property(historyArb, ({ period, arrival }) => {
        const seen = new Set<number>();
        const distinct = arrival.filter((e) => !seen.has(e.occurredAtMs) && seen.add(e.occurredAtMs));
        const reversed = distinct.map((e, i) => ({ ...e, arrivalSeq: distinct.length - i }));
        const a = buildSnapshot(CUSTOMER, period, [...distinct].sort(compareEvents));
        const b = buildSnapshot(CUSTOMER, period, [...reversed].sort(compareEvents));
        expect(b).toEqual(a);
      }),
      { numRuns: 1000 },
    );
  });

  it('is not affected by events at or after the period end', () => {
    fc.assert(
      fc.property(historyArb, ({ period, arrival }) => {
        const before = arrival.filter((e) => e.occurredAtMs < period.endMs);
        const all = buildSnapshot(CUSTOMER, period, [...arrival].sort(compareEvents));
        const cut = buildSnapshot(CUSTOMER, period, [...before].sort(compareEvents));
        expect(all).toEqual(cut);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects any history fed out of order', () => {
    fc.assert(
      fc.property(historyArb, ({ period, arrival }) => {
        const sorted = [...arrival].sort(compareEvents);
        fc.pre(sorted.length >= 2 && compareEvents(sorted[0]!, sorted[sorted.length - 1]!) < 0);
        const builder = new SnapshotBuilder(CUSTOMER, period);
        builder.add(sorted[sorted.length - 1]!);
        expect(() => builder.add(sorted[0]!)).toThrow(/sort with compareEvents/);
      }),
      { numRuns: 300 },
    );
  });
});
