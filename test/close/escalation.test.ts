import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createActivities } from '../../activities';
import { loadConfig } from '../../infra/config';
import { resolveTestServer, SEARCH_ATTRIBUTES } from '../../infra/temporal-cli';
import { approveSignal, statusQuery, type CustomerCloseInput } from '../../workflows/definitions';
import { startSmtpPeer } from '../notify/test-peers';
import { createTestDatabase } from '../support/database';
import { seedCustomer, seedEvents, seedPrices, seedSubscriber, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';

// Escalation (issue #10) on Temporal's time-skipping test server: a draft waiting longer than
// the policy's escalation time is escalated once to `finance_escalation`, on top of reminders.

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
const ESCALATION = 'controller@nordiskrapportering.se';

beforeAll(async () => {
  const server = resolveTestServer();
  if (!server) throw new Error('no temporal-test-server binary: run `npm run setup`');
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server.path } } });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.keys(SEARCH_ATTRIBUTES).map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  testDb = await createTestDatabase();
  smtp = await startSmtpPeer();
  await seedPrices(testDb.db);
  await seedSubscriber(testDb.db, { role: 'finance', channel: 'email', address: 'ekonomi@nordiskrapportering.se' });
  await testDb.db('subscribers').insert({ role: 'finance_escalation', channel: 'email', address: ESCALATION, events: ['draft_ready'] });
}, 120_000);

afterAll(async () => {
  await smtp?.close();
  await testDb?.drop();
  await env?.teardown();
});

describe('escalation while a draft waits for finance', () => {
  it('escalates once after the escalation time, to finance_escalation only, while reminders go on', async () => {
    const base = loadConfig();
    const config = { ...base, approvalPolicy: { ...base.approvalPolicy, escalateAfterHours: 60 } };
    const taskQueue = `escalation-${randomBytes(3).toString('hex')}`;
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
    const escalations = () => smtp.messages.filter((m) => m.subject.startsWith('Eskalering'));
    const reminders = () => smtp.messages.filter((m) => m.subject.startsWith('Påminnelse'));

    await worker.runUntil(async () => {
      const input: CustomerCloseInput = { customerId, period: '2024-11', approvers: config.financeApprovers, reminderIntervalMs: 24 * HOUR, reportTo: null };
      const handle = await env.client.workflow.start('customerClose', { workflowId: `close-2024-11-${customerId}`, taskQueue, args: [input] });
      await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 30_000, 'draft');

      await env.sleep(59 * HOUR);
      await waitFor(() => reminders().length === 2, 15_000, 'two reminders');
      expect(escalations()).toHaveLength(0); // not before the escalation time

      await env.sleep(2 * HOUR);
      await waitFor(() => escalations().length === 1, 15_000, 'the escalation');
      expect(escalations()[0].to).toBe(ESCALATION);
      expect(escalations()[0].text).toContain('Kräver godkännande: flagged: first_invoice');

      await env.sleep(4 * 24 * HOUR);
      await waitFor(() => reminders().length >= 6, 15_000, 'more reminders');
      expect(escalations()).toHaveLength(1); // once
      expect(reminders().every((m) => m.to !== ESCALATION)).toBe(true);
      const deliveries = await testDb.db('notification_deliveries').where({ customer_id: customerId, event: 'draft_escalation' });
      expect(deliveries).toHaveLength(1);

      await handle.signal(approveSignal, { by: config.financeApprovers[0] });
      expect((await handle.result()).state).toBe('final');
    });
  }, 120_000);
});
