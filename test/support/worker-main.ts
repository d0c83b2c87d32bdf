// Entry point of a worker process for crash tests (see worker-process.ts).
import { createDb } from '../../infra/db';
import type { AppConfig } from '../../infra/config';
import { startWorker } from '../../worker/worker';
import type { WorkerProcessSettings } from './worker-process';

async function main(): Promise<void> {
  const s = JSON.parse(process.env.MC_TEST_WORKER!) as WorkerProcessSettings;
  const db = createDb(s.databaseUrl);
  const worker = await startWorker({
    temporalAddress: s.temporalAddress,
    namespace: s.namespace,
    taskQueue: s.taskQueue,
    db,
    config: s.config as AppConfig,
    smtp: { host: '127.0.0.1', port: s.smtpPort, secure: false, from: 'faktura@nordiskrapportering.se', timeoutMs: 5000 },
    workflowBundlePath: s.workflowBundlePath,
  });
  // The pid proves the test holds the worker itself, not a wrapper around it.
  process.stdout.write(`worker-ready ${process.pid}\n`);
  await worker.done;
  await db.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
