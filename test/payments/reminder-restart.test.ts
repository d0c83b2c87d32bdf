import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays, stockholmMidnightMs } from '../../billing';
import { startPaymentReminder } from '../../activities/payment-reminders';
import { signalSettled } from '../../client/payment-reminders';
import { paymentReminderWorkflowId, REMIND_AT_HOUR, type ReminderState } from '../../contracts/payment-reminder-messages';
import { camt054Xml } from '../../payments/camt054-writer';
import { importPaymentFile } from '../../store/payments';
import { completedAttempts } from '../support/activity-attempts';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { spawnWorkerProcess } from '../support/worker-process';
import { waitFor } from '../support/wait';
import { seedInvoice } from './seed-invoices';

// A payment reminder outlives its worker, on the run's real Temporal dev server (not the
// time-skipping one): the reminder waits on a durable timer, the worker goes away (shut down, or
// SIGKILLed in its own process), the timer runs out with no worker, a payment is imported
// meanwhile, and a new worker sends the reminder exactly once, and none for the paid invoices.
//
// The grace is the configured 10 days; the activities' clock is set so that the reminder's day
// (08:00 Stockholm, due date + 10) is LEAD_MS ahead. Timers run in real time on the server, so
// the whole wait is seconds. The workflow's commands are the ones it always gives.

const DUE = '2026-11-20';
const GRACE_DAYS = 10;
const REMIND_AT = stockholmMidnightMs(addDays(DUE, GRACE_DAYS)) + REMIND_AT_HOUR * 3_600_000;
// Room for starting the reminders and stopping the worker on a loaded machine before the day comes.
const LEAD_MS = 20_000;

let h: CloseHarness;
/** The activities' clock = this machine's + shift (set per test, before its worker starts). */
let shift = 0;
let n = 72_000;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date(Date.now() + shift) });
  h.config.paymentReminders = { graceDays: GRACE_DAYS, secondAfterDays: null, feeOre: 0 };
}, 120_000);
afterAll(async () => h?.close());

/** The reminder's day comes LEAD_MS from now by the activities' clock; returns when, by this machine's. */
function reminderDayIn(ms: number): number {
  shift = REMIND_AT - ms - Date.now();
  return Date.now() + ms;
}

async function unpaidInvoiceWithReminder() {
  const inv = await seedInvoice(h.db, { number: ++n, totalOre: 125_000, dueDate: DUE });
  const deps = { db: h.db, config: h.config, smtp: null, temporal: h.client, now: () => new Date(Date.now() + shift) };
  await startPaymentReminder(deps, { invoiceId: inv.id, number: inv.number });
  const workflowId = paymentReminderWorkflowId(inv.number);
  const mails = () => h.smtp.messages.filter((m) => m.subject.includes(`faktura ${inv.number} `));
  return { ...inv, workflowId, mails };
}

/** The reminder has asked for its wait and sleeps on its timer (a worker did its first task). */
async function waitingOnTimer(workflowId: string): Promise<void> {
  await waitFor(async () => {
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).some((e) => e.timerStartedEventAttributes != null);
  }, 30_000, `${workflowId} waiting on its timer`);
}

async function pay(reference: string, ocr: string, amountOre: number) {
  const camt = camt054Xml({ version: '02', messageId: reference, createdAt: '2026-11-30T06:00:00', bankgiro: '54029681', entries: [{ reference, bookingDate: '2026-11-29', payments: [{ reference, amountOre, payer: 'Kund AB', ocr }] }] });
  const r = await importPaymentFile(h.db, h.config, 'camt.xml', Buffer.from(camt));
  expect(r.paid).toBe(1);
}

const result = (workflowId: string) => h.client.workflow.getHandle(workflowId).result() as Promise<ReminderState>;

/** Each activity of the reminder ran once, at its first attempt. */
async function ranOnce(workflowId: string, activities: string[]): Promise<void> {
  expect((await completedAttempts(h.client, workflowId)).map((a) => [a.activity, a.attempt])).toEqual(activities.map((a) => [a, 1]));
}

async function deliveries(invoiceId: number) {
  return (await h.db('notification_deliveries').where('subject_key', 'like', `reminder:${invoiceId}:%`).select('event', 'status')).map((d) => [d.event, d.status]);
}

describe('a payment reminder across worker restarts (real dev server)', () => {
  it('a worker shut down while the reminder waits: the next worker reminds once, and not of an invoice paid meanwhile', async () => {
    const dayAt = reminderDayIn(LEAD_MS);
    const unpaid = await unpaidInvoiceWithReminder();
    const paidSignalled = await unpaidInvoiceWithReminder();
    const paidQuietly = await unpaidInvoiceWithReminder();
    for (const r of [unpaid, paidSignalled, paidQuietly]) await waitingOnTimer(r.workflowId);

    await h.worker.close();
    expect(Date.now(), 'the worker stopped before the reminder day (raise LEAD_MS on a slower machine)').toBeLessThan(dayAt);
    // While no worker runs: two payments imported, one told to its reminder (as the CLI does),
    // one not (a lost signal): neither may be reminded.
    await pay('RESTART-PAID-1', paidSignalled.ocr, 125_000);
    await signalSettled({ client: async () => h.client }, [paidSignalled.number]);
    await pay('RESTART-PAID-2', paidQuietly.ocr, 125_000);
    // The reminder's day passes with no worker: nothing can be sent.
    await new Promise((r) => setTimeout(r, Math.max(0, dayAt - Date.now()) + 1_500));
    expect(h.smtp.messages.filter((m) => m.subject.startsWith('Betalningspåminnelse'))).toHaveLength(0);

    await h.startWorker();
    expect(await result(unpaid.workflowId)).toEqual({ state: 'done', remindersSent: 1, why: null });
    expect(await result(paidSignalled.workflowId)).toEqual({ state: 'settled', remindersSent: 0, why: 'paid' });
    expect(await result(paidQuietly.workflowId)).toEqual({ state: 'settled', remindersSent: 0, why: 'paid' });

    await waitFor(() => unpaid.mails().length >= 1, 10_000, 'the reminder at the SMTP peer');
    await new Promise((r) => setTimeout(r, 1_000)); // a second copy would have arrived by now
    expect(unpaid.mails()).toHaveLength(1);
    expect(unpaid.mails()[0].subject).toBe(`Betalningspåminnelse: faktura ${unpaid.number} från Nordisk Rapportering AB`);
    expect([...paidSignalled.mails(), ...paidQuietly.mails()]).toHaveLength(0);
    expect(await deliveries(unpaid.id)).toEqual([['payment_reminder:1', 'delivered']]);
    expect(await deliveries(paidSignalled.id)).toEqual([]);
    expect(await deliveries(paidQuietly.id)).toEqual([]);
    expect(await h.db('payment_reminders').whereIn('invoice_id', [unpaid.id, paidSignalled.id, paidQuietly.id]).pluck('invoice_id')).toEqual([unpaid.id]);
    await ranOnce(unpaid.workflowId, ['paymentReminderWaitMs', 'preparePaymentReminder', 'deliverNotification']);
    await ranOnce(paidQuietly.workflowId, ['paymentReminderWaitMs', 'preparePaymentReminder']);
  }, 120_000);

  it('a worker killed hard (SIGKILL) while the reminder waits: the next worker reminds once, and not of an invoice paid meanwhile', async () => {
    await h.worker.close();
    const dayAt = reminderDayIn(LEAD_MS + 8_000); // the child process takes a few seconds to start
    const child = spawnWorkerProcess({
      temporalAddress: inject('temporalAddress'),
      namespace: inject('namespace'),
      taskQueue: h.config.taskQueue,
      databaseUrl: h.databaseUrl,
      smtpPort: h.smtp.port,
      workflowBundlePath: inject('workflowBundlePath'),
      config: h.config,
      clockOffsetMs: shift,
    });
    await child.ready;
    const unpaid = await unpaidInvoiceWithReminder();
    const paid = await unpaidInvoiceWithReminder();
    for (const r of [unpaid, paid]) await waitingOnTimer(r.workflowId);

    child.child.kill('SIGKILL');
    expect(await child.exited).toBeNull(); // killed, not exited
    expect(Date.now(), 'the worker was killed before the reminder day (raise LEAD_MS on a slower machine)').toBeLessThan(dayAt);
    await pay('KILLED-PAID-1', paid.ocr, 125_000);
    await signalSettled({ client: async () => h.client }, [paid.number]);
    await new Promise((r) => setTimeout(r, Math.max(0, dayAt - Date.now()) + 1_500));
    expect([...unpaid.mails(), ...paid.mails()]).toHaveLength(0);

    await h.startWorker();
    expect(await result(unpaid.workflowId)).toEqual({ state: 'done', remindersSent: 1, why: null });
    expect(await result(paid.workflowId)).toEqual({ state: 'settled', remindersSent: 0, why: 'paid' });
    await waitFor(() => unpaid.mails().length >= 1, 10_000, 'the reminder at the SMTP peer');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(unpaid.mails()).toHaveLength(1);
    expect(paid.mails()).toHaveLength(0);
    expect(await deliveries(unpaid.id)).toEqual([['payment_reminder:1', 'delivered']]);
    expect(await deliveries(paid.id)).toEqual([]);
    await ranOnce(unpaid.workflowId, ['paymentReminderWaitMs', 'preparePaymentReminder', 'deliverNotification']);
  }, 120_000);
});
