import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import type { CustomerCloseInput } from '../../contracts/close-messages';
import { approveSignal, statusQuery } from '../../contracts/close-messages';
import { seedCustomer, seedEvents, seedPrices, seedSubscriber, workedExampleEvents } from '../support/seed';
import { startTimeSkipping, type TimeSkippingHarness } from '../support/time-skipping';
import { waitFor } from '../support/wait';
import { deliveriesOf, invoicesOf } from '../support/queries';

// Reminder timing on Temporal's time-skipping test server: days pass in milliseconds, while
// the activities are the real ones against a real database and SMTP server.

const HOUR = 3_600_000;
let h: TimeSkippingHarness;

beforeAll(async () => {
  h = await startTimeSkipping();
  await seedPrices(h.db);
  await seedSubscriber(h.db, { role: 'finance', channel: 'email', address: 'ekonomi@nordiskrapportering.se' });
}, 120_000);

afterAll(async () => h?.close());

describe('reminders while a draft waits for finance', () => {
  it('reminds finance every interval and never finalises without an approval', async () => {
    const config = loadConfig();
    const { worker, taskQueue } = await h.worker(config, 'reminders');
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    const reminders = () => h.smtp.messages.filter((m) => m.subject.startsWith('Påminnelse'));

    await worker.runUntil(async () => {
      const input: CustomerCloseInput = { customerId, period: '2024-11', approvers: config.financeApprovers, reminderIntervalMs: 24 * HOUR, reportTo: null };
      const handle = await h.env.client.workflow.start('customerClose', { workflowId: `close-2024-11-${customerId}`, taskQueue, args: [input] });
      await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 30_000, 'draft');
      expect(reminders()).toHaveLength(0);

      await h.env.sleep(23 * HOUR);
      expect(reminders()).toHaveLength(0); // not before the interval

      await h.env.sleep(2 * HOUR);
      await waitFor(() => reminders().length === 1, 15_000, 'first reminder');

      // 97 h after the draft: reminders are due at 24, 48, 72 and 96 h, four and no more.
      await h.env.sleep(3 * 24 * HOUR);
      await waitFor(async () => (await handle.query(statusQuery)).remindersSent >= 4, 15_000, 'the fourth reminder');
      const status = await handle.query(statusQuery);
      expect(status.state).toBe('awaiting_approval'); // days pass; nothing is decided for finance
      expect(status.remindersSent).toBe(4);
      await waitFor(async () => (await deliveriesOf(h.db, customerId, { status: 'delivered' })).filter((d) => d.event.startsWith('draft_reminder:')).length === 4, 15_000, 'four reminders delivered');
      expect(reminders()).toHaveLength(4);
      expect(await invoicesOf(h.db, customerId)).toHaveLength(0);

      // Each reminder is its own delivery, sent once.
      const deliveries = (await deliveriesOf(h.db, customerId)).filter((d) => d.event.startsWith('draft_reminder:'));
      expect(deliveries.map((d) => d.event).sort()).toEqual(['draft_reminder:1', 'draft_reminder:2', 'draft_reminder:3', 'draft_reminder:4']);

      await handle.signal(approveSignal, { by: config.financeApprovers[0] });
      const summary = await handle.result();
      expect(summary.state).toBe('final');
      expect(await invoicesOf(h.db, customerId)).toHaveLength(1);
    });
  }, 120_000);
});
