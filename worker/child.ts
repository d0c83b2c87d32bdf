// Entry point of a worker in a process of its own (worker/processes.ts starts it), so a drill
// or a test can SIGKILL it as a crash would: no shutdown, no activity completions reported,
// leases left to time out. Settings come as JSON in MC_WORKER_CHILD; it prints
// `worker-ready <pid>` on stdout once polling. Start it as `node --import <tsx loader>
// worker/child.ts`, not through the tsx CLI, which would run it in a grandchild that a SIGKILL
// of the CLI leaves running.
import type { AppConfig } from '../infra/config';
import { createDb } from '../infra/db';
import type { SmtpSettings } from '../notify/email';
import { startWorker } from './worker';

export interface WorkerChildSettings {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  smtp: SmtpSettings | null;
  workflowBundlePath: string;
  config: AppConfig;
  maxConcurrentActivityTaskExecutions?: number;
  maxCachedWorkflows?: number;
  /**
   * V8's old-space limit per heap (main thread and workflow thread), `--max-old-space-size`.
   * Without it V8 lets the heap grow far past the live data between collections.
   * Default WORKER_HEAP_LIMIT_MB (worker/processes.ts); 0: V8's own.
   */
  heapLimitMb?: number;
  /** Connections of the worker's database pool (default 30). */
  dbPoolMax?: number;
  /** Exit when stdin closes: the parent keeps it open, so a parent that dies takes us along. */
  exitWithParent?: boolean;
  /**
   * The activities' clock this far ahead of the machine's (ms, may be negative): lets a test or
   * a drill bring a reminder's day to within seconds while its timers run in real time.
   */
  clockOffsetMs?: number;
}

export const WORKER_CHILD_ENV = 'MC_WORKER_CHILD';

/** Run a worker in this process until SIGINT/SIGTERM (the Temporal runtime drains it). */
export async function runWorkerChild(s: WorkerChildSettings): Promise<void> {
  if (s.exitWithParent) {
    process.stdin.on('end', () => process.exit(1));
    process.stdin.resume();
  }
  const db = createDb(s.databaseUrl, { min: 0, max: s.dbPoolMax ?? 30 });
  const worker = await startWorker({
    temporalAddress: s.temporalAddress,
    namespace: s.namespace,
    taskQueue: s.taskQueue,
    db,
    config: s.config,
    smtp: s.smtp,
    workflowBundlePath: s.workflowBundlePath,
    maxConcurrentActivityTaskExecutions: s.maxConcurrentActivityTaskExecutions,
    maxCachedWorkflows: s.maxCachedWorkflows,
    now: s.clockOffsetMs ? () => new Date(Date.now() + s.clockOffsetMs!) : undefined,
  });
  // The pid proves the parent holds the worker itself, not a wrapper around it.
  process.stdout.write(`worker-ready ${process.pid}\n`);
  await worker.done;
  await db.destroy();
}

if (require.main === module) {
  const raw = process.env[WORKER_CHILD_ENV];
  const run = raw ? runWorkerChild(JSON.parse(raw) as WorkerChildSettings) : Promise.reject(new Error(`${WORKER_CHILD_ENV} is not set: worker/processes.ts starts this process`));
  run.catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
