import { patched } from '@temporalio/workflow';
import { periodNotEndedReason } from '../billing/period';
import { businessFailure, Failure } from '../contracts/failures';

// Added 2026-12 (billing-rules.md "Which periods can be closed"). Closes recorded before this
// check replay without it; new runs record the marker and check.
export const REFUSE_UNENDED_PERIOD_PATCH = 'refuse-unended-period';

/**
 * Ends the workflow at once, before any side effect, when its period has not ended. The
 * clients refuse first; this catches any other client. Date.now() here is the workflow
 * task's time, recorded in history, so replay is deterministic.
 */
export function refuseUnendedPeriod(period: string): void {
  if (!patched(REFUSE_UNENDED_PERIOD_PATCH)) return;
  const reason = periodNotEndedReason(period, Date.now());
  if (reason !== null) throw businessFailure(Failure.PeriodNotEnded, reason);
}
