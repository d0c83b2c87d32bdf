import { defineQuery, defineSignal } from '@temporalio/workflow';

// The messages of the payment reminder workflow, shared by workflow, activities and client code.

export interface PaymentReminderInput {
  invoiceId: number;
  invoiceNumber: string;
  dueDate: string;
  /** Days after the due date for the first reminder. */
  graceDays: number;
  /** Days after the first for a second one; null: one only. */
  secondAfterDays: number | null;
}

export type SettledWhy = 'paid' | 'overpaid' | 'credited';

export interface ReminderState {
  state: 'waiting' | 'settled' | 'done';
  remindersSent: number;
  why: string | null;
}

/** A payment or credit note settled the invoice: no reminder is due any more. */
export const invoiceSettledSignal = defineSignal<[{ why: SettledWhy }]>('invoiceSettled');
export const reminderStateQuery = defineQuery<ReminderState>('reminderState');

/** One reminder workflow per invoice, started when the invoice is issued. */
export function paymentReminderWorkflowId(invoiceNumber: string): string {
  return `payment-reminder-${invoiceNumber}`;
}

/** Reminders go out at 08:00 Stockholm time on their day. */
export const REMIND_AT_HOUR = 8;
