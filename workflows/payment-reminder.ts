import { condition, log, setHandler } from '@temporalio/workflow';
import { db, delivery } from './activity-stubs';
import { invoiceSettledSignal, reminderStateQuery, type PaymentReminderInput, type ReminderState } from '../contracts/payment-reminder-messages';

// One invoice's payment reminder (betalningspåminnelse), id payment-reminder-<number>: waits
// until the due date plus the grace days, reminds the customer once (a second time if
// configured), and ends as soon as a payment or a credit note settles the invoice (signal
// invoiceSettled). Durable timers: it outlives worker restarts and deploys. Whether a reminder
// goes out is decided by the activity from the database at that moment (paid, credited or
// disputed: none), so a lost signal can never make a wrong reminder; the signal only ends the
// wait early. Each reminder is keyed by (invoice, number): never sent twice.

export async function paymentReminder(input: PaymentReminderInput): Promise<ReminderState> {
  const state: ReminderState = { state: 'waiting', remindersSent: 0, why: null };
  setHandler(invoiceSettledSignal, ({ why }) => {
    state.why ??= why;
  });
  setHandler(reminderStateQuery, () => state);

  const reminders = input.secondAfterDays !== null ? 2 : 1;
  for (let i = 0; i < reminders; i++) {
    // The first waits for its day by the issuing clock (the one that dated the invoice); a
    // second follows the configured interval after the first.
    const waitMs = i === 0 ? await db.paymentReminderWaitMs({ dueDate: input.dueDate, daysAfterDue: input.graceDays }) : input.secondAfterDays! * 86_400_000;
    if (waitMs > 0) await condition(() => state.why !== null, waitMs);
    if (state.why !== null) break;
    const prepared = await db.preparePaymentReminder({ invoiceId: input.invoiceId, reminder: i + 1 });
    if (prepared.outcome === 'settled') {
      state.why = prepared.why;
      break;
    }
    if (prepared.outcome === 'disputed') {
      log.info('invoice disputed: no reminder', { invoice: input.invoiceNumber, reminder: i + 1 });
      continue;
    }
    for (const deliveryId of prepared.deliveries) {
      try {
        await delivery.deliverNotification({ deliveryId });
      } catch (err) {
        // Refused for good: recorded on the delivery; the reminder counts as made.
        log.warn('payment reminder refused by the receiver', { invoice: input.invoiceNumber, error: String(err) });
      }
    }
    state.remindersSent += 1;
  }
  state.state = state.why !== null ? 'settled' : 'done';
  return state;
}
