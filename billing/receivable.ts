import { daysBetween } from './period';
import { STATUS_SV } from './ledger';

// Where an invoice stands with its customer once payments are counted (pure; the ledger, the
// receivables list and the reminders all ask this). Credit notes carry negative totals, so
// what is to pay is total + credited; an amount paid beyond it is the customer's credit balance.

export type PaymentStatus = 'final' | 'partly_credited' | 'credited' | 'partly_paid' | 'paid' | 'overpaid' | 'overdue';

export interface ReceivableInput {
  totalOre: number;
  /** The credit notes' totals, ≤ 0. */
  creditedOre: number;
  paidOre: number;
  dueDate: string;
  /** The Stockholm date today. */
  today: string;
}

export interface Receivable {
  remainingOre: number;
  /** Paid beyond what was to pay (kept as the customer's credit balance), ≥ 0. */
  overpaidOre: number;
  /** Days since the due date while something remains; 0 when not due or settled. */
  daysOverdue: number;
  status: PaymentStatus;
}

export function receivable(r: ReceivableInput): Receivable {
  const toPay = r.totalOre + r.creditedOre;
  const remainingOre = Math.max(0, toPay - r.paidOre);
  const overpaidOre = Math.max(0, r.paidOre - Math.max(0, toPay));
  const late = daysBetween(r.dueDate, r.today);
  const daysOverdue = remainingOre > 0 && late > 0 ? late : 0;
  const status: PaymentStatus =
    overpaidOre > 0 ? 'overpaid'
    : remainingOre === 0 && r.paidOre > 0 ? 'paid'
    : daysOverdue > 0 ? 'overdue'
    : r.paidOre > 0 ? 'partly_paid'
    : toPay <= 0 ? 'credited'
    : r.creditedOre < 0 ? 'partly_credited'
    : 'final';
  return { remainingOre, overpaidOre, daysOverdue, status };
}

export type AgeingBucket = 'not_due' | '1-30' | '31-60' | '61-90' | 'over_90';

export function ageingBucket(daysOverdue: number): AgeingBucket {
  return daysOverdue <= 0 ? 'not_due' : daysOverdue <= 30 ? '1-30' : daysOverdue <= 60 ? '31-60' : daysOverdue <= 90 ? '61-90' : 'over_90';
}

/** What a payment of `amountOre` does to an invoice that had `remainingBefore` left to pay. */
export function paymentOutcome(amountOre: number, remainingBefore: number): 'paid' | 'partly_paid' | 'overpaid' {
  return amountOre === remainingBefore ? 'paid' : amountOre < remainingBefore ? 'partly_paid' : 'overpaid';
}

/** Swedish words for a status, as finance and customers read it: the ledger's words. */
export const STATUS_TEXT: Record<PaymentStatus, string> = STATUS_SV;
