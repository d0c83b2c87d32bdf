import type { Db } from '../infra/db';
import { STATUS_TEXT } from '../billing/receivable';
import { disputedInvoiceNumbers } from '../store/disputes';
import { listReceivables, type ReceivableJson, type ReceivablesJson } from '../store/receivables';
import { reasonSv } from '../payments/reason-sv';

// Finance's "Kundfordringar": the open invoices, the ageing buckets and the unmatched payments,
// read through listReceivables, the function `receivables list` prints. So the page's totals are
// the CLI's by construction; filters and paging only choose which rows are shown.

export const RECEIVABLES_PAGE_SIZE = 100;
/** Unmatched payments shown at once; more are counted and left to the CLI. */
export const UNMATCHED_SHOWN = 200;

export interface ReceivablesFilter {
  overdue: boolean;
  /** A customer number, exactly. */
  customer: string;
  /** Part of an invoice number, customer number or customer name. */
  q: string;
  page: number;
}

export interface ReceivableRow extends ReceivableJson {
  customer_name: string;
  disputed: boolean;
  /** The status as finance reads it ("Bestriden" when disputed). */
  status_sv: string;
}

export interface ReceivablesPage {
  today: string;
  /** The whole book, as `receivables list --json` has them. */
  buckets: ReceivablesJson['buckets'];
  totalOre: number;
  creditBalances: (ReceivablesJson['credit_balances'][number] & { customer_name: string })[];
  /** The filter's rows on this page, and how many and how much the filter holds. */
  rows: ReceivableRow[];
  matching: number;
  matchingRemainingOre: number;
  unmatched: (ReceivablesJson['unmatched'][number] & { reason_sv: string })[];
  unmatchedCount: number;
}

const like = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export async function receivablesPage(db: Db, today: string, filter: ReceivablesFilter): Promise<ReceivablesPage> {
  const book = await listReceivables(db, { today });
  let rows = book.invoices;
  if (filter.overdue) rows = rows.filter((r) => r.days_overdue > 0);
  if (filter.customer) rows = rows.filter((r) => r.customer_id === filter.customer);
  if (filter.q) {
    const q = filter.q.toLowerCase();
    const byName = new Set<string>(await db('customers').whereILike('name', like(filter.q)).pluck('customer_id'));
    rows = rows.filter((r) => r.number.toLowerCase().includes(q) || r.customer_id.toLowerCase().includes(q) || byName.has(r.customer_id));
  }
  // The oldest debts first: most days overdue, then the earliest due date.
  rows = rows.slice().sort((a, b) => b.days_overdue - a.days_overdue || a.due_date.localeCompare(b.due_date) || a.number.localeCompare(b.number));
  const pageRows = rows.slice(filter.page * RECEIVABLES_PAGE_SIZE, (filter.page + 1) * RECEIVABLES_PAGE_SIZE);
  const names = await customerNames(db, [...pageRows.map((r) => r.customer_id), ...book.credit_balances.map((c) => c.customer_id)]);
  const disputed = await disputedInvoiceNumbers(db);
  return {
    today,
    buckets: book.buckets,
    totalOre: book.total_ore,
    creditBalances: book.credit_balances.map((c) => ({ ...c, customer_name: names.get(c.customer_id) ?? '' })),
    rows: pageRows.map((r) => ({
      ...r,
      customer_name: names.get(r.customer_id) ?? '',
      disputed: disputed.has(r.number),
      status_sv: disputed.has(r.number) ? 'Bestriden' : STATUS_TEXT[r.status],
    })),
    matching: rows.length,
    matchingRemainingOre: rows.reduce((s, r) => s + r.remaining_ore, 0),
    unmatched: book.unmatched.slice(0, UNMATCHED_SHOWN).map((u) => ({ ...u, reason_sv: reasonSv(u.why) })),
    unmatchedCount: book.unmatched.length,
  };
}

async function customerNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db('customers').whereIn('customer_id', unique).select('customer_id', 'name');
  return new Map(rows.map((r: { customer_id: string; name: string }) => [r.customer_id, r.name]));
}
