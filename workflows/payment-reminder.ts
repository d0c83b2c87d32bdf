import { condition, log, setHandler } from '@temporalio/workflow';
import { addDays, stockholmMidnightMs } from '../billing/period';
import { db, delivery } from './activity-stubs';
import { invoiceSettledSignal, REMIND_AT_HOUR, reminderStateQuery, type PaymentReminderInput, type ReminderState } from './payment-reminder-definitions';

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

  const offsets = [input.graceDays, ...(input.secondAfterDays !== null ? [input.graceDays + input.secondAfterDays] : [])];
  for (const [i, days] of offsets.entries()) {
    const at = stockholmMidnightMs(addDays(input.dueDate, days)) + REMIND_AT_HOUR * 3_600_000;
    if (at > Date.now()) await condition(() => state.why !== null, at - Date.now());
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
