import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { logger } from '../infra/logger';
import { SdkLogAdapter, type FailureClass, type FailureFacts } from '../infra/sdk-logger';
import { Failure } from '../contracts/failures';
import { approveAllWaiting } from '../client/drafts';
import type { AppConfig } from '../infra/config';
import type { Db } from '../infra/db';
import type { SmtpSettings } from '../notify/email';

export const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows/index.ts');

export interface WorkerSetup {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  db: Db;
  config: AppConfig;
  smtp: SmtpSettings | null;
  /** A pre-built workflow bundle (tests build it once); otherwise bundled from source. */
  workflowBundlePath?: string;
  now?: () => Date;
  maxConcurrentActivityTaskExecutions?: number;
  /** Closes kept in memory between their workflow tasks (default 2,000; see createWorker). */
  maxCachedWorkflows?: number;
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has shut down (after `worker.shutdown()` or a signal). */
  done: Promise<void>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/** Failures that are outcomes of the billing rules, not faults (see infra/sdk-logger.ts). */
function classifyFailure(failure: FailureFacts): FailureClass {
  // customerClose ends every failure as a 'CloseFailed' ApplicationFailure whose message has
  // customer, reason and fix; from the workflow thread it arrives as a copy without its type.
  if (failure.type === Failure.CloseFailed || (failure.workflowType === 'customerClose' && !failure.activityType && failure.applicationFailure)) return 'outcome';
  if (failure.type === Failure.DeliveryRefused) return 'outcome'; // refused for good, recorded; the close goes on
  if (failure.nonRetryable) return 'repeat'; // bad master data, a missing price …: the close's failure says it
  return 'error';
}

/** The SDK's logs through our logger, its own chatter at WARN unless TEMPORAL_LOG_LEVEL says otherwise; once per process. */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.TEMPORAL_LOG_LEVEL ?? 'WARN') as LogLevel;
  Runtime.install({
    logger: new SdkLogAdapter(classifyFailure, logger, level),
    // Core's (Rust) logs too, instead of its own console format: JSON lines only.
    telemetryOptions: { logging: { forward: {}, filter: { core: level, other: 'ERROR' } } },
  });
}

/** A worker for the close workflows and their activities, bound to one database. */
export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: setup.temporalAddress });
  // Activities that signal other workflows (approve-all) need a client too.
  const clientConnection = await Connection.connect({ address: setup.temporalAddress });
  const client = new Client({ connection: clientConnection, namespace: setup.namespace });
  const approver = {
    // Only sends: each close records its own answer, and this activity must not wait on them.
    approveWaiting: async (period: string, by: string, includeFlagged: boolean, afterCustomerId: string | null, onProgress: (handledThrough: string | null) => void) =>
      (
        await approveAllWaiting(setup.db, client, period, by, {
          includeFlagged,
          confirm: false,
          afterCustomerId,
          onProgress: (_done, _total, handledThrough) => onProgress(handledThrough),
        })
      ).filter((r) => r.outcome === 'signalled').length,
  };
  const activities = createActivities({ db: setup.db, config: setup.config, smtp: setup.smtp, temporal: client, approver, now: setup.now ?? (() => new Date()) });
  const slots = setup.maxConcurrentActivityTaskExecutions ?? 20;
  const options: WorkerOptions = {
    connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    activities,
    maxConcurrentActivityTaskExecutions: slots,
    // customerClose runs its steps as local activities: as many at once as
    // regular ones, so the database pool, not the worker, is what bounds them.
    maxConcurrentLocalActivityExecutions: slots,
    // A workflow task now holds a whole phase of local steps, one step running at a time: one
    // task per local-activity slot keeps the slots busy; more tasks would only queue for slots
    // while their 10 s workflow task timeout runs.
    maxConcurrentWorkflowTaskExecutions: Math.max(2, slots),
    // Thousands of closes wait for finance at once; an evicted one is replayed from its whole
    // history when its approval arrives. Keep them cached (about 1 MB each with the shared V8 context).
    maxCachedWorkflows: setup.maxCachedWorkflows ?? 2000,
    ...(setup.workflowBundlePath ? { workflowBundle: { codePath: setup.workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
  };
  const worker = await Worker.create(options);
  // Close the connections once the worker stops, whichever way it stops.
  const originalRun = worker.run.bind(worker);
  worker.run = async () => {
    try {
      await originalRun();
    } finally {
      await clientConnection.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    }
  };
  return worker;
}

/** Start the worker in the background; `close()` shuts it down and waits. */
export async function startWorker(setup: WorkerSetup): Promise<RunningWorker> {
  const worker = await createWorker(setup);
  const done = worker.run();
  return {
    worker,
    done,
    close: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
