import type { Db } from '../infra/db';
import { findPeriodLock, holdPeriodExclusive } from '../store/period-locks';
import { openSummary, periodReport, type PeriodReport } from './period-report';

// `period lock` / `period unlock` (issue #21). Only a complete period locks; the check and the
// lock happen in one transaction holding the period's advisory lock exclusive, so no close can
// create, approve or issue anything between them (store/period-locks.ts). Who, when and why are
// kept in period_lock_events, also for unlocks.

/** A lock or unlock refused for a reason finance can act on (exit 1). */
export class PeriodLockRefused extends Error {}

export async function lockPeriod(db: Db, input: { period: string; by: string; reason: string | null; now: Date }): Promise<PeriodReport> {
  return db.transaction(async (trx) => {
    await holdPeriodExclusive(trx, input.period);
    const existing = await findPeriodLock(trx, input.period);
    if (existing) throw new PeriodLockRefused(`${input.period} är redan låst av ${existing.lockedBy} ${existing.lockedAt.toISOString().slice(0, 10)}`);
    const report = await periodReport(trx, input.period);
    if (!report.complete) {
      throw new PeriodLockRefused(`${input.period} är inte komplett och låses inte: ${openSummary(report)}. Se 'month-close period report --period ${input.period}'`);
    }
    await trx('period_locks').insert({ period: input.period, locked_by: input.by, reason: input.reason, locked_at: input.now });
    await trx('period_lock_events').insert({ period: input.period, action: 'lock', by: input.by, reason: input.reason, at: input.now });
    return { ...report, locked: true, lock: { by: input.by, at: input.now.toISOString(), reason: input.reason } };
  });
}

export async function unlockPeriod(db: Db, input: { period: string; by: string; reason: string; now: Date }): Promise<void> {
  if (input.reason.trim() === '') throw new PeriodLockRefused('ett upplåsande behöver en orsak (--reason)');
  await db.transaction(async (trx) => {
    await holdPeriodExclusive(trx, input.period);
    const existing = await findPeriodLock(trx, input.period);
    if (!existing) throw new PeriodLockRefused(`${input.period} är inte låst`);
    await trx('period_locks').where({ period: input.period }).delete();
    await trx('period_lock_events').insert({ period: input.period, action: 'unlock', by: input.by, reason: input.reason, at: input.now });
  });
}
