import { periodNotEndedReason } from '../billing/period';
import { businessFailure, Failure } from '../contracts/failures';

/**
 * Ends the workflow at once, before any side effect, when its period has not ended
 * (billing-rules.md "Which periods can be closed"). The clients refuse first; this catches any
 * other client. Date.now() here is the workflow task's time, recorded in history, so replay is
 * deterministic.
 */
export function refuseUnendedPeriod(period: string): void {
  const reason = periodNotEndedReason(period, Date.now());
  if (reason !== null) throw businessFailure(Failure.PeriodNotEnded, reason);
}
