// The usage fold: turns a customer's portal events into what it had active at any time
// during a period. Streaming, one pass, O(events) time and O(entities) memory, so a
// customer's whole history can be folded inside a workflow.

import { sha256Hex } from './hash';
import { stockholmMidnightMs, type Period } from './period';
import {
  ACTIONS,
  MODULES,
  ROLES,
  SUBJECT_TYPES,
  type EventContradiction,
  type Module,
  type Role,
  type SubjectType,
  type UsageEvent,
  type UsageSnapshot,
} from './types';

/** Event order: occurredAt, ties by arrival order; eventId only makes the order total. */
export function compareEvents(a: UsageEvent, b: UsageEvent): number {
  if (a.occurredAtMs !== b.occurredAtMs) return a.occurredAtMs < b.occurredAtMs ? -1 : 1;
  if (a.arrivalSeq !== b.arrivalSeq) return a.arrivalSeq < b.arrivalSeq ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

export class SnapshotOrderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotOrderError';
  }
}

interface EntityState {
  active: boolean;
  since: number; // start of the current active interval
  role: Role | null; // users: current role
  roleSince: number; // start of the current role interval
  counted: boolean; // a closed active interval overlapped the period
  roles: Set<Role>; // users: roles of closed role intervals that overlapped the period
}

const isRole = (r: unknown): r is Role => (ROLES as readonly unknown[]).includes(r);
const isModule = (m: unknown): m is Module => (MODULES as readonly unknown[]).includes(m);

export class SnapshotBuilder {
  private readonly entities: Record<SubjectType, Map<string, EntityState>> = {
    user: new Map(),
    module: new Map(),
    company: new Map(),
  };
  private readonly contradictions: EventContradiction[] = [];
  private last: UsageEvent | null = null;
  // Duplicate detection: a redelivered event carries the same occurredAt as the
  // original, so only ids seen at the current instant need remembering (the event
  // store's key on event_id guards the rest). Keeps memory O(entities).
  private windowMs = Number.NaN;
  private readonly windowIds = new Set<string>();

  /** Start of the counted part of the period: its first instant, or 00:00 of `countedFrom`. */
  private readonly countFromMs: number;

  /**
   * `countedFrom` (YYYY-MM-DD inside the period) counts only activity from that day on: the
   * billed part of a month that starts after a prepaid quarter (billing-rules.md, clarified
   * 2026-12). Contradictions are still judged on every event, since state carries over.
   */
  constructor(
    readonly customerId: string,
    readonly period: Period,
    readonly countedFrom: string | null = null,
  ) {
    if (countedFrom !== null && (countedFrom <= period.firstDay || countedFrom > period.lastDay)) {
      throw new SnapshotOrderError(`countedFrom ${countedFrom} must be a day after the first of ${period.id} and inside it`);
    }
    this.countFromMs = countedFrom === null ? period.startMs : stockholmMidnightMs(countedFrom);
  }

  add(event: UsageEvent): void {
    if (!Number.isFinite(event.occurredAtMs)) {
      throw new SnapshotOrderError(`event ${event.eventId}: occurredAtMs is not a finite number`);
    }
    if (this.last && compareEvents(this.last, event) > 0) {
      throw new SnapshotOrderError(
        `event ${event.eventId} (occurredAtMs ${event.occurredAtMs}, arrivalSeq ${event.arrivalSeq}) fed after ` +
          `${this.last.eventId} (occurredAtMs ${this.last.occurredAtMs}, arrivalSeq ${this.last.arrivalSeq}); ` +
          'sort with compareEvents first',
      );
    }
    if (event.customerId !== this.customerId) {
      throw new SnapshotOrderError(`event ${event.eventId} belongs to customer ${event.customerId}, not ${this.customerId}`);
    }
    this.last = event;
    // Nothing at or after the period end can change what was active inside it.
    if (event.occurredAtMs >= this.period.endMs) return;

    if (event.occurredAtMs !== this.windowMs) {
      this.windowMs = event.occurredAtMs;
      this.windowIds.clear();
    }
    if (this.windowIds.has(event.eventId)) return;
    this.windowIds.add(event.eventId);

    const reason = this.apply(event);
    if (reason !== null) this.contradictions.push({ eventId: event.eventId, reason });
  }

  /** Applies the event, or returns why it contradicts the state (and leaves the state alone). */
  private apply(e: UsageEvent): string | null {
    const shapeProblem = eventShapeProblem(e);
    if (shapeProblem !== null) return shapeProblem;

    const map = this.entities[e.subjectType];
    const state = map.get(e.subjectId);
    const t = e.occurredAtMs;
    const label = `${e.subjectType} '${e.subjectId}'`;

    switch (e.action) {
      case 'activated': {
        if (state?.active) return `activated ${label} which is already active`;
        const role = e.subjectType === 'user' ? e.role : null;
        if (state) {
          state.active = true;
          state.since = t;
          state.role = role;
          state.roleSince = t;
        } else {
          map.set(e.subjectId, { active: true, since: t, role, roleSince: t, counted: false, roles: new Set() });
        }
        return null;
      }
      case 'deactivated': {
        if (!state?.active) return `deactivated ${label} which is not active`;
        this.closeRole(state, t);
        if (this.overlapsPeriod(state.since, t)) state.counted = true;
        state.active = false;
        state.role = null;
        return null;
      }
      case 'role_changed': {
        if (!state?.active) return `role_changed ${label} which is not active`;
        if (state.role === e.role) return null; // no change: the current role interval continues
        this.closeRole(state, t);
        state.role = e.role;
        state.roleSince = t;
        return null;
      }
    }
  }

  private closeRole(state: EntityState, at: number): void {
    if (state.role !== null && this.overlapsPeriod(state.roleSince, at)) state.roles.add(state.role);
  }

  /** [from, to) overlaps the counted part of the period with positive length. */
  private overlapsPeriod(from: number, to: number): boolean {
    return Math.max(from, this.countFromMs) < Math.min(to, this.period.endMs);
  }

  /** The snapshot so far. Does not change the builder; open intervals count (they began before the end). */
  result(): { snapshot: UsageSnapshot; contradictions: EventContradiction[] } {
    const counts = (s: EntityState) => s.counted || s.active;
    const ids = (m: Map<string, EntityState>) =>
      [...m].filter(([, s]) => counts(s)).map(([id]) => id).sort();

    const users: UsageSnapshot['users'] = [];
    for (const userId of ids(this.entities.user)) {
      const s = this.entities.user.get(userId)!;
      const roles = new Set(s.roles);
      if (s.active && s.role !== null) roles.add(s.role);
      users.push({ userId, roles: [...roles].sort() });
    }
    return {
      snapshot: {
        customerId: this.customerId,
        period: this.period.id,
        modules: ids(this.entities.module) as Module[],
        users,
        companies: ids(this.entities.company),
        ...(this.countedFrom === null ? {} : { countedFrom: this.countedFrom }),
      },
      contradictions: this.contradictions.slice(),
    };
  }
}

/**
 * Problems visible from the event alone, independent of state. Checked first, so an
 * event that is both malformed and contradicts the state reports the malformation.
 */
export function eventShapeProblem(e: UsageEvent): string | null {
  if (!(SUBJECT_TYPES as readonly unknown[]).includes(e.subjectType)) return `unknown subject type '${e.subjectType}'`;
  if (!(ACTIONS as readonly unknown[]).includes(e.action)) return `unknown action '${e.action}'`;
  if (e.subjectType === 'module' && !isModule(e.subjectId)) {
    return `unknown module '${e.subjectId}' (expected smart or komplett)`;
  }
  if (e.action === 'role_changed' && e.subjectType !== 'user') {
    return `role_changed on ${e.subjectType} '${e.subjectId}' (only users have roles)`;
  }
  if (e.subjectType === 'user' && e.action !== 'deactivated' && !isRole(e.role)) {
    return `${e.action} user '${e.subjectId}' without a valid role (got ${JSON.stringify(e.role)})`;
  }
  return null;
}

/** Folds already-sorted events; convenience for callers that hold them in memory. */
export function buildSnapshot(
  customerId: string,
  period: Period,
  events: Iterable<UsageEvent>,
  countedFrom: string | null = null,
): { snapshot: UsageSnapshot; contradictions: EventContradiction[] } {
  const b = new SnapshotBuilder(customerId, period, countedFrom);
  for (const e of events) b.add(e);
  return b.result();
}

/**
 * Deterministic content hash of a snapshot (SHA-256 over a canonical JSON), e.g. to tell
 * whether a recompute saw the same usage. Independent of the order of the input arrays.
 */
export function snapshotHash(s: UsageSnapshot): string {
  const canonical = JSON.stringify([
    'usage-snapshot/v1',
    s.customerId,
    s.period,
    [...s.modules].sort(),
    s.users
      .map((u) => [u.userId, [...u.roles].sort()] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    [...s.companies].sort(),
    // Only when set, so that whole-month snapshots keep the hashes they always had.
    ...(s.countedFrom === undefined ? [] : [s.countedFrom]),
  ]);
  return sha256Hex(canonical);
}
