import type { Db } from '../infra/db';
import { lockedPeriodRefusal } from '../store/period-locks';

/** The CLI's friendly refusal on a locked period (exit 1), before anything is sent to a workflow. */
export async function refuseIfLocked(db: Db, period: string, action: string): Promise<void> {
  const refusal = await lockedPeriodRefusal(db, period, action);
  if (refusal) throw new Error(refusal);
}
