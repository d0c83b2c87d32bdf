import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { createTestDatabase } from '../support/database';
import { runCli } from '../support/cli-runner';
import { waitFor } from '../support/wait';
import { loadConfig } from '../../infra/config';
import { migrate } from '../../infra/db';

// On a fresh namespace `close start` must say why it cannot start and what to do, not only
// "Failed to start Workflow"; `month-close temporal setup` prepares the namespace idempotently
// through the operator service.

const namespace = `fresh-${randomBytes(4).toString('hex')}`;
let connection: Connection;
let dir: string;
let env: NodeJS.ProcessEnv;
let drop: () => Promise<void>;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(86_400_000) });
  const database = await createTestDatabase();
  await migrate(database.db);
  await database.db.destroy();
  drop = database.drop;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-setup-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ ...loadConfig(), taskQueue: `setup-${namespace}` }));
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: namespace, DATABASE_URL: database.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
  // A namespace registered just now takes a moment to be served.
  await waitFor(async () => connection.workflowService.describeNamespace({ namespace }).then(() => true, () => false), 30_000, 'namespace registered');
});
afterAll(async () => {
  await connection?.close();
  await drop?.();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a fresh namespace', () => {
  it('close start says the reason and the next step instead of only "Failed to start Workflow"', async () => {
    let r = await runCli(['close', 'start', '--period', '2024-11'], env);
    // The server may still be loading the new namespace: wait for the search-attribute refusal.
    await waitFor(async () => {
      if (/search attribute/i.test(r.stderr)) return true;
      r = await runCli(['close', 'start', '--period', '2024-11'], env);
      return /search attribute/i.test(r.stderr);
    }, 60_000, 'the search-attribute refusal');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BillingPeriod/);
    expect(r.stderr).toMatch(/next: the namespace does not know month-close's search attributes: run 'month-close temporal setup' once/);
  }, 90_000);

  it('temporal setup registers the search attributes once, then finds them present', async () => {
    const first = await runCli(['temporal', 'setup', '--json'], env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      namespace,
      createdNamespace: false,
      addedSearchAttributes: ['BillingPeriod', 'CustomerId', 'CloseState'],
      presentSearchAttributes: [],
    });
    const again = await runCli(['temporal', 'setup', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ addedSearchAttributes: [], presentSearchAttributes: ['BillingPeriod', 'CustomerId', 'CloseState'] });

    // Now the close starts (no worker listens on this task queue: it is terminated right away).
    let started = await runCli(['close', 'start', '--period', '2024-11', '--json'], env);
    await waitFor(async () => {
      if (started.code === 0) return true;
      started = await runCli(['close', 'start', '--period', '2024-11', '--json'], env);
      return started.code === 0;
    }, 60_000, 'close start after setup');
    expect(JSON.parse(started.stdout).started).toEqual([{ target: 'monthly-close-2024-11', outcome: 'started' }]);
    await connection.workflowService.terminateWorkflowExecution({ namespace, workflowExecution: { workflowId: 'monthly-close-2024-11' }, reason: 'test done' });
  }, 120_000);
});
