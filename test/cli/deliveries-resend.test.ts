import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationActivities } from '../../activities/notifications';
import type { ActivityDeps } from '../../activities/deps';
import { closeSmtpPools, emailMessageId } from '../../notify/email';
import { loadConfig } from '../../infra/config';
import { runCli } from '../support/cli-runner';
import { createTestDatabase } from '../support/database';
import { seedCustomer, seedSubscriber, uid } from '../support/seed';
import { startSmtpPeer, startWebhookPeer, type SmtpPeer, type WebhookPeer } from '../notify/test-peers';
import { seedFinalInvoice } from '../web/support';

// A delivery refused for good (a 410 webhook, a 550 address) is not retried by the close; the
// operator corrects the recipient and sends it again with `deliveries resend`, through the same
// senders and under the same idempotency key, the attempt recorded with who sent it.

const PERIOD = '2024-10';
let test: Awaited<ReturnType<typeof createTestDatabase>>;
let hook: WebhookPeer;
let movedHook: WebhookPeer;
let smtp: SmtpPeer;
let dir: string;
let env: NodeJS.ProcessEnv;
let invoiceNumber = '';
let webhookDelivery = 0;
let movedDelivery = 0;
let emailDelivery = 0;
let customerId = '';
const run = (args: string[]) => runCli(args, env);

async function delivery(subjectKey: string, subscriberId: number): Promise<number> {
  const [{ id }] = await test.db('notification_deliveries')
    .insert({ subject_key: subjectKey, customer_id: customerId, period: PERIOD, subscriber_id: subscriberId, event: 'invoice_final', idempotency_key: uid('key'), status: 'pending' })
    .returning('id');
  return Number(id);
}

beforeAll(async () => {
  test = await createTestDatabase();
  hook = await startWebhookPeer();
  movedHook = await startWebhookPeer();
  smtp = await startSmtpPeer({ failFirst: 1, failCode: 550 });
  customerId = await seedCustomer(test.db, { customer_id: uid('C78'), billing_email: 'fel@kund.example' });
  await test.db('customer_versions').insert({ customer_id: customerId, data: { customer_id: customerId, billing_email: 'fel@kund.example' } });
  const { number } = await seedFinalInvoice(test.db, customerId, PERIOD, { smart: 1, portal_user: 2 });
  invoiceNumber = number;
  const invoice = await test.db('invoices').where({ series: 'T', number: Number(number.slice(1)) }).first('id');
  const subject = `invoice:${invoice.id}`;
  webhookDelivery = await delivery(subject, await seedSubscriber(test.db, { customer_id: customerId, role: 'customer_admin', channel: 'webhook', address: hook.url, secret: 'hemlig' }));
  movedDelivery = await delivery(subject, await seedSubscriber(test.db, { customer_id: customerId, role: 'partner', channel: 'webhook', address: `${hook.url}/gammal`, secret: 'hemlig' }));
  emailDelivery = await delivery(subject, await seedSubscriber(test.db, { customer_id: customerId, role: 'customer_admin', channel: 'email', address: 'fel@kund.example' }));
  // The close's own attempts, through the real activity: each refused for good.
  const deps = { db: test.db, config: loadConfig(), smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'Faktura <faktura@onestop.example>' }, temporal: null, now: () => new Date() } satisfies ActivityDeps;
  const activities = notificationActivities(deps);
  hook.failNext(2, 410, 'Gone: this endpoint was removed');
  for (const id of [webhookDelivery, movedDelivery, emailDelivery]) await activities.deliverNotification({ deliveryId: id }).catch(() => undefined);
  closeSmtpPools();

  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-resend-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(loadConfig()));
  env = {
    ...process.env,
    TEMPORAL_ADDRESS: '127.0.0.1:1', // never contacted: a resend is no workflow step
    DATABASE_URL: test.databaseUrl,
    MONTH_CLOSE_CONFIG: configFile,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_FROM: 'Faktura <faktura@onestop.example>',
    LOG_LEVEL: 'warn',
  };
}, 60_000);
afterAll(async () => {
  await hook?.close();
  await movedHook?.close();
  await smtp?.close();
  await test?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('deliveries list', () => {
  it('shows the failed ones with document, channel, recipient, status, attempts and the last error code (--json)', async () => {
    const r = await run(['deliveries', 'list', '--period', PERIOD, '--failed', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((d: { id: number }) => d.id)).toEqual([webhookDelivery, movedDelivery, emailDelivery]);
    expect(rows[0]).toMatchObject({ id: webhookDelivery, document: invoiceNumber, channel: 'webhook', recipient: hook.url, status: 'failed', attempts: 1, last_error_code: 'http_status' });
    expect(rows[2]).toMatchObject({ channel: 'email', recipient: 'fel@kund.example', status: 'failed', last_error_code: 'smtp_refused' });
  });

  it('as text, in Swedish', async () => {
    const r = await run(['deliveries', 'list', '--period', PERIOD]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dokument\s+kanal\s+mottagare\s+status\s+försök\s+senaste fel/);
    expect(r.stdout).toContain('misslyckad');
    expect(r.stdout).toContain('http_status');
  });
});

describe('deliveries resend', () => {
  it('refuses a delivery that is not failed, naming it, and sends nothing (exit 2)', async () => {
    const [{ id: deliveredId }] = await test.db('notification_deliveries')
      .insert({ subject_key: 'invoice:0', customer_id: customerId, period: PERIOD, subscriber_id: (await test.db('subscribers').first('id')).id, event: 'payment_reminder:9', idempotency_key: uid('key'), status: 'delivered' })
      .returning('id');
    const before = hook.requests.length;
    const r = await run(['deliveries', 'resend', String(webhookDelivery), String(deliveredId), '--by', 'Olle Drift']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`delivery ${deliveredId} is already delivered`);
    expect(hook.requests.length).toBe(before);
    expect((await test.db('notification_deliveries').where({ id: webhookDelivery }).first('status')).status).toBe('failed');
  });

  it('sends a failed webhook once, with the same idempotency key, and records the attempt with the operator (--json)', async () => {
    const first = hook.requests[0];
    const before = hook.requests.length;
    const r = await run(['deliveries', 'resend', String(webhookDelivery), '--by', 'Olle Drift', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      by: 'Olle Drift',
      deliveries: [{ id: webhookDelivery, document: invoiceNumber, channel: 'webhook', recipient: hook.url, previous_recipient: null, outcome: 'delivered', attempt: 2, by: 'Olle Drift', error: null }],
    });
    expect(hook.requests.length).toBe(before + 1);
    const again = hook.requests.at(-1)!;
    expect(again.headers['idempotency-key']).toBe(first.headers['idempotency-key']);
    expect(JSON.parse(again.body).id).toBe(JSON.parse(first.body).id);
    const row = await test.db('notification_deliveries').where({ id: webhookDelivery }).first('status', 'attempts', 'last_error', 'delivered_at');
    expect(row).toMatchObject({ status: 'delivered', attempts: 2, last_error: null });
    expect(row.delivered_at).not.toBeNull();
    const attempts = await test.db('notification_attempts').where({ delivery_id: webhookDelivery }).orderBy('attempt').select('attempt', 'outcome', 'requested_by', 'address');
    expect(attempts).toEqual([
      { attempt: 1, outcome: 'permanent_error', requested_by: null, address: null },
      { attempt: 2, outcome: 'delivered', requested_by: 'Olle Drift', address: hook.url },
    ]);
  });

  it('refuses it once delivered', async () => {
    const r = await run(['deliveries', 'resend', String(webhookDelivery), '--by', 'Olle Drift', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error).toMatchObject({ exit_code: 2, kind: 'bad_input', message: expect.stringContaining(`delivery ${webhookDelivery} is already delivered`) });
  });

  it('goes to the webhook URL as master data has it now, and says it changed', async () => {
    await test.db('subscribers').where({ address: `${hook.url}/gammal` }).update({ address: movedHook.url });
    const r = await run(['deliveries', 'resend', String(movedDelivery), '--by', 'Olle Drift']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Utskick ${movedDelivery} (${invoiceNumber}, webhook): skickat till ${movedHook.url}, försök 2, av Olle Drift.`);
    expect(r.stdout).toContain(`Mottagaren är ändrad i kundregistret sedan förra försöket (var ${hook.url}/gammal).`);
    expect(movedHook.requests).toHaveLength(1);
  });

  it("sends a refused e-mail to the customer's corrected billing e-mail, with the same Message-ID", async () => {
    await test.db('customers').where({ customer_id: customerId }).update({ billing_email: 'faktura@kund.example' });
    const refusedBefore = smtp.messages.length;
    const r = await run(['deliveries', 'resend', '--failed', '--period', PERIOD, '--by', 'Olle Drift', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [outcome] = JSON.parse(r.stdout).deliveries;
    expect(outcome).toMatchObject({ id: emailDelivery, channel: 'email', recipient: 'faktura@kund.example', previous_recipient: 'fel@kund.example', outcome: 'delivered' });
    expect(smtp.messages.length).toBe(refusedBefore + 1);
    const mail = smtp.messages.at(-1)!;
    expect(mail.envelope.to).toEqual(['faktura@kund.example']);
    const key = (await test.db('notification_deliveries').where({ id: emailDelivery }).first('idempotency_key')).idempotency_key;
    expect(mail.messageId).toBe(emailMessageId(key));
  });

  it('a resend that fails again keeps the delivery failed, records why, and exits 1 with the Swedish reason', async () => {
    const [{ id }] = await test.db('notification_deliveries')
      .insert({ subject_key: (await test.db('notification_deliveries').where({ id: webhookDelivery }).first('subject_key')).subject_key, customer_id: customerId, period: PERIOD, subscriber_id: (await test.db('notification_deliveries').where({ id: movedDelivery }).first('subscriber_id')).subscriber_id, event: 'payment_reminder:1', idempotency_key: uid('key'), status: 'failed', attempts: 1 })
      .returning('id');
    movedHook.failNext(1, 410);
    const r = await run(['deliveries', 'resend', String(id), '--by', 'Olle Drift']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`Utskick ${id}`);
    expect(r.stdout).toContain('svarade 410 (adressen finns inte längre)');
    expect(r.stdout).toContain('0 skickade, 1 misslyckade av 1.');
    const row = await test.db('notification_deliveries').where({ id }).first('status', 'last_error_facts');
    expect(row.status).toBe('failed');
    expect(row.last_error_facts).toMatchObject({ kind: 'http_status', status: 410 });
    expect(await test.db('notification_attempts').where({ delivery_id: id }).first('outcome', 'requested_by')).toEqual({ outcome: 'permanent_error', requested_by: 'Olle Drift' });
  });

  it('names a bad id or a missing --by as bad usage (exit 2)', async () => {
    expect((await run(['deliveries', 'resend', 'tolv', '--by', 'Olle'])).stderr).toContain("delivery id 'tolv' is not a number");
    expect((await run(['deliveries', 'resend', '999999', '--by', 'Olle'])).code).toBe(2);
    expect((await run(['deliveries', 'resend', '1'])).code).toBe(2);
  });
});
