// A deliberately naive reference for the usage fold, used only by property tests.
// Different algorithm from SnapshotBuilder: dedupe globally, group by entity, replay
// each entity's events into an explicit list of (interval, role) segments, then test
// every segment for overlap with the period. Quadratic-ish and memory-hungry on
// purpose; it is meant to be obviously right, not fast.

import { stockholmMidnightMs, type Period } from '../../billing/period';
import type { EventContradiction, UsageEvent, UsageSnapshot } from '../../billing/types';

interface Segment {
  from: number;
  to: number; // Infinity while still open
  role: string | null;
}

const VALID_ROLES = ['superuser', 'portal_user', 'archive_user'];
const VALID_MODULES = ['smart', 'komplett'];
const VALID_TYPES = ['user', 'module', 'company'];
const VALID_ACTIONS = ['activated', 'deactivated', 'role_changed'];

function before(a: UsageEvent, b: UsageEvent): number {
  if (a.occurredAtMs !== b.occurredAtMs) return a.occurredAtMs - b.occurredAtMs;
  if (a.arrivalSeq !== b.arrivalSeq) return a.arrivalSeq - b.arrivalSeq;
  return a.eventId === b.eventId ? 0 : a.eventId < b.eventId ? -1 : 1;
}

function malformed(e: UsageEvent): string | null {
  if (!VALID_TYPES.includes(e.subjectType)) return `unknown subject type '${e.subjectType}'`;
  if (!VALID_ACTIONS.includes(e.action)) return `unknown action '${e.action}'`;
  if (e.subjectType === 'module' && !VALID_MODULES.includes(e.subjectId)) {
    return `unknown module '${e.subjectId}' (expected smart or komplett)`;
  }
  if (e.action === 'role_changed' && e.subjectType !== 'user') {
    return `role_changed on ${e.subjectType} '${e.subjectId}' (only users have roles)`;
  }
  if (e.subjectType === 'user' && e.action !== 'deactivated' && !VALID_ROLES.includes(e.role as string)) {
    return `${e.action} user '${e.subjectId}' without a valid role (got ${JSON.stringify(e.role)})`;
  }
  return null;
}

export function referenceSnapshot(
  customerId: string,
  period: Period,
  eventsInAnyOrder: UsageEvent[],
  countedFrom: string | null = null,
): { snapshot: UsageSnapshot; contradictions: EventContradiction[] } {
  const countFromMs = countedFrom === null ? period.startMs : stockholmMidnightMs(countedFrom);
  // 1. Sort everything, keep the first occurrence of each id, drop events at/after the end.
  const sorted = [...eventsInAnyOrder].sort(before);
  const seen = new Set<string>();
  const events: UsageEvent[] = [];
  for (const e of sorted) {
    if (e.occurredAtMs >= period.endMs) continue;
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    events.push(e);
  }

  // 2. Group by entity.
  const byEntity = new Map<string, UsageEvent[]>();
  const rejected: { event: UsageEvent; reason: string }[] = [];
  for (const e of events) {
    const problem = malformed(e);
    if (problem) {
      rejected.push({ event: e, reason: problem });
      continue;
    }
    const key = JSON.stringify([e.subjectType, e.subjectId]);
    if (!byEntity.has(key)) byEntity.set(key, []);
    byEntity.get(key)!.push(e);
  }

  // 3. Replay each entity into explicit segments.
  const modules: string[] = [];
  const companies: string[] = [];
  const users: { userId: string; roles: string[] }[] = [];
  for (const [key, list] of byEntity) {
    const [type, id] = JSON.parse(key) as [string, string];
    const segments: Segment[] = [];
    const open = () => segments.find((s) => s.to === Infinity);
    for (const e of list) {
      const current = open();
      const label = `${type} '${id}'`;
      if (e.action === 'activated') {
        if (current) rejected.push({ event: e, reason: `activated ${label} which is already active` });
        else segments.push({ from: e.occurredAtMs, to: Infinity, role: type === 'user' ? e.role : null });
      } else if (e.action === 'deactivated') {
        if (!current) rejected.push({ event: e, reason: `deactivated ${label} which is not active` });
        else current.to = e.occurredAtMs;
      } else {
        if (!current) rejected.push({ event: e, reason: `role_changed ${label} which is not active` });
        else if (current.role !== e.role) {
          current.to = e.occurredAtMs;
          segments.push({ from: e.occurredAtMs, to: Infinity, role: e.role });
        }
      }
    }

    // 4. Which segments overlap the counted part of the period with positive length?
    const inside = segments.filter((s) => Math.max(s.from, countFromMs) < Math.min(s.to, period.endMs));
    if (inside.length === 0) continue;
    if (type === 'module') modules.push(id);
    else if (type === 'company') companies.push(id);
    else users.push({ userId: id, roles: [...new Set(inside.map((s) => s.role as string))].sort() });
  }

  rejected.sort((a, b) => before(a.event, b.event));
  return {
    snapshot: {
      customerId,
      period: period.id,
      modules: modules.sort() as UsageSnapshot['modules'],
      users: users.sort((a, b) => (a.userId < b.userId ? -1 : 1)) as UsageSnapshot['users'],
      companies: companies.sort(),
      ...(countedFrom === null ? {} : { countedFrom }),
    },
    contradictions: rejected.map((r) => ({ eventId: r.event.eventId, reason: r.reason })),
  };
}
