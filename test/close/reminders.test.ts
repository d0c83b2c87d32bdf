import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { loadConfig } from '../../infra/config';
import { resolveTestServer, SEARCH_ATTRIBUTES } from '../../infra/temporal-cli';
import { temporal } from '@temporalio/proto';
import type { CustomerCloseInput } from '../../workflows/definitions';
import { approveSignal, statusQuery } from '../../workflows/definitions';
import { startSmtpPeer } from '../notify/test-peers';
import { createTestDatabase } from '../support/database';
import { seedCustomer, seedEvents, seedPrices, seedSubscriber, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';

// Reminder timing on Temporal's time-skipping test server: days pass in milliseconds, while
// the activities are the real ones against a real database and SMTP server.

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;

beforeAll(async () => {
  const server = resolveTestServer();
  if (!server) throw new Error('no temporal-test-server binary: run `npm run setup`');
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server.path } } });
  // The test server knows no custom search attributes until told, like a fresh cluster.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.keys(SEARCH_ATTRIBUTES).map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  testDb = await createTestDatabase();
  smtp = await startSmtpPeer();
  await seedPrices(testDb.db);
  await seedSubscriber(testDb.db, { role: 'finance', channel: 'email', address: 'ekonomi@nordiskrapportering.se' });
}, 120_000);

afterAll(async () => {
  await smtp?.close();
  await testDb?.drop();
  await env?.teardown();
});

describe('reminders while a draft waits for finance', () => {
  it('reminds finance every interval and never finalises without an approval', async () => {
    const config = loadConfig();
    const taskQueue = `reminders-${randomBytes(3).toString('hex')}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities({
        db: testDb.db,
        config,
        smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: config.seller.email, timeoutMs: 5000 },
        temporal: env.client,
        now: () => new Date('2024-12-02T08:00:00+01:00'),
      }),
    });
    const customerId = await seedCustomer(testDb.db);
    await seedEvents(testDb.db, customerId, workedExampleEvents());
    const reminders = () => smtp.messages.filter((m) => m.subject.startsWith('Påminnelse'));

    await worker.runUntil(async () => {
      const input: CustomerCloseInput = { customerId, period: '2024-11', approvers: config.financeApprovers, reminderIntervalMs: 24 * HOUR, reportTo: null };
      const handle = await env.client.workflow.start('customerClose', { workflowId: `close-2024-11-${customerId}`, taskQueue, args: [input] });
      await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 30_000, 'draft');
      expect(reminders()).toHaveLength(0);

      await env.sleep(23 * HOUR);
      expect(reminders()).toHaveLength(0); // not before the interval

      await env.sleep(2 * HOUR);
      await waitFor(() => reminders().length === 1, 15_000, 'first reminder');

      // 97 h after the draft: reminders are due at 24, 48, 72 and 96 h, four and no more.
      await env.sleep(3 * 24 * HOUR);
      await waitFor(async () => (await handle.query(statusQuery)).remindersSent >= 4, 15_000, 'the fourth reminder');
      const status = await handle.query(statusQuery);
      expect(status.state).toBe('awaiting_approval'); // days pass; nothing is decided for finance
      expect(status.remindersSent).toBe(4);
      await waitFor(async () => (await testDb.db('notification_deliveries').where({ customer_id: customerId, status: 'delivered' }).where('event', 'like', 'draft_reminder:%')).length === 4, 15_000, 'four reminders delivered');
      expect(reminders()).toHaveLength(4);
      expect(await testDb.db('invoices').where({ customer_id: customerId })).toHaveLength(0);

      // Each reminder is its own delivery, sent once.
      const deliveries = await testDb.db('notification_deliveries').where({ customer_id: customerId }).where('event', 'like', 'draft_reminder:%');
      expect(deliveries.map((d) => d.event).sort()).toEqual(['draft_reminder:1', 'draft_reminder:2', 'draft_reminder:3', 'draft_reminder:4']);

      await handle.signal(approveSignal, { by: config.financeApprovers[0] });
      const summary = await handle.result();
      expect(summary.state).toBe('final');
      expect(await testDb.db('invoices').where({ customer_id: customerId })).toHaveLength(1);
    });
  }, 120_000);
});
