// Entry point of a worker process for scripts/kill-worker-during-close.ts, modelled on
// test/support/worker-main.ts: a worker in a process of its own so the script can SIGKILL it
// as a crash would (no shutdown, no activity completions reported, leases left to time out).
// Settings come as JSON in MC_CRASH_WORKER; prints `worker-ready pid=<pid>` on stdout once
// polling. Start it as `node --import <tsx loader> worker-child.ts`, not through the tsx CLI:
// the CLI runs the script in a grandchild process, which a SIGKILL of the CLI leaves running.
import type { AppConfig } from '../infra/config';
import { createDb } from '../infra/db';
import { startWorker } from '../worker/worker';

export interface CrashWorkerSettings {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  smtpPort: number;
  smtpFrom: string;
  workflowBundlePath: string;
  maxConcurrentActivityTaskExecutions: number;
  config: AppConfig;
}

export const CRASH_WORKER_ENV = 'MC_CRASH_WORKER';

async function main(): Promise<void> {
  const raw = process.env[CRASH_WORKER_ENV];
  if (!raw) throw new Error(`${CRASH_WORKER_ENV} is not set: this process is started by scripts/kill-worker-during-close.ts`);
  const s = JSON.parse(raw) as CrashWorkerSettings;
  // The drill keeps our stdin open; if the drill dies without stopping us, do not linger.
  process.stdin.on('end', () => process.exit(1));
  process.stdin.resume();
  const db = createDb(s.databaseUrl, { min: 0, max: 30 });
  const worker = await startWorker({
    temporalAddress: s.temporalAddress,
    namespace: s.namespace,
    taskQueue: s.taskQueue,
    db,
    config: s.config,
    smtp: { host: '127.0.0.1', port: s.smtpPort, secure: false, from: s.smtpFrom, timeoutMs: 5000 },
    workflowBundlePath: s.workflowBundlePath,
    maxConcurrentActivityTaskExecutions: s.maxConcurrentActivityTaskExecutions,
  });
  process.stdout.write(`worker-ready pid=${process.pid}\n`);
  // SIGTERM / SIGINT: the Temporal runtime shuts the worker down gracefully and `done` resolves.
  await worker.done;
  await db.destroy();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
