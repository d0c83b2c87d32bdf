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

/**
 * Local activities (customerClose's steps) never show as pending
 * on the server: their evidence is the workflow task that holds them while they run, and, once
 * done, a marker in the history with the attempt that completed them.
 */
export async function workflowTaskOpen(client: Client, workflowId: string): Promise<boolean> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  return raw.pendingWorkflowTask != null;
}

/** Per local activity that completed, in history order, its type and the attempt that completed it. */
export async function completedLocalAttempts(client: Client, workflowId: string): Promise<{ activity: string; attempt: number }[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const out: { activity: string; attempt: number }[] = [];
  for (const e of history.events ?? []) {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : null;
    if (!data) continue;
    const facts = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string; attempt: number };
    out.push({ activity: facts.activity_type, attempt: facts.attempt });
  }
  return out;
}

/** Workflow tasks that timed out: a worker that died holding one (its local steps ran again elsewhere). */
export async function timedOutWorkflowTasks(client: Client, workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowTaskTimedOutEventAttributes != null).length;
}
