import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-runner';
import { loadConfig } from '../../infra/config';
import { startSandbox, type Sandbox } from '../../devenv/sandbox';

// On a real cluster a namespace registered just now is stored at once but served only after
// each service's namespace cache refreshes (seconds). `temporal setup` on a fresh namespace of a
// freshly started Temporal server must still work in one run, and again on the existing one.

let dir: string;
let sandbox: Sandbox;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-engine-setup-'));
  sandbox = await startSandbox({ dataDir: dir, engine: 'server', database: 'migrated' });
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ ...loadConfig(), taskQueue: 'engine-setup' }));
  env = {
    ...process.env,
    TEMPORAL_ADDRESS: sandbox.endpoints.temporalAddress,
    TEMPORAL_NAMESPACE: 'billing',
    DATABASE_URL: sandbox.endpoints.databaseUrl,
    MONTH_CLOSE_CONFIG: configFile,
    LOG_LEVEL: 'warn',
  };
}, 300_000);
afterAll(async () => {
  await sandbox?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('temporal setup on a freshly started Temporal server', () => {
  it('creates a fresh namespace and registers the search attributes in one run', async () => {
    const first = await runCli(['temporal', 'setup', '--json'], env);
    expect(first.stderr).not.toMatch(/not found/i);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      namespace: 'billing',
      createdNamespace: true,
      addedSearchAttributes: ['BillingPeriod', 'CustomerId', 'CloseState'],
      presentSearchAttributes: [],
    });
  }, 120_000);

  it('finds the namespace and its attributes on the next run, and a close starts there', async () => {
    const again = await runCli(['temporal', 'setup', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ createdNamespace: false, addedSearchAttributes: [], presentSearchAttributes: ['BillingPeriod', 'CustomerId', 'CloseState'] });

    const started = await runCli(['close', 'start', '--period', '2024-11', '--json'], env);
    expect(started.stderr).toBe('');
    expect(JSON.parse(started.stdout).started).toEqual([{ target: 'monthly-close-2024-11', outcome: 'started' }]);
    const client = await sandbox.client();
    await client.connection.workflowService.terminateWorkflowExecution({ namespace: 'billing', workflowExecution: { workflowId: 'monthly-close-2024-11' }, reason: 'test done' });
  }, 120_000);
});
