import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { closeSettings, startCustomerClose } from '../../client/close';
import { loadConfig, type AppConfig } from '../../infra/config';
import type { Db } from '../../infra/db';
import { startSmtpPeer, type SmtpPeer } from '../notify/test-peers';
import { createTestDatabase } from '../support/database';
import { seedCustomer, seedEvents, seedPrices, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import type { WorkerProcessSettings } from '../support/worker-process';

// What a person sees in the worker's log when a customer's close fails for bad master data:
// one line with the customer, the reason and the fix; no stack trace unless LOG_LEVEL=debug.

const PERIOD = '2024-11';
let db: Db;
let databaseUrl: string;
let drop: () => Promise<void>;
let smtp: SmtpPeer;
let connection: Connection;
let client: Client;
let config: AppConfig;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ db, databaseUrl, drop } = await createTestDatabase());
  await seedPrices(db);
  smtp = await startSmtpPeer();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('namespace') });
  config = { ...loadConfig(), taskQueue: `logs-${randomBytes(4).toString('hex')}` };
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await connection?.close();
  await smtp?.close();
  await drop?.();
});

/** A worker process whose stderr (its log) the test reads. */
async function workerWithLog(logLevel: string, taskQueue: string): Promise<{ log(): string; stop(): Promise<void> }> {
  const settings: WorkerProcessSettings = {
    temporalAddress: inject('temporalAddress'),
    namespace: inject('namespace'),
    taskQueue,
    databaseUrl,
    smtpPort: smtp.port,
    workflowBundlePath: inject('workflowBundlePath'),
    config: { ...config, taskQueue },
  };
  const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.resolve(__dirname, '../support/worker-main.ts')], {
    env: { ...process.env, MC_TEST_WORKER: JSON.stringify(settings), LOG_LEVEL: logLevel, TEMPORAL_LOG_LEVEL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  await waitFor(() => out.includes(`worker-ready ${child.pid}`) || child.exitCode !== null, 120_000, 'the worker process');
  if (child.exitCode !== null) throw new Error(`worker exited: ${err}`);
  return {
    log: () => err,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function failBadMasterData(taskQueue: string): Promise<string> {
  const customerId = await seedCustomer(db, { vat_number: null });
  await seedEvents(db, customerId, workedExampleEvents());
  const { handle } = await startCustomerClose(client, { ...closeSettings(config), taskQueue }, customerId, PERIOD);
  await expect(handle.result()).rejects.toThrow();
  return customerId;
}

const STACK = /\bat .+\.(ts|js|mjs|cjs):\d+/;

describe('worker log of a close that fails for bad master data', () => {
  it('is one line with customer, reason and fix, and no stack trace', async () => {
    const taskQueue = `${config.taskQueue}-info`;
    const worker = await workerWithLog('info', taskQueue);
    const customerId = await failBadMasterData(taskQueue);
    await waitFor(() => worker.log().includes(`close of ${customerId}`), 30_000, 'the failure in the worker log');
    await worker.stop();

    const lines = worker.log().split('\n').filter(Boolean);
    const about = lines.filter((l) => l.includes(customerId));
    expect(about).toHaveLength(1);
    const entry = JSON.parse(about[0]);
    expect(entry.level).toBe(30); // info: an expected outcome, not a warning
    expect(entry.msg).toMatch(new RegExp(`close of ${customerId} ${PERIOD} failed: .*no VAT number.*close rerun`));
    expect(entry.workflowId).toContain(customerId);
    expect(worker.log()).not.toMatch(STACK);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow(); // JSON lines only
  }, 180_000);

  it('shows the stacks at LOG_LEVEL=debug', async () => {
    const taskQueue = `${config.taskQueue}-debug`;
    const worker = await workerWithLog('debug', taskQueue);
    const customerId = await failBadMasterData(taskQueue);
    await waitFor(() => worker.log().split('\n').some((l) => l.includes(customerId) && STACK.test(l)), 30_000, 'a stack in the debug log');
    await worker.stop();
  }, 180_000);
});
