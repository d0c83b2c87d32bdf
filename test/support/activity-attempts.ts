import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

// Evidence from Temporal itself that a fault hit an activity: its pending attempts while it
// lasts, and the attempt that finally ran (with the failure before it) in the history.

export interface Attempt {
  activity: string;
  attempt: number;
  lastFailure: string | null;
}

/** Activities of a running workflow that a worker has started and not finished. */
export async function startedActivities(client: Client, workflowId: string): Promise<Attempt[]> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  return (raw.pendingActivities ?? [])
    .filter((a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
    .map((a) => ({ activity: a.activityType?.name ?? '', attempt: a.attempt ?? 0, lastFailure: a.lastFailure?.message ?? null }));
}

/** Activities of a running workflow that failed at least once and wait for or run a retry. */
export async function retriedActivities(client: Client, workflowId: string): Promise<Attempt[]> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  return (raw.pendingActivities ?? [])
    .filter((a) => (a.attempt ?? 0) > 1)
    .map((a) => ({ activity: a.activityType?.name ?? '', attempt: a.attempt ?? 0, lastFailure: a.lastFailure?.message ?? null }));
}

/** Per activity that ran, the attempt that completed it and the failure of the attempt before. */
export async function completedAttempts(client: Client, workflowId: string): Promise<Attempt[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const names = new Map<string, string>();
  const out: Attempt[] = [];
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) names.set(String(e.eventId), scheduled.activityType?.name ?? '');
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      out.push({ activity: names.get(String(started.scheduledEventId)) ?? '', attempt: started.attempt ?? 0, lastFailure: started.lastFailure?.message ?? null });
    }
  }
  return out;
}
