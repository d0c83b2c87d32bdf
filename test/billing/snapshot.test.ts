import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../billing/period';
import { buildSnapshot, compareEvents, SnapshotBuilder, SnapshotOrderError, snapshotHash } from '../../billing/snapshot';
import type { UsageEvent } from '../../billing/types';
import { CUSTOMER, ev, sthlm } from './fixtures';

const NOV = parsePeriod('2024-11');

function fold(events: UsageEvent[], period = NOV) {
  return buildSnapshot(CUSTOMER, period, [...events].sort(compareEvents));
}

describe('SnapshotBuilder: the worked example (2024-11)', () => {
  it('collects modules, users with roles and companies', () => {
    const { snapshot, contradictions } = fold([
      ev('2024-06-01', 'module', 'smart', 'activated'),
      ev('2024-06-01', 'user', 'p1', 'activated', 'portal_user'),
      ev('2024-06-01', 'user', 'p2', 'activated', 'portal_user'),
      ev('2024-06-01', 'user', 's1', 'activated', 'portal_user'),
      ev('2024-11-15T10:00', 'user', 's1', 'role_changed', 'superuser'),
      ev('2024-06-01', 'company', 'k1', 'activated'),
      ev('2024-06-01', 'company', 'k2', 'activated'),
      ev('2024-06-01', 'company', 'k3', 'activated'),
    ]);
    expect(contradictions).toEqual([]);
    expect(snapshot).toEqual({
      customerId: CUSTOMER,
      period: '2024-11',
      modules: ['smart'],
      users: [
        { userId: 'p1', roles: ['portal_user'] },
        { userId: 'p2', roles: ['portal_user'] },
        { userId: 's1', roles: ['portal_user', 'superuser'] },
      ],
      companies: ['k1', 'k2', 'k3'],
    });
  });
});

describe('SnapshotBuilder: period edges', () => {
  it('deactivated exactly at 00:00 on the 1st does not count; one ms later does', () => {
    const exact = fold([ev('2024-10-01', 'module', 'smart', 'activated'), ev(NOV.startMs, 'module', 'smart', 'deactivated')]);
    expect(exact.snapshot.modules).toEqual([]);
    const later = fold([ev('2024-10-01', 'module', 'smart', 'activated'), ev(NOV.startMs + 1, 'module', 'smart', 'deactivated')]);
    expect(later.snapshot.modules).toEqual(['smart']);
  });

  it('activated exactly at 00:00 on the 1st of the next month does not count; one ms earlier does', () => {
    expect(fold([ev(NOV.endMs, 'company', 'k1', 'activated')]).snapshot.companies).toEqual([]);
    expect(fold([ev(NOV.endMs - 1, 'company', 'k1', 'activated')]).snapshot.companies).toEqual(['k1']);
  });

  it('activated exactly at the start counts', () => {
    expect(fold([ev(NOV.startMs, 'company', 'k1', 'activated')]).snapshot.companies).toEqual(['k1']);
  });

  it('uses Stockholm midnight, not UTC midnight', () => {
    // 2024-11-01T00:30Z is 01:30 on 1 November in Stockholm: inside November.
    const r = fold([ev(Date.parse('2024-10-01T00:00:00Z'), 'module', 'smart', 'activated'), ev(Date.parse('2024-11-01T00:30:00Z'), 'module', 'smart', 'deactivated')]);
    expect(r.snapshot.modules).toEqual(['smart']);
    // ...but deactivated at 2024-10-31T23:00Z (= 00:00 Stockholm) it is not.
    const r2 = fold([ev(Date.parse('2024-10-01T00:00:00Z'), 'module', 'smart', 'activated'), ev(Date.parse('2024-10-31T23:00:00Z'), 'module', 'smart', 'deactivated')]);
    expect(r2.snapshot.modules).toEqual([]);
  });

  it('a zero-length interval inside the period does not count', () => {
    const t = sthlm('2024-11-10T12:00');
    expect(fold([ev(t, 'module', 'smart', 'activated'), ev(t, 'module', 'smart', 'deactivated')]).snapshot.modules).toEqual([]);
  });

  it('handles DST months: March 2025 ends at 2025-03-31T22:00Z, October 2024 at 2024-10-31T23:00Z', () => {
    const mar = parsePeriod('2025-03');
    expect(fold([ev(Date.parse('2025-03-31T22:00:00Z'), 'module', 'komplett', 'activated')], mar).snapshot.modules).toEqual([]);
    expect(fold([ev(Date.parse('2025-03-31T21:59:59.999Z'), 'module', 'komplett', 'activated')], mar).snapshot.modules).toEqual(['komplett']);
    const oct = parsePeriod('2024-10');
    // Active only during the repeated hour 02:00-03:00 on 27 October.
    const r = fold([ev(Date.parse('2024-10-27T00:30:00Z'), 'user', 'u', 'activated', 'archive_user'), ev(Date.parse('2024-10-27T01:30:00Z'), 'user', 'u', 'deactivated')], oct);
    expect(r.snapshot.users).toEqual([{ userId: 'u', roles: ['archive_user'] }]);
    expect(fold([ev(Date.parse('2024-10-31T23:00:00Z'), 'user', 'u', 'activated', 'superuser')], oct).snapshot.users).toEqual([]);
  });
});

describe('SnapshotBuilder: roles', () => {
  it('portal -> super inside the month holds both roles', () => {
    const r = fold([ev('2024-10-01', 'user', 'u', 'activated', 'portal_user'), ev('2024-11-20T09:00', 'user', 'u', 'role_changed', 'superuser')]);
    expect(r.snapshot.users).toEqual([{ userId: 'u', roles: ['portal_user', 'superuser'] }]);
  });

  it('super -> portal inside the month holds both roles too', () => {
    const r = fold([ev('2024-10-01', 'user', 'u', 'activated', 'superuser'), ev('2024-11-02T09:00', 'user', 'u', 'role_changed', 'portal_user')]);
    expect(r.snapshot.users).toEqual([{ userId: 'u', roles: ['portal_user', 'superuser'] }]);
  });

  it('a role dropped before the month, or taken at its end, does not count', () => {
    const r = fold([
      ev('2024-10-01', 'user', 'u', 'activated', 'superuser'),
      ev(NOV.startMs, 'user', 'u', 'role_changed', 'archive_user'),
      ev(NOV.endMs, 'user', 'u', 'role_changed', 'superuser'),
    ]);
    expect(r.snapshot.users).toEqual([{ userId: 'u', roles: ['archive_user'] }]);
  });

  it('a role held while inactive does not count', () => {
    const r = fold([
      ev('2024-11-02', 'user', 'u', 'activated', 'portal_user'),
      ev('2024-11-03', 'user', 'u', 'deactivated'),
      ev('2024-11-04', 'user', 'u', 'role_changed', 'superuser'),
    ]);
    expect(r.snapshot.users).toEqual([{ userId: 'u', roles: ['portal_user'] }]);
    expect(r.contradictions).toEqual([{ eventId: expect.any(String), reason: "role_changed user 'u' which is not active" }]);
  });

  it('changing to the same role is a no-op, not a contradiction', () => {
    const r = fold([ev('2024-11-02', 'user', 'u', 'activated', 'portal_user'), ev('2024-11-03', 'user', 'u', 'role_changed', 'portal_user')]);
    expect(r.contradictions).toEqual([]);
    expect(r.snapshot.users).toEqual([{ userId: 'u', roles: ['portal_user'] }]);
  });
});

describe('SnapshotBuilder: activity', () => {
  it('re-activation within a month counts once, with the roles of both intervals', () => {
    const r = fold([
      ev('2024-11-02', 'user', 'u', 'activated', 'archive_user'),
      ev('2024-11-05', 'user', 'u', 'deactivated'),
      ev('2024-11-20', 'user', 'u', 'activated', 'portal_user'),
      ev('2024-11-03', 'module', 'smart', 'activated'),
      ev('2024-11-04', 'module', 'smart', 'deactivated'),
      ev('2024-11-06', 'module', 'smart', 'activated'),
    ]);
    expect(r.snapshot.users).toEqual([{ userId: 'u', roles: ['archive_user', 'portal_user'] }]);
    expect(r.snapshot.modules).toEqual(['smart']);
    expect(r.contradictions).toEqual([]);
  });

  it('an entity active only in an earlier month does not count', () => {
    const r = fold([ev('2024-09-01', 'company', 'k1', 'activated'), ev('2024-10-15', 'company', 'k1', 'deactivated')]);
    expect(r.snapshot.companies).toEqual([]);
  });

  it('same id in different subject types are different entities', () => {
    const r = fold([ev('2024-11-01', 'company', 'x', 'activated'), ev('2024-11-01', 'user', 'x', 'activated', 'portal_user')]);
    expect(r.snapshot.companies).toEqual(['x']);
    expect(r.snapshot.users).toEqual([{ userId: 'x', roles: ['portal_user'] }]);
  });
});

describe('SnapshotBuilder: ordering, ties and duplicates', () => {
  it('late, out-of-order arrival is folded in occurredAt order', () => {
    const deact = ev('2024-10-20', 'module', 'smart', 'deactivated', null, { arrivalSeq: 1 });
    const act = ev('2024-10-01', 'module', 'smart', 'activated', null, { arrivalSeq: 2 });
    const r = fold([deact, act]); // arrived deactivation first
    expect(r.contradictions).toEqual([]);
    expect(r.snapshot.modules).toEqual([]); // off since October 20th
  });

  it('ties in occurredAt are broken by arrivalSeq', () => {
    const t = sthlm('2024-11-10T12:00');
    const a = ev(t, 'company', 'k1', 'activated', null, { arrivalSeq: 10 });
    const d = ev(t, 'company', 'k1', 'deactivated', null, { arrivalSeq: 11 });
    // activated then deactivated at the same instant: zero length, nothing counts, no contradiction
    expect(fold([d, a])).toMatchObject({ snapshot: { companies: [] }, contradictions: [] });
    // swap arrival order: the deactivation comes first and contradicts; the activation stands
    const d2 = { ...d, arrivalSeq: 9 };
    const r = fold([a, d2]);
    expect(r.snapshot.companies).toEqual(['k1']);
    expect(r.contradictions).toEqual([{ eventId: d.eventId, reason: "deactivated company 'k1' which is not active" }]);
  });

  it('ignores a redelivered event id after the first', () => {
    const a = ev('2024-11-02', 'company', 'k1', 'activated');
    const again = { ...a, arrivalSeq: a.arrivalSeq + 100 };
    const r = fold([a, again]);
    expect(r.contradictions).toEqual([]); // not "already active"
    expect(r.snapshot.companies).toEqual(['k1']);
  });

  it('ignores a duplicated deactivation (it would otherwise contradict)', () => {
    const a = ev('2024-10-02', 'company', 'k1', 'activated');
    const d = ev('2024-10-05', 'company', 'k1', 'deactivated');
    const r = fold([a, d, { ...d, arrivalSeq: 999 }, { ...d, arrivalSeq: 1000 }]);
    expect(r.contradictions).toEqual([]);
  });

  it('throws when fed out of order', () => {
    const b = new SnapshotBuilder(CUSTOMER, NOV);
    b.add(ev('2024-11-05', 'company', 'k1', 'activated'));
    expect(() => b.add(ev('2024-11-04', 'company', 'k2', 'activated'))).toThrow(SnapshotOrderError);
    const t = sthlm('2024-11-06');
    b.add(ev(t, 'company', 'k3', 'activated', null, { arrivalSeq: 50 }));
    expect(() => b.add(ev(t, 'company', 'k4', 'activated', null, { arrivalSeq: 49 }))).toThrow(/sort with compareEvents/);
  });

  it('throws on an event of another customer', () => {
    const b = new SnapshotBuilder(CUSTOMER, NOV);
    expect(() => b.add(ev('2024-11-05', 'company', 'k1', 'activated', null, { customerId: 'other' }))).toThrow(/belongs to customer other/);
  });

  it('ignores events at or after the period end, even contradicting ones', () => {
    const r = fold([
      ev('2024-11-02', 'company', 'k1', 'activated'),
      ev(NOV.endMs, 'company', 'k1', 'deactivated'),
      ev(NOV.endMs, 'company', 'k9', 'deactivated'), // would contradict
      ev('2025-01-01', 'module', 'nonsense', 'activated'),
    ]);
    expect(r.snapshot.companies).toEqual(['k1']);
    expect(r.contradictions).toEqual([]);
  });

  it('compareEvents orders by occurredAt, then arrivalSeq, then eventId', () => {
    const base = ev(1000, 'company', 'k', 'activated', null, { arrivalSeq: 5, eventId: 'b' });
    expect(compareEvents(base, { ...base, occurredAtMs: 1001, arrivalSeq: 0 })).toBeLessThan(0);
    expect(compareEvents(base, { ...base, arrivalSeq: 6 })).toBeLessThan(0);
    expect(compareEvents(base, { ...base, arrivalSeq: 4 })).toBeGreaterThan(0);
    expect(compareEvents(base, { ...base, eventId: 'a' })).toBeGreaterThan(0);
    expect(compareEvents(base, { ...base })).toBe(0);
  });
});

describe('SnapshotBuilder: contradictions', () => {
  it('reports each kind with a reason and does not apply it', () => {
    const evs = [
      ev('2024-11-01T08:00', 'company', 'k1', 'deactivated'),
      ev('2024-11-01T09:00', 'company', 'k1', 'activated'),
      ev('2024-11-01T10:00', 'company', 'k1', 'activated'),
      ev('2024-11-01T11:00', 'user', 'u1', 'role_changed', 'superuser'),
      ev('2024-11-01T12:00', 'user', 'u2', 'activated', null),
      ev('2024-11-01T13:00', 'user', 'u3', 'activated', 'owner' as never),
      ev('2024-11-01T14:00', 'company', 'k1', 'role_changed', 'superuser'),
      ev('2024-11-01T15:00', 'module', 'premium', 'activated'),
      ev('2024-11-01T16:00', 'user', 'u4', 'activated', 'portal_user'),
      ev('2024-11-01T17:00', 'user', 'u4', 'role_changed', null),
      ev('2024-11-01T18:00', 'team' as never, 't', 'activated'),
    ];
    const r = fold(evs);
    expect(r.contradictions.map((c) => c.reason)).toEqual([
      "deactivated company 'k1' which is not active",
      "activated company 'k1' which is already active",
      "role_changed user 'u1' which is not active",
      "activated user 'u2' without a valid role (got null)",
      'activated user \'u3\' without a valid role (got "owner")',
      "role_changed on company 'k1' (only users have roles)",
      "unknown module 'premium' (expected smart or komplett)",
      "role_changed user 'u4' without a valid role (got null)",
      "unknown subject type 'team'",
    ]);
    expect(r.contradictions.map((c) => c.eventId)).toEqual([0, 2, 3, 4, 5, 6, 7, 9, 10].map((i) => evs[i]!.eventId));
    expect(r.snapshot).toEqual({
      customerId: CUSTOMER,
      period: '2024-11',
      modules: [],
      users: [{ userId: 'u4', roles: ['portal_user'] }],
      companies: ['k1'],
    });
  });

  it('a rejected deactivation leaves the entity active', () => {
    const r = fold([
      ev('2024-09-01', 'module', 'smart', 'activated'),
      ev('2024-10-01', 'module', 'smart', 'deactivated'),
      ev('2024-10-02', 'module', 'smart', 'deactivated'),
      ev('2024-10-03', 'module', 'komplett', 'activated'),
      ev('2024-10-04', 'module', 'komplett', 'activated'), // rejected: does not restart the interval
      ev('2024-10-05', 'module', 'komplett', 'deactivated'),
    ]);
    expect(r.snapshot.modules).toEqual([]);
    expect(r.contradictions).toHaveLength(2);
  });
});

describe('SnapshotBuilder: result()', () => {
  it('does not change the builder and can be called again after more events', () => {
    const b = new SnapshotBuilder(CUSTOMER, NOV);
    b.add(ev('2024-10-01', 'user', 'u', 'activated', 'portal_user'));
    expect(b.result().snapshot.users).toEqual([{ userId: 'u', roles: ['portal_user'] }]);
    b.add(ev('2024-11-10', 'user', 'u', 'role_changed', 'superuser'));
    b.add(ev('2024-11-12', 'user', 'u', 'deactivated'));
    expect(b.result().snapshot.users).toEqual([{ userId: 'u', roles: ['portal_user', 'superuser'] }]);
    expect(b.result()).toEqual(b.result());
  });
});

describe('snapshotHash', () => {
  const snap = {
    customerId: 'c',
    period: '2024-11',
    modules: ['smart' as const],
    users: [{ userId: 'u', roles: ['portal_user' as const, 'superuser' as const] }],
    companies: ['k1', 'k2'],
  };

  it('is a stable SHA-256 hex digest', () => {
    expect(snapshotHash(snap)).toMatch(/^[0-9a-f]{64}$/);
    expect(snapshotHash(snap)).toBe(snapshotHash(structuredClone(snap)));
  });

  it('ignores the order of input arrays', () => {
    const shuffled = { ...snap, companies: ['k2', 'k1'], users: [{ userId: 'u', roles: ['superuser' as const, 'portal_user' as const] }] };
    expect(snapshotHash(shuffled)).toBe(snapshotHash(snap));
  });

  it('changes with any content', () => {
    const h = snapshotHash(snap);
    expect(snapshotHash({ ...snap, customerId: 'd' })).not.toBe(h);
    expect(snapshotHash({ ...snap, period: '2024-12' })).not.toBe(h);
    expect(snapshotHash({ ...snap, modules: [] })).not.toBe(h);
    expect(snapshotHash({ ...snap, companies: ['k1'] })).not.toBe(h);
    expect(snapshotHash({ ...snap, users: [{ userId: 'u', roles: ['superuser'] }] })).not.toBe(h);
    // moving a string across fields must not collide
    expect(snapshotHash({ ...snap, companies: ['k1', 'k2', 'u'], users: [] })).not.toBe(snapshotHash({ ...snap, companies: ['k1', 'k2'], users: [{ userId: 'u', roles: [] }] }));
  });
});
