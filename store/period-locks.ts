import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { refusalCli, type LockFacts, type Refusal } from '../billing/refusals';

// The period lock (issue #21): once finance has reported a month complete and locked it, nothing
// creates, approves or issues anything for it. Every writer of a period's closes takes the
// period's advisory lock SHARED in its transaction and checks here; `period lock` takes it
// EXCLUSIVE while it checks completeness and inserts the lock, so no draft, approval or invoice
// can slip in between the check and the lock.

export interface PeriodLock {
  period: string;
  lockedBy: string;
  reason: string | null;
  lockedAt: Date;
}

/** Raised by the store; activities turn it into the non-retryable `PeriodLocked` failure. */
export class PeriodLockedError extends Error {
  constructor(
    readonly lock: PeriodLock,
    what: string,
  ) {
    super(`${lock.period} är låst (av ${lock.lockedBy} ${lock.lockedAt.toISOString().slice(0, 10)}${lock.reason ? `: ${lock.reason}` : ''}); ${what} görs inte`);
    this.name = 'PeriodLockedError';
  }
}

const advisoryKey = (period: string) => `period-lock:${period}`;

export async function findPeriodLock(db: Db | Knex.Transaction, period: string): Promise<PeriodLock | null> {
  const row = await db('period_locks').where({ period }).first();
  return row ? { period: row.period, lockedBy: row.locked_by, reason: row.reason, lockedAt: row.locked_at } : null;
}

/**
 * Inside a writer's transaction: waits for a `period lock` that is being taken, then refuses
 * when the period is locked. `what` says what was refused ("fakturan utfärdas").
 */
export async function refuseIfLocked(trx: Knex.Transaction, period: string, what: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock_shared(hashtext(?))', [advisoryKey(period)]);
  const lock = await findPeriodLock(trx, period);
  if (lock) throw new PeriodLockedError(lock, what);
}

/** The same check for callers without a transaction of their own. */
export async function assertPeriodOpen(db: Db, period: string, what: string): Promise<void> {
  await db.transaction((trx) => refuseIfLocked(trx, period, what));
}

/** Holds every writer of the period off until `trx` ends (for `period lock`). */
export async function holdPeriodExclusive(trx: Knex.Transaction, period: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [advisoryKey(period)]);
}

export interface PeriodLockEvent {
  action: 'lock' | 'unlock';
  by: string;
  reason: string | null;
  at: Date;
}

/** Who locked and unlocked the period, and when and why, oldest first. */
export async function periodLockHistory(db: Db, period: string): Promise<PeriodLockEvent[]> {
  return db('period_lock_events').where({ period }).orderBy('id').select('action', 'by', 'reason', 'at');
}

/** The period's lock as a refusal names it (billing/refusals.ts), or null when open. */
export async function periodLockFacts(db: Db, period: string): Promise<LockFacts | null> {
  const lock = await findPeriodLock(db, period);
  return lock ? { period, lockedBy: lock.lockedBy, lockedOn: lock.lockedAt.toISOString().slice(0, 10), lockReason: lock.reason } : null;
}

/** Why a person's action on a locked period is refused, as facts; null when open. */
export async function lockedPeriodRefusalOf(db: Db, period: string, action: string): Promise<Refusal | null> {
  const lock = await periodLockFacts(db, period);
  return lock ? { code: 'period_locked', lock, action } : null;
}

/** Why a person's action on a locked period is refused, with what to do instead (the CLI's text); null when open. */
export async function lockedPeriodRefusal(db: Db, period: string, action: string): Promise<string | null> {
  const refusal = await lockedPeriodRefusalOf(db, period, action);
  return refusal ? refusalCli(refusal) : null;
}
