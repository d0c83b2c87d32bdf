import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { startCustomerClose, closeSettings, type CloseSettings } from '../../client/close';
import { loadConfig, type AppConfig } from '../../infra/config';
import { createDb, migrate, type Db } from '../../infra/db';
import { freePort } from '../../infra/ports';
import { startEmbeddedPostgres, type EmbeddedPg } from '../../infra/postgres';
import { approveSignal } from '../../workflows/definitions';
import { startSmtpPeer, startWebhookPeer } from '../notify/test-peers';
import type { SmtpPeer, WebhookPeer } from '../support/close-harness';
import { seedCustomer, seedEvents, seedPrices, seedSubscriber, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import { spawnWorkerProcess } from '../support/worker-process';

// Crashes and outages, on real services: a worker process killed with SIGKILL, PostgreSQL
// stopped under a running close, an SMTP server refusing. This file runs its own PostgreSQL
// so it can stop it without disturbing the other test files.

const PERIOD = '2024-11';
const FINANCE = 'Anna Ekonom';

let pgDir: string;
let pgPort: number;
let pg: EmbeddedPg;
let db: Db;
let smtp: SmtpPeer;
let webhook: WebhookPeer;
let connection: Connection;
let client: Client;
let config: AppConfig;
let settings: CloseSettings;
let workers: ReturnType<typeof spawnWorkerProcess>[] = [];

function launchWorker() {
  const w = spawnWorkerProcess({
    temporalAddress: inject('temporalAddress'),
    namespace: inject('namespace'),
    taskQueue: config.taskQueue,
    databaseUrl: pg.databaseUrl,
    smtpPort: smtp.port,
    workflowBundlePath: inject('workflowBundlePath'),
    config,
  });
  workers.push(w);
  return w;
}

async function stopWorkers(signal: NodeJS.Signals = 'SIGTERM') {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill(signal);
  await Promise.all(workers.map((w) => w.exited));
  workers = [];
}

beforeAll(async () => {
  pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-resilience-'));
  pgPort = await freePort();
  pg = await startEmbeddedPostgres({ dataDir: path.join(pgDir, 'pg'), port: pgPort, database: 'resilience' });
  db = createDb(pg.databaseUrl);
  await migrate(db);
  await seedPrices(db);
  await db('partners').insert({ partner_id: 'P-TEST', name: 'Partner P-TEST' });
  smtp = await startSmtpPeer();
  webhook = await startWebhookPeer();
  await seedSubscriber(db, { role: 'finance', channel: 'email', address: 'ekonomi@nordiskrapportering.se', events: ['invoice_final'] });
  await seedSubscriber(db, { role: 'partner', partner_id: 'P-TEST', channel: 'webhook', address: webhook.url, secret: 'k', events: ['invoice_final'] });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('namespace') });
  config = { ...loadConfig(), taskQueue: `resilience-${randomBytes(4).toString('hex')}` };
  settings = closeSettings(config);
}, 120_000);

afterAll(async () => {
  await stopWorkers('SIGKILL');
  await connection?.close();
  await smtp?.close();
  await webhook?.close();
  await db?.destroy();
  await pg?.stop();
  fs.rmSync(pgDir, { recursive: true, force: true });
});

async function customersWithUsage(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await seedCustomer(db);
    await seedEvents(db, id, workedExampleEvents());
    ids.push(id);
  }
  return ids;
}

async function states(ids: string[]): Promise<string[]> {
  const rows = await db('close_runs').whereIn('customer_id', ids).andWhere({ period: PERIOD });
  return rows.map((r) => r.state);
}

async function allAt(ids: string[], state: string): Promise<boolean> {
  const s = await states(ids);
  return s.length === ids.length && s.every((x) => x === state);
}

/** One invoice per customer, numbers without a gap, one delivered row per subscriber and event. */
async function expectExactlyOnce(ids: string[]) {
  const invoices = await db('invoices').whereIn('customer_id', ids);
  expect(invoices).toHaveLength(ids.length);
  const all = (await db('invoices').orderBy('number').select('number')).map((r) => r.number);
  expect(all).toEqual(all.map((_, i) => all[0] + i)); // gapless across everything issued so far
  for (const id of ids) {
    const deliveries = await db('notification_deliveries').where({ customer_id: id, event: 'invoice_final' });
    // customer admin e-mail, finance e-mail, partner webhook
    expect(deliveries).toHaveLength(3);
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
  }
  // Whatever was retried, each delivery reached its receiver under one idempotency key.
  const keys = (await db('notification_deliveries').whereIn('customer_id', ids).select('idempotency_key')).map((r) => r.idempotency_key);
  const hookKeys = new Set(webhook.requests.map((r) => String(r.headers['idempotency-key'])));
  const mailKeys = new Set(smtp.messages.map((m) => String(m.headers['x-idempotency-key'])));
  for (const key of keys) expect(hookKeys.has(key) || mailKeys.has(key)).toBe(true);
}

describe('the close survives failures', () => {
  it('a worker killed with SIGKILL in the middle of finalising: a new worker completes every close exactly once', async () => {
    const ids = await customersWithUsage(12);
    const first = launchWorker();
    await first.ready;
    for (const id of ids) await startCustomerClose(client, settings, id, PERIOD);
    await waitFor(() => allAt(ids, 'awaiting_approval'), 60_000, 'drafts');
    for (const id of ids) await client.workflow.getHandle(`close-${PERIOD}-${id}`).signal(approveSignal, { by: FINANCE });
    // Kill as soon as the first invoice is issued, while the others are on their way.
    await waitFor(async () => (await db('invoices').whereIn('customer_id', ids)).length >= 1, 30_000, 'first invoice');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(() => process.kill(first.child.pid!, 0)).toThrow(); // the worker process itself is gone
    const issuedAtKill = (await db('invoices').whereIn('customer_id', ids)).length;
    expect(issuedAtKill).toBeLessThan(ids.length);

    const second = launchWorker();
    await second.ready;
    await waitFor(() => allAt(ids, 'final'), 120_000, 'every close final after the restart');
    await waitFor(async () => (await db('notification_deliveries').whereIn('customer_id', ids).where({ status: 'delivered' })).length === ids.length * 3, 90_000, 'deliveries');
    await expectExactlyOnce(ids);
    await stopWorkers();
  });

  it('PostgreSQL stopped for a while during the close: activities retry and the close completes once', async () => {
    const ids = await customersWithUsage(5);
    const w = launchWorker();
    await w.ready;
    for (const id of ids) await startCustomerClose(client, settings, id, PERIOD);
    await waitFor(() => allAt(ids, 'awaiting_approval'), 60_000, 'drafts');

    await pg.stop();
    for (const id of ids) await client.workflow.getHandle(`close-${PERIOD}-${id}`).signal(approveSignal, { by: FINANCE });
    await new Promise((r) => setTimeout(r, 4000)); // decisions pile up against a database that is down
    pg = await startEmbeddedPostgres({ dataDir: path.join(pgDir, 'pg'), port: pgPort, database: 'resilience' });

    await waitFor(() => allAt(ids, 'final'), 120_000, 'every close final after the database came back');
    await waitFor(async () => (await db('notification_deliveries').whereIn('customer_id', ids).where({ status: 'delivered' })).length === ids.length * 3, 90_000, 'deliveries');
    await expectExactlyOnce(ids);
    await stopWorkers();
  });

  it('an SMTP server that refuses for a while: deliveries stay pending and visible, then arrive once', async () => {
    const ids = await customersWithUsage(3);
    const w = launchWorker();
    await w.ready;
    smtp.refuse(true);
    for (const id of ids) await startCustomerClose(client, settings, id, PERIOD);
    await waitFor(() => allAt(ids, 'awaiting_approval'), 60_000, 'drafts');
    for (const id of ids) await client.workflow.getHandle(`close-${PERIOD}-${id}`).signal(approveSignal, { by: FINANCE });
    await waitFor(() => allAt(ids, 'final'), 60_000, 'invoices issued while SMTP refuses');

    // Visible while it lasts: pending e-mail deliveries with failed attempts on record.
    await waitFor(
      async () => (await db('notification_deliveries').whereIn('customer_id', ids).where({ status: 'pending' }).where('attempts', '>=', 2)).length >= ids.length,
      60_000,
      'retried deliveries',
    );
    const failedAttempts = await db('notification_attempts as a').join('notification_deliveries as d', 'd.id', 'a.delivery_id').whereIn('d.customer_id', ids).where('a.outcome', 'retryable_error');
    expect(failedAttempts.length).toBeGreaterThan(0);
    expect(failedAttempts[0].detail).toBeTruthy();

    smtp.refuse(false);
    await waitFor(async () => (await db('notification_deliveries').whereIn('customer_id', ids).where({ status: 'delivered' })).length === ids.length * 3, 90_000, 'deliveries after SMTP recovered');
    await expectExactlyOnce(ids);
    await stopWorkers();
  });
});
