import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import type { ScheduledCloseSettings } from '../contracts/close-messages';
import type { CloseSettings } from './close';

export const SCHEDULE_ID = 'month-close-monthly';

/**
 * The monthly close on the 1st at 06:00 Stockholm time: outside the 02:00-03:00 hour that
 * daylight saving skips or repeats. Overlapping runs are skipped; a run missed while the
 * cluster was down is caught up within a week.
 */
export async function createSchedule(client: Client, settings: CloseSettings): Promise<'created' | 'exists'> {
  const args: ScheduledCloseSettings = { approvers: settings.approvers, reminderIntervalMs: settings.reminderIntervalMs, maxConcurrent: settings.maxConcurrent };
  try {
    await client.schedule.create({
      scheduleId: SCHEDULE_ID,
      spec: { calendars: [{ dayOfMonth: 1, hour: 6, minute: 0 }], timezone: 'Europe/Stockholm' },
      action: { type: 'startWorkflow', workflowType: 'scheduledMonthlyClose', args: [args], taskQueue: settings.taskQueue, workflowId: 'scheduled-monthly-close' },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '7 days' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}

export interface ScheduleSummary {
  schedule_id: string;
  paused: boolean;
  timezone: string | undefined;
  next_runs: string[];
  recent_runs: { scheduled_at: string; workflow_id: string }[];
}

export async function describeSchedule(client: Client): Promise<ScheduleSummary | null> {
  let d: ScheduleDescription;
  try {
    d = await client.schedule.getHandle(SCHEDULE_ID).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
  return {
    schedule_id: SCHEDULE_ID,
    paused: d.state.paused,
    timezone: d.spec.timezone,
    next_runs: d.info.nextActionTimes.map((t) => t.toISOString()),
    recent_runs: d.info.recentActions.map((a) => ({ scheduled_at: a.scheduledAt.toISOString(), workflow_id: 'workflow' in a.action ? a.action.workflow.workflowId : '' })),
  };
}

export async function deleteSchedule(client: Client): Promise<'deleted' | 'not_found'> {
  try {
    await client.schedule.getHandle(SCHEDULE_ID).delete();
    return 'deleted';
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return 'not_found';
    throw err;
  }
}

/** Run the schedule's action now, as if it were due (for operators and tests). */
export async function triggerSchedule(client: Client): Promise<void> {
  await client.schedule.getHandle(SCHEDULE_ID).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
}
