import type { Client } from '@temporalio/client';
import { logger } from '../infra/logger';
import { invoiceSettledSignal, paymentReminderWorkflowId, type SettledWhy } from '../contracts/payment-reminder-messages';

// Tells the reminder workflows of settled invoices that no reminder is due (after a payment
// import or an assignment). Best effort by design: the reminder activity checks the database
// again before anything goes out, so a signal that does not arrive only means the workflow ends
// at its reminder date instead of now.

const AT_ONCE = 16;

export async function signalSettled(services: { client(): Promise<Client> }, invoiceNumbers: string[], why: SettledWhy = 'paid'): Promise<void> {
  if (invoiceNumbers.length === 0) return;
  let client: Client;
  try {
    client = await services.client();
  } catch (err) {
    logger.warn({ err: (err as Error).message, invoices: invoiceNumbers.length }, 'payment reminders not told of settled invoices: Temporal unreachable; they end at their reminder date');
    return;
  }
  let next = 0;
  const one = async () => {
    while (next < invoiceNumbers.length) {
      const number = invoiceNumbers[next++];
      try {
        await client.workflow.getHandle(paymentReminderWorkflowId(number)).signal(invoiceSettledSignal, { why });
      } catch (err) {
        const name = (err as Error).name;
        if (name !== 'WorkflowNotFoundError') logger.warn({ invoice: number, err: (err as Error).message }, 'payment reminder not told of the payment');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, invoiceNumbers.length) }, one));
}
