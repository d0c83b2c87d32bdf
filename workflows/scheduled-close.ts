import { executeChild, workflowInfo, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { periodContaining, previousPeriod } from '../billing/period';
import { BILLING_PERIOD, type MonthlyProgress, type ScheduledCloseSettings } from '../contracts/close-messages';
import { monthlyCloseWorkflowId } from '../contracts/workflow-ids';
import { monthlyClose } from './monthly-close';

// Set by Temporal on every workflow a Schedule starts: the time the run was due.
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The month a run due at `scheduledAt` closes: the one before, in Stockholm time. */
export function periodToClose(scheduledAt: Date): string {
  return previousPeriod(periodContaining(scheduledAt.getTime())).id;
}

/**
 * What the monthly Schedule starts: the close of the month before the *scheduled* time (a run
 * caught up days late still closes the right month), under the period's own deterministic id,
 * so a scheduled and a manual close of the same month are one close.
 */
export async function scheduledMonthlyClose(settings: ScheduledCloseSettings): Promise<MonthlyProgress | { period: string; skipped: string }> {
  const info = workflowInfo();
  const scheduledAt = info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? new Date(info.runStartTime.getTime());
  const period = periodToClose(scheduledAt);
  try {
    return await executeChild(monthlyClose, {
      workflowId: monthlyCloseWorkflowId(period),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [{ key: BILLING_PERIOD, value: period }],
      args: [{ period, approvers: settings.approvers, reminderIntervalMs: settings.reminderIntervalMs, maxConcurrent: settings.maxConcurrent }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { period, skipped: 'a close of this period is already running' };
    throw err;
  }
}
