import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { approveSignal, statusQuery, type CustomerCloseInput } from '../../contracts/close-messages';
import { seedCustomer, seedEvents, seedPrices, seedSubscriber, workedExampleEvents } from '../support/seed';
import { startTimeSkipping, type TimeSkippingHarness } from '../support/time-skipping';
import { waitFor } from '../support/wait';
import { deliveriesOf } from '../support/queries';

// Escalation on Temporal's time-skipping test server: a draft waiting longer than
// the policy's escalation time is escalated once to `finance_escalation`, on top of reminders.

const HOUR = 3_600_000;
let h: TimeSkippingHarness;
const ESCALATION = 'controller@nordiskrapportering.se';

beforeAll(async () => {
  h = await startTimeSkipping();
  await seedPrices(h.db);
  await seedSubscriber(h.db, { role: 'finance', channel: 'email', address: 'ekonomi@nordiskrapportering.se' });
  await h.db('subscribers').insert({ role: 'finance_escalation', channel: 'email', address: ESCALATION, events: ['draft_ready'] });
}, 120_000);

afterAll(async () => h?.close());

describe('escalation while a draft waits for finance', () => {
  it('escalates once after the escalation time, to finance_escalation only, while reminders go on', async () => {
    const base = loadConfig();
    const config = { ...base, approvalPolicy: { ...base.approvalPolicy, escalateAfterHours: 60 } };
    const { worker, taskQueue } = await h.worker(config, 'escalation');
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    const escalations = () => h.smtp.messages.filter((m) => m.subject.startsWith('Eskalering'));
    const reminders = () => h.smtp.messages.filter((m) => m.subject.startsWith('Påminnelse'));

    await worker.runUntil(async () => {
      const input: CustomerCloseInput = { customerId, period: '2024-11', approvers: config.financeApprovers, reminderIntervalMs: 24 * HOUR, reportTo: null };
      const handle = await h.env.client.workflow.start('customerClose', { workflowId: `close-2024-11-${customerId}`, taskQueue, args: [input] });
      await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 30_000, 'draft');

      await h.env.sleep(59 * HOUR);
      await waitFor(() => reminders().length === 2, 15_000, 'two reminders');
      expect(escalations()).toHaveLength(0); // not before the escalation time

      await h.env.sleep(2 * HOUR);
      await waitFor(() => escalations().length === 1, 15_000, 'the escalation');
      expect(escalations()[0].to).toBe(ESCALATION);
      expect(escalations()[0].text).toContain('Kräver godkännande: flaggat: första fakturan');

      await h.env.sleep(4 * 24 * HOUR);
      await waitFor(() => reminders().length >= 6, 15_000, 'more reminders');
      expect(escalations()).toHaveLength(1); // once
      expect(reminders().every((m) => m.to !== ESCALATION)).toBe(true);
      const deliveries = await deliveriesOf(h.db, customerId, { event: 'draft_escalation' });
      expect(deliveries).toHaveLength(1);

      await handle.signal(approveSignal, { by: config.financeApprovers[0] });
      expect((await handle.result()).state).toBe('final');
    });
  }, 120_000);
});
