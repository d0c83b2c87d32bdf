import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../billing';
import { startPaymentReminder, tellReminderIfSettled } from '../../activities/payment-reminders';
import { signalSettled } from '../../client/payment-reminders';
import { loadConfig, type AppConfig } from '../../infra/config';
import { camt054Xml } from '../../payments/camt054-writer';
import { importPaymentFile } from '../../store/payments';
import { paymentReminderWorkflowId, reminderStateQuery, type ReminderState } from '../../contracts/payment-reminder-messages';
import { startTimeSkipping, type TimeSkippingHarness } from '../support/time-skipping';
import { waitFor } from '../support/wait';
import { seedInvoice } from './seed-invoices';

// The payment reminder on Temporal's time-skipping server: days pass in milliseconds; the
// activities, PostgreSQL and the SMTP peer are real.

const DAY = 86_400_000;
let h: TimeSkippingHarness;
let n = 40_000;

beforeAll(async () => {
  h = await startTimeSkipping();
}, 120_000);
afterAll(async () => h?.close());
// A reminder left waiting for an activity on a queue nobody polls would stop time skipping for
// the tests after it.
const started: string[] = [];
afterEach(async () => {
  for (const id of started.splice(0)) await h.env.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
});

async function setup(over: Partial<AppConfig['paymentReminders']> = {}) {
  const base = loadConfig();
  const { worker, taskQueue } = await h.worker({ ...base, paymentReminders: { graceDays: 10, secondAfterDays: null, feeOre: 0, ...over } }, 'pay-reminders');
  const config: AppConfig = { ...base, taskQueue, paymentReminders: { graceDays: 10, secondAfterDays: null, feeOre: 0, ...over } };
  // The activities' issuing clock is pinned (2 December 2024, 08:00); the reminder counts by it.
  const today = '2024-12-02';
  const inv = await seedInvoice(h.db, { number: ++n, totalOre: 125_000, dueDate: addDays(today, 5) });
  const deps = { db: h.db, config, smtp: null, temporal: h.env.client, now: () => new Date() };
  // Started where the invoice is issued; twice is once.
  await startPaymentReminder(deps, { invoiceId: inv.id, number: inv.number });
  await startPaymentReminder(deps, { invoiceId: inv.id, number: inv.number });
  const handle = h.env.client.workflow.getHandle(paymentReminderWorkflowId(inv.number));
  started.push(handle.workflowId);
  const { runId } = await handle.describe();
  expect((await h.env.client.workflow.getHandle(handle.workflowId).describe()).runId).toBe(runId);
  const mails = () => h.smtp.messages.filter((m) => m.subject.includes(`faktura ${inv.number} `));
  const pay = (reference: string, amountOre: number) =>
    importPaymentFile(h.db, config, 'camt.xml', Buffer.from(camt054Xml({ version: '02', messageId: reference, createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', entries: [{ reference, bookingDate: today, payments: [{ reference, amountOre, payer: 'Kund AB', ocr: inv.ocr }] }] })));
  return { worker, inv, deps, handle, mails, pay };
}

describe('payment reminders (betalningspåminnelse)', () => {
  it('waits for the due date plus the grace, reminds once with number, due date, remaining, bankgiro and OCR, then a second time', async () => {
    const { worker, inv, handle, mails, pay } = await setup({ secondAfterDays: 7, feeOre: 6_000 });
    await worker.runUntil(async () => {
      await h.env.sleep(14 * DAY); // due + 9 days: not yet
      expect(mails()).toHaveLength(0);
      await h.env.sleep(2 * DAY);
      await waitFor(() => mails().length === 1, 20_000, 'the first reminder');
      const first = mails()[0];
      expect(first.subject).toBe(`Betalningspåminnelse: faktura ${inv.number} från Nordisk Rapportering AB`);
      expect(first.text).toContain(`faktura ${inv.number}, som förföll till betalning ${(await h.db('invoices').where({ id: inv.id }).first('due_date')).due_date}`);
      expect(first.text).toMatch(/Kvar att betala:\s+1\s250,00\s*kr/);
      expect(first.text).toMatch(/Påminnelseavgift:\s+60,00\s*kr/);
      expect(first.text).toMatch(/Bankgiro:\s+5402-9681/);
      expect(first.text).toContain(inv.ocr);
      expect(first.attachments.map((a) => a.filename)).toEqual([`betalningspaminnelse-${inv.number}-1.pdf`]);
      expect(first.attachments[0].content.subarray(0, 5).toString()).toBe('%PDF-');

      await pay('PART-1', 25_000); // partly paid: still reminded, with what remains
      await h.env.sleep(7 * DAY);
      await waitFor(() => mails().length === 2, 20_000, 'the second reminder');
      expect(mails()[1].subject).toMatch(/^Betalningspåminnelse 2: /);
      expect(mails()[1].text).toMatch(/Kvar att betala:\s+1\s000,00\s*kr/);
      const end = (await handle.result()) as ReminderState;
      expect(end).toEqual({ state: 'done', remindersSent: 2, why: null });
    });
    // Each reminder once, to the billing e-mail.
    const deliveries = await h.db('notification_deliveries').where('subject_key', 'like', `reminder:${inv.id}:%`).orderBy('event');
    expect(deliveries.map((d) => [d.event, d.status])).toEqual([['payment_reminder:1', 'delivered'], ['payment_reminder:2', 'delivered']]);
    expect(mails().every((m) => m.envelope.to.length === 1 && m.envelope.to[0].startsWith('admin@'))).toBe(true);
  }, 180_000);

  it('ends without a reminder when a payment settles the invoice (signalled), or a credit note does', async () => {
    const paid = await setup();
    await paid.worker.runUntil(async () => {
      const r = await paid.pay('FULL-1', 125_000);
      expect(r.paid).toBe(1);
      await signalSettled({ client: async () => h.env.client }, [paid.inv.number]);
      expect(await paid.handle.result()).toEqual({ state: 'settled', remindersSent: 0, why: 'paid' });
    });
    expect(paid.mails()).toHaveLength(0);

    const credited = await setup();
    await credited.worker.runUntil(async () => {
      await seedInvoice(h.db, { number: ++n, totalOre: -125_000, dueDate: '2026-12-31', kind: 'credit_note', creditOf: credited.inv.id, customerId: credited.inv.customerId });
      await tellReminderIfSettled(credited.deps, credited.inv.id);
      expect(await credited.handle.result()).toEqual({ state: 'settled', remindersSent: 0, why: 'credited' });
    });
    expect(credited.mails()).toHaveLength(0);
  }, 180_000);

  it('never reminds of an invoice paid without a signal, or disputed, when the day comes', async () => {
    const quiet = await setup();
    await quiet.worker.runUntil(async () => {
      await quiet.pay('QUIET-1', 125_000); // no signal: the activity finds it paid
      await h.env.sleep(16 * DAY);
      expect(await quiet.handle.result()).toEqual({ state: 'settled', remindersSent: 0, why: 'paid' });
    });
    const disputed = await setup();
    await h.db('invoice_disputes').insert({ invoice_id: disputed.inv.id, disputed_by: 'Anna Ekonom', reason: 'kunden bestrider antalet användare' });
    await disputed.worker.runUntil(async () => {
      await h.env.sleep(16 * DAY);
      expect(await disputed.handle.result()).toEqual({ state: 'done', remindersSent: 0, why: null });
      expect(await disputed.handle.query(reminderStateQuery)).toEqual({ state: 'done', remindersSent: 0, why: null });
    });
    expect([...quiet.mails(), ...disputed.mails()]).toHaveLength(0);
  }, 180_000);
});
