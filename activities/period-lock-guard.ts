import { PeriodLockedError } from '../store/period-locks';
import { businessFailure, Failure, type FailureContext } from '../workflows/failures';

/**
 * Runs a step that writes for a period; a locked period (store/period-locks.ts) ends it with the
 * non-retryable `PeriodLocked` failure and its remedy, whatever started the workflow.
 */
export async function refusingLockedPeriod<T>(ctx: FailureContext, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof PeriodLockedError) throw businessFailure(Failure.PeriodLocked, err.message, ctx);
    throw err;
  }
}
