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
import { freePort } from '../../devenv/ports';
import { startEmbeddedPostgres, type EmbeddedPg } from '../../devenv/postgres';
import { approveSignal } from '../../contracts/close-messages';
import { startSmtpPeer, startWebhookPeer } from '../notify/test-peers';
import type { SmtpPeer, WebhookPeer } from '../support/close-harness';
import { seedCustomer, seedEvents, seedPrices, seedSubscriber, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import { completedLocalAttempts, timedOutWorkflowTasks, workflowTaskOpen } from '../support/activity-attempts';
import { countArrivals, invoiceArrivals } from '../support/arrivals';
import { spawnWorkerProcess } from '../support/worker-process';
import { waitsForLateDelivery } from '../support/histories';

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

/** Lock the invoice series' counter row from the test, so issuing waits (in flight) until release(). */
async function holdInvoiceCounter(): Promise<{ release(): Promise<void> }> {
  const series = config.invoiceSeries;
  await db('invoice_number_series').insert({ series, next_number: config.firstInvoiceNumber }).onConflict('series').ignore();
  const trx = await db.transaction();
  await trx('invoice_number_series').where({ series }).forUpdate().first();
  // After a PostgreSQL stop the connection is gone and so is the lock: nothing left to undo.
  return { release: async () => void (trx.isCompleted() ? undefined : await trx.rollback().catch(() => undefined)) };
}

/** Sessions of this database waiting for a lock: the worker's issuing transactions. */
async function waitingOnLocks(): Promise<number> {
  const { rows } = await db.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
  return rows[0].n;
}

const closeId = (id: string) => `close-${PERIOD}-${id}`;
/**
 * Local steps write their rows before their workflow task completes, and their markers only
 * reach the history with that completion: read the history once each close has ended.
 */
const closesEnded = (ids: string[]) => Promise.all(ids.map((id) => client.workflow.getHandle(closeId(id)).result()));

async function approve(ids: string[]) {
  for (const id of ids) await client.workflow.getHandle(closeId(id)).signal(approveSignal, { by: FINANCE });
}

async function allDelivered(ids: string[]): Promise<boolean> {
  return (await db('notification_deliveries').whereIn('customer_id', ids).where({ status: 'delivered' })).length === ids.length * 3;
}

/**
 * One invoice per customer, numbers without a gap, one delivered row per subscriber and event,
 * and what the receivers saw: each message under one key, once. Only a message whose delivery
 * was not yet recorded as delivered when the worker died (`mayRepeat`) may arrive again, under
 * the same key (the window docs/close-workflow.md names). Returns how many messages arrived more than once.
 */
async function expectExactlyOnce(ids: string[], mayRepeat: Set<string> = new Set()): Promise<number> {
  const invoices = await db('invoices').whereIn('customer_id', ids);
  expect(invoices).toHaveLength(ids.length);
  const all = (await db('invoices').orderBy('number').select('number')).map((r) => r.number);
  expect(all).toEqual(all.map((_, i) => all[0] + i)); // gapless across everything issued so far
  const deliveries = await db('notification_deliveries').whereIn('customer_id', ids).where({ event: 'invoice_final' });
  // customer admin e-mail, finance e-mail, partner webhook
  expect(deliveries).toHaveLength(ids.length * 3);
  expect(deliveries.filter((d) => d.status !== 'delivered')).toEqual([]);

  const counts = countArrivals(invoiceArrivals(smtp, webhook, invoices.map((i) => ({ customerId: i.customer_id, number: `${i.series}${i.number}` }))));
  expect(counts).toHaveLength(deliveries.length); // every delivery reached its receiver, nothing else did
  expect(counts.filter((c) => c.keys.length !== 1)).toEqual([]); // a repeat carries the same key
  expect(new Set(counts.map((c) => c.keys[0]))).toEqual(new Set(deliveries.map((d) => d.idempotency_key)));
  const repeated = counts.filter((c) => c.times > 1);
  expect(repeated.filter((c) => !mayRepeat.has(c.keys[0]!))).toEqual([]);
  console.log(`[exactly-once] ${deliveries.length} messages, ${repeated.length} arrived more than once (${repeated.map((c) => `${c.times}× ${c.message}`).join('; ') || 'none'})`);
  return repeated.length;
}

describe('the close survives failures', () => {
  it('a worker killed with SIGKILL while issuing and delivering: a new worker completes every close exactly once', async () => {
    const ids = await customersWithUsage(12);
    const [delivering, issuing] = [ids.slice(0, 6), ids.slice(6)];
    const first = launchWorker();
    await first.ready;
    for (const id of ids) await startCustomerClose(client, settings, id, PERIOD);
    await waitFor(() => allAt(ids, 'awaiting_approval'), 120_000, 'drafts');

    // Six invoices issued whose partner webhook is in flight: the receiver has it and does not answer.
    webhook.hang(true);
    await approve(delivering);
    const hookFor = (id: string) => webhook.requests.some((r) => JSON.parse(r.body).data.customer_id === id);
    await waitFor(() => delivering.every(hookFor), 60_000, 'a webhook in flight for each issued invoice');
    // Six issuing transactions in flight: each waits for the series' counter row the test holds.
    const counter = await holdInvoiceCounter();
    let mayRepeat: Set<string>;
    const inTask: string[] = [...issuing];
    try {
      await approve(issuing);
      await waitFor(async () => (await waitingOnLocks()) === issuing.length, 60_000, 'every issuing transaction waiting');
      // The steps are local activities: the worker holds each close's workflow task while they run.
      for (const id of issuing) expect(await workflowTaskOpen(client, closeId(id))).toBe(true);
      // The phase that sends the webhook waits for it only PHASE_ATTEMPT_WAIT_MS: then it ends its
      // task and the close waits before retrying, while the hung attempt goes on in this worker.
      for (const id of delivering) {
        if (await workflowTaskOpen(client, closeId(id))) inTask.push(id);
        else expect(await waitsForLateDelivery(client, closeId(id))).toBe(true);
      }
      const notDelivered = await db('notification_deliveries').whereIn('customer_id', ids).whereNot({ status: 'delivered' });
      mayRepeat = new Set(notDelivered.map((d) => d.idempotency_key));

      first.child.kill('SIGKILL');
      await first.exited;
      expect(() => process.kill(first.child.pid!, 0)).toThrow(); // the worker process itself is gone
    } finally {
      await counter.release();
      webhook.hang(false);
    }
    expect(await db('invoices').whereIn('customer_id', delivering)).toHaveLength(delivering.length);
    expect(await db('invoices').whereIn('customer_id', issuing)).toHaveLength(0);

    const second = launchWorker();
    await second.ready;
    // A killed worker's workflow tasks are taken over only when their 10 s timeout expires.
    await waitFor(() => allAt(ids, 'final'), 180_000, 'every close final after the restart');
    await waitFor(() => allDelivered(ids), 120_000, 'deliveries');
    await closesEnded(ids);
    const repeated = await expectExactlyOnce(ids, mayRepeat);
    // The hung webhooks are the documented window: received, not recorded, sent again under the same key.
    expect(repeated).toBeGreaterThanOrEqual(delivering.length);
    // Temporal's history shows the interrupted work ran again: the killed worker's workflow task
    // timed out, and the issuing step completed once, on the new worker.
    for (const id of inTask) expect(await timedOutWorkflowTasks(client, closeId(id))).toBeGreaterThan(0);
    for (const id of issuing) expect((await completedLocalAttempts(client, closeId(id))).filter((a) => a.activity === 'issueApprovedAndNotify')).toHaveLength(1);
    await stopWorkers();
  }, 300_000);

  it('PostgreSQL stopped while issuing transactions run: the activities fail, retry, and the close completes once', async () => {
    const ids = await customersWithUsage(5);
    const w = launchWorker();
    await w.ready;
    for (const id of ids) await startCustomerClose(client, settings, id, PERIOD);
    await waitFor(() => allAt(ids, 'awaiting_approval'), 120_000, 'drafts');

    // Every close inside its issuing transaction (waiting for the counter row) when the database goes.
    const counter = await holdInvoiceCounter();
    try {
      await approve(ids);
      await waitFor(async () => (await waitingOnLocks()) === ids.length, 60_000, 'every issuing transaction waiting');
      await pg.stop();
    } finally {
      await counter.release();
    }
    // The outage hits work in flight: each issuing transaction loses its connection with the
    // stop, so its attempt fails; the retries run in the worker (local activities) until it is back.
    pg = await startEmbeddedPostgres({ dataDir: path.join(pgDir, 'pg'), port: pgPort, database: 'resilience' });

    await waitFor(() => allAt(ids, 'final'), 120_000, 'every close final after the database came back');
    await waitFor(() => allDelivered(ids), 120_000, 'deliveries');
    await closesEnded(ids);
    expect(await expectExactlyOnce(ids)).toBe(0);
    for (const id of ids) {
      const finalise = (await completedLocalAttempts(client, closeId(id))).filter((a) => a.activity === 'issueApprovedAndNotify');
      expect(finalise).toHaveLength(1);
      expect(finalise[0]!.attempt).toBeGreaterThan(1);
    }
    await stopWorkers();
  }, 300_000);

  it('an SMTP server that refuses for a while: deliveries stay pending and visible, then arrive once', async () => {
    const ids = await customersWithUsage(3);
    const w = launchWorker();
    await w.ready;
    smtp.refuse(true);
    for (const id of ids) await startCustomerClose(client, settings, id, PERIOD);
    await waitFor(() => allAt(ids, 'awaiting_approval'), 120_000, 'drafts');
    await approve(ids);
    await waitFor(() => allAt(ids, 'final'), 120_000, 'invoices issued while SMTP refuses');

    // Visible while it lasts: pending e-mail deliveries with failed attempts on record.
    await waitFor(
      async () => (await db('notification_deliveries').whereIn('customer_id', ids).where({ status: 'pending' }).where('attempts', '>=', 2)).length === ids.length * 2,
      120_000,
      'retried deliveries',
    );
    const failedAttempts = await db('notification_attempts as a').join('notification_deliveries as d', 'd.id', 'a.delivery_id').whereIn('d.customer_id', ids).where('a.outcome', 'retryable_error');
    expect(new Set(failedAttempts.map((a) => a.delivery_id)).size).toBe(ids.length * 2); // each e-mail, none of the webhooks
    expect(failedAttempts.every((a) => /421|try again/i.test(a.detail))).toBe(true);

    smtp.refuse(false);
    await waitFor(() => allDelivered(ids), 120_000, 'deliveries after SMTP recovered');
    expect(await expectExactlyOnce(ids)).toBe(0);
    await stopWorkers();
  }, 300_000);
});
