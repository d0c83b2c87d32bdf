import type { Client } from '@temporalio/client';

/**
 * The activity types a workflow ran, in history order: regular activities by their
 * ActivityTaskScheduled events, local activities by their markers (the SDK core's
 * `core_local_activity` marker, whose `data` detail is JSON naming the activity type).
 */
export async function activityStepsOf(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const steps: string[] = [];
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) steps.push(scheduled);
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      const data = marker.details?.data?.payloads?.[0]?.data;
      if (!data) throw new Error(`local activity marker without data in ${workflowId} (event ${e.eventId})`);
      steps.push(String(JSON.parse(Buffer.from(data).toString('utf8')).activity_type));
    }
  }
  return steps;
}
