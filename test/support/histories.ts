import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { LATE_DELIVERY_GRACE_MS } from '../../contracts/close-steps';

// Replay fixtures: real histories recorded by the tests, kept per lineage, one folder each
// (test/histories/<lineage>/<name>.binpb). A lineage is the workflow code a set of histories was
// recorded on; the replay test runs every lineage's histories against the code of this commit,
// so a change that would break a running close fails CI. Retiring a lineage (docs/versioning.md)
// is deleting its folder.

export const HISTORIES_DIR = path.resolve(__dirname, '../histories');

/** The lineage the code of this commit records into: 1.0's one close path. */
export const CURRENT_LINEAGE = 'v1';

/**
 * Every fixture the current lineage must have: each path of the close once. `npm run
 * histories:record` records them all (test/support/record-histories.ts) and checks this list.
 */
export const CURRENT_FIXTURES = [
  'customer-close-approved',
  'customer-close-auto-approved',
  'customer-close-four-eyes',
  'customer-close-rejected-recomputed',
  'customer-close-bad-master-data',
  'customer-close-finalise-refused',
  'customer-close-period-not-ended',
  'customer-close-webhook-retried',
  'customer-close-webhook-late',
  'customer-close-webhook-refused',
  'customer-close-child-of-monthly',
  'monthly-close-first-run',
  'monthly-close-last-run',
  'monthly-close-scheduled',
  'scheduled-monthly-close',
  'credit-note-approved',
  'credit-note-reissued',
] as const;

export type FixtureName = (typeof CURRENT_FIXTURES)[number];

/**
 * With RECORD_HISTORIES=1, keep a finished workflow's history (the latest run, or `runId`) as a
 * fixture of the current lineage.
 */
export async function maybeRecordHistory(client: Client, workflowId: string, name: FixtureName, runId?: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const dir = path.join(HISTORIES_DIR, CURRENT_LINEAGE);
  fs.mkdirSync(dir, { recursive: true });
  // Binary protobuf: exact, and independent of JSON field-naming conventions.
  fs.writeFileSync(path.join(dir, `${name}.binpb`), temporal.api.history.v1.History.encode(history).finish());
}

export interface Fixture {
  lineage: string;
  name: string;
  file: string;
}

/** Every fixture of every lineage, ordered by lineage and name. */
export function historyFixtures(): Fixture[] {
  if (!fs.existsSync(HISTORIES_DIR)) return [];
  return fs
    .readdirSync(HISTORIES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .flatMap((lineage) =>
      fs
        .readdirSync(path.join(HISTORIES_DIR, lineage))
        .filter((f) => f.endsWith('.binpb'))
        .sort()
        .map((f) => ({ lineage, name: f.replace(/\.binpb$/, ''), file: path.join(HISTORIES_DIR, lineage, f) })),
    );
}

export function readHistory(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.decode(fs.readFileSync(file));
}

/** Whether a close waits out a late delivery attempt before retrying it (a timer of LATE_DELIVERY_GRACE_MS). */
export async function waitsForLateDelivery(client: Client, workflowId: string): Promise<boolean> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).some((e) => {
    const timeout = e.timerStartedEventAttributes?.startToFireTimeout;
    return timeout != null && Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6) === LATE_DELIVERY_GRACE_MS;
  });
}
