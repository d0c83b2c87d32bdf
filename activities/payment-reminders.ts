import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { addDays, receivable, stockholmDate, stockholmMidnightMs } from '../billing';
import { logger } from '../infra/logger';
import { renderReminderPdf } from '../pdf/render-reminder';
import type { ReminderFacts } from '../payments/reminder-text';
import { getDocument, putDocument } from '../store/documents';
import { formatInvoiceNumber } from '../store/invoices';
import { invoicePaymentRows } from '../store/receivables';
import { invoiceSettledSignal, paymentReminderWorkflowId, REMIND_AT_HOUR, type PaymentReminderInput, type SettledWhy } from '../contracts/payment-reminder-messages';
import type { ActivityDeps } from './deps';
import { notificationActivities } from './notifications';

// Payment reminders (issue #22): started with the invoice, one workflow per invoice number;
// each reminder decided from the database when it is due.

export type PreparedReminder =
  | { outcome: 'settled'; why: SettledWhy }
  | { outcome: 'disputed' }
  | { outcome: 'send'; deliveries: number[] };

/** Where an invoice stands today: remaining, status, and whether it is disputed. */
async function invoiceStanding({ db, now }: ActivityDeps, invoiceId: number) {
  const [row] = await invoicePaymentRows(db, { invoiceIds: [invoiceId] });
  if (!row) throw new Error(`no invoice with id ${invoiceId}`);
  const rec = receivable({ totalOre: row.totalOre, creditedOre: row.creditedOre, paidOre: row.paidOre, dueDate: row.dueDate, today: stockholmDate(now().getTime()) });
  return { row, rec };
}

const settledWhy = (status: string): SettledWhy => (status === 'credited' ? 'credited' : status === 'overpaid' ? 'overpaid' : 'paid');

/**
 * Starts the invoice's reminder workflow (id payment-reminder-<number>: once per invoice, a
 * second start is a no-op). Called where the invoice is issued; without a Temporal client (the
 * bench's plain loop) there is nothing to start.
 */
export async function startPaymentReminder(deps: ActivityDeps, invoice: { invoiceId: number; number: string }): Promise<void> {
  if (!deps.temporal) return;
  const row = await deps.db('invoices').where({ id: invoice.invoiceId }).first('due_date', 'kind');
  if (!row || row.kind !== 'invoice') return;
  const settings = deps.config.paymentReminders;
  const input: PaymentReminderInput = { invoiceId: invoice.invoiceId, invoiceNumber: invoice.number, dueDate: row.due_date, graceDays: settings.graceDays, secondAfterDays: settings.secondAfterDays };
  try {
    await deps.temporal.workflow.start('paymentReminder', { workflowId: paymentReminderWorkflowId(invoice.number), taskQueue: deps.config.taskQueue, args: [input] });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** After a credit note: the credited invoice's reminder ends if nothing remains to pay. */
export async function tellReminderIfSettled(deps: ActivityDeps, invoiceId: number): Promise<void> {
  if (!deps.temporal) return;
  const { row, rec } = await invoiceStanding(deps, invoiceId);
  if (rec.remainingOre > 0) return;
  try {
    await deps.temporal.workflow.getHandle(paymentReminderWorkflowId(row.number)).signal(invoiceSettledSignal, { why: settledWhy(rec.status) });
  } catch (err) {
    // No reminder (an invoice from before reminders) or one that has ended: nothing to tell.
    if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
  }
}

export function paymentReminderActivities(deps: ActivityDeps) {
  const { db, config, now } = deps;
  const notifications = notificationActivities(deps);
  return {
    /** Milliseconds until 08:00 Stockholm time `daysAfterDue` days after the due date; 0 when past. */
    async paymentReminderWaitMs(input: { dueDate: string; daysAfterDue: number }): Promise<number> {
      return Math.max(0, stockholmMidnightMs(addDays(input.dueDate, input.daysAfterDue)) + REMIND_AT_HOUR * 3_600_000 - now().getTime());
    },

    /**
     * Reminder `reminder` of an invoice, if one is due: none for a paid, credited or disputed
     * invoice. The reminder (its amounts and PDF) is made once, keyed (invoice, reminder); its
     * delivery to the customer is planned once, keyed (reminder:<invoice>:<n>, subscriber).
     */
    async preparePaymentReminder(input: { invoiceId: number; reminder: number }): Promise<PreparedReminder> {
      const { row, rec } = await invoiceStanding(deps, input.invoiceId);
      if (rec.remainingOre === 0) return { outcome: 'settled', why: settledWhy(rec.status) };
      const disputed = await db('invoice_disputes').where({ invoice_id: input.invoiceId }).whereNull('resolved_at').first('id');
      if (disputed) return { outcome: 'disputed' };
      const existing = await db('payment_reminders').where({ invoice_id: input.invoiceId, reminder: input.reminder }).first('pdf_sha256');
      if (!existing) {
        const inv = await db('invoices').where({ id: input.invoiceId }).first('series', 'number', 'issue_date', 'due_date', 'ocr', 'buyer', 'seller', 'customer_id', 'period');
        const facts: ReminderFacts = {
          reminder: input.reminder,
          sellerName: inv.seller.name,
          sellerOrgNumber: inv.seller.orgNumber,
          sellerEmail: inv.seller.email,
          customerName: inv.buyer.name,
          invoiceNumber: formatInvoiceNumber(inv.series, inv.number),
          invoiceDate: inv.issue_date,
          dueDate: inv.due_date,
          date: stockholmDate(now().getTime()),
          totalOre: row.totalOre,
          paidOre: row.paidOre,
          creditedOre: row.creditedOre,
          remainingOre: rec.remainingOre,
          feeOre: config.paymentReminders.feeOre,
          bankgiro: inv.seller.bankgiro,
          ocr: inv.ocr,
        };
        const pdf = await renderReminderPdf(facts);
        const sha = await putDocument(db, { content: pdf, contentType: 'application/pdf', fileName: `betalningspaminnelse-${facts.invoiceNumber}-${input.reminder}.pdf` });
        await db('payment_reminders')
          .insert({ invoice_id: input.invoiceId, reminder: input.reminder, remaining_ore: rec.remainingOre, fee_ore: facts.feeOre, pdf_sha256: sha, facts: JSON.stringify(facts) })
          .onConflict(['invoice_id', 'reminder'])
          .ignore();
      }
      const inv = await db('invoices').where({ id: input.invoiceId }).first('customer_id', 'period');
      const deliveries = await notifications.planNotifications({
        subjectKey: `reminder:${input.invoiceId}:${input.reminder}`,
        event: `payment_reminder:${input.reminder}`,
        customerId: inv.customer_id,
        period: inv.period,
        audience: ['customer_admin'],
      });
      logger.debug({ invoice: row.number, reminder: input.reminder, deliveries: deliveries.length }, 'payment reminder planned');
      return { outcome: 'send', deliveries };
    },
  };
}

/** The reminder's e-mail content: the stored facts (made once) and the stored PDF. */
export async function reminderContent(db: ActivityDeps['db'], invoiceId: number, reminder: number) {
  const row = await db('payment_reminders').where({ invoice_id: invoiceId, reminder }).first('facts', 'pdf_sha256');
  if (!row) throw new Error(`no payment reminder ${reminder} of invoice ${invoiceId}`);
  const pdf = await getDocument(db, row.pdf_sha256);
  return { facts: row.facts as ReminderFacts, pdf };
}
