import { ageingBucket, receivable, type AgeingBucket, type PaymentStatus } from '../billing/receivable';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from './invoices';
import { storedUnmatched, type UnmatchedPayment } from './payments';

// `receivables list`: what customers owe, per invoice and per ageing bucket, from the invoices,
// their credit notes and the payments booked against them. `total_ore` is what the books' 1510
// (kundfordringar) holds: every invoice's remainder less what customers paid beyond their
// invoices (their credit balance).

export interface ReceivableJson {
  number: string;
  customer_id: string;
  due_date: string;
  total_ore: number;
  credited_ore: number;
  paid_ore: number;
  remaining_ore: number;
  days_overdue: number;
  status: PaymentStatus;
}

export interface ReceivablesJson {
  today: string;
  invoices: ReceivableJson[];
  buckets: Record<AgeingBucket, number>;
  /** Paid beyond the invoices, per customer (a credit balance, öre > 0). */
  credit_balances: { customer_id: string; amount_ore: number }[];
  /** The open remainders less the credit balances: the books' 1510 balance. */
  total_ore: number;
  /** Printed without `why` (store/payments.ts withoutWhy). */
  unmatched: UnmatchedPayment[];
}

export interface InvoicePaymentRow {
  id: number;
  number: string;
  customerId: string;
  dueDate: string;
  totalOre: number;
  creditedOre: number;
  paidOre: number;
}

/**
 * Every issued invoice (not credit notes) with its credits and payments, optionally of one customer
 * or some invoices: read from invoice_balances (migration 016), the sums the console's page reads
 * too, so a reminder or an invoice page reads its own rows instead of summing every payment and
 * credit note of the book.
 */
export async function invoicePaymentRows(db: Db, filter: { customerId?: string; invoiceIds?: number[] } = {}): Promise<InvoicePaymentRow[]> {
  const rows = await db.raw(
    `SELECT b.invoice_id AS id, b.series, b.number, b.customer_id, b.due_date, b.total_ore,
            b.credited_ore AS credited, b.paid_ore AS paid
       FROM invoice_balances b
      WHERE true ${filter.customerId ? 'AND b.customer_id = ?' : ''} ${filter.invoiceIds ? 'AND b.invoice_id = ANY(?::bigint[])' : ''}
      ORDER BY b.due_date, b.series, b.number`,
    [...(filter.customerId ? [filter.customerId] : []), ...(filter.invoiceIds ? [filter.invoiceIds] : [])],
  );
  return rows.rows.map((r: Record<string, unknown>) => ({
    id: Number(r.id),
    number: formatInvoiceNumber(r.series as string, Number(r.number)),
    customerId: r.customer_id as string,
    dueDate: r.due_date as string,
    totalOre: Number(r.total_ore),
    creditedOre: Number(r.credited),
    paidOre: Number(r.paid),
  }));
}

/** The payments not yet booked (no invoice, not assigned in parts), oldest first; `limit` for a page that shows the first ones. */
export async function listUnmatched(db: Db, limit?: number): Promise<UnmatchedPayment[]> {
  const unmatched = db('payments').whereNull('invoice_id').whereNull('assigned_at').orderBy('id');
  if (limit !== undefined) unmatched.limit(limit);
  const rows = await unmatched.select('reference', 'amount_ore', 'payer', 'unmatched_code', 'unmatched_facts', db.raw("to_char(booking_date, 'YYYY-MM-DD') as booking_date"));
  return rows.map(storedUnmatched);
}

export async function countUnmatched(db: Db): Promise<number> {
  const row = await db('payments').whereNull('invoice_id').whereNull('assigned_at').count<{ count: string }>({ count: '*' }).first();
  return Number(row?.count ?? 0);
}

export async function listReceivables(db: Db, opts: { today: string; overdue?: boolean; customerId?: string }): Promise<ReceivablesJson> {
  const buckets: Record<AgeingBucket, number> = { not_due: 0, '1-30': 0, '31-60': 0, '61-90': 0, over_90: 0 };
  const invoices: ReceivableJson[] = [];
  const credit = new Map<string, number>();
  let total = 0;
  for (const r of await invoicePaymentRows(db, { customerId: opts.customerId })) {
    const rec = receivable({ totalOre: r.totalOre, creditedOre: r.creditedOre, paidOre: r.paidOre, dueDate: r.dueDate, today: opts.today });
    total += rec.remainingOre - rec.overpaidOre;
    if (rec.overpaidOre > 0) credit.set(r.customerId, (credit.get(r.customerId) ?? 0) + rec.overpaidOre);
    if (rec.remainingOre === 0) continue;
    buckets[ageingBucket(rec.daysOverdue)] += rec.remainingOre;
    if (opts.overdue && rec.daysOverdue === 0) continue;
    invoices.push({
      number: r.number,
      customer_id: r.customerId,
      due_date: r.dueDate,
      total_ore: r.totalOre,
      credited_ore: r.creditedOre,
      paid_ore: r.paidOre,
      remaining_ore: rec.remainingOre,
      days_overdue: rec.daysOverdue,
      status: rec.status,
    });
  }
  return {
    today: opts.today,
    invoices,
    buckets,
    credit_balances: [...credit].sort(([a], [b]) => a.localeCompare(b)).map(([customer_id, amount_ore]) => ({ customer_id, amount_ore })),
    total_ore: total,
    unmatched: opts.customerId ? [] : await listUnmatched(db),
  };
}
