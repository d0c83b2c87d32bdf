// Entry point of a worker process for crash tests (see worker-process.ts): the shared worker
// child (worker/child.ts) with the tests' settings from MC_TEST_WORKER.
import type { AppConfig } from '../../infra/config';
import { runWorkerChild } from '../../worker/child';
import type { WorkerProcessSettings } from './worker-process';

const s = JSON.parse(process.env.MC_TEST_WORKER!) as WorkerProcessSettings;
runWorkerChild({
  ...s,
  config: s.config as AppConfig,
  smtp: { host: '127.0.0.1', port: s.smtpPort, secure: false, from: 'faktura@nordiskrapportering.se', timeoutMs: 5000 },
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
