import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { LATE_DELIVERY_GRACE_MS } from '../../contracts/close-steps';

export const HISTORIES_DIR = path.resolve(__dirname, '../histories');

/**
 * With RECORD_HISTORIES=1, keep a finished workflow's history as a replay fixture. Recorded
 * histories are committed; replay.test.ts runs them against the current workflow code so a
 * change that breaks determinism fails CI.
 */
export async function maybeRecordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  // Binary protobuf: exact, and independent of JSON field-naming conventions.
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.binpb`), temporal.api.history.v1.History.encode(history).finish());
}

export function readHistory(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.decode(fs.readFileSync(path.join(HISTORIES_DIR, file)));
}

/** Whether a close waits out a late delivery attempt before retrying it (a timer of LATE_DELIVERY_GRACE_MS). */
export async function waitsForLateDelivery(client: Client, workflowId: string): Promise<boolean> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).some((e) => {
    const timeout = e.timerStartedEventAttributes?.startToFireTimeout;
    return timeout != null && Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6) === LATE_DELIVERY_GRACE_MS;
  });
}
