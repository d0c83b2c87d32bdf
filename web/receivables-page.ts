import type { Db } from '../infra/db';
import { STATUS_TEXT } from '../billing/receivable';
import { disputedInvoiceNumbers } from '../store/disputes';
import { countUnmatched, listUnmatched, type ReceivableJson, type ReceivablesJson } from '../store/receivables';
import { receivablesSummary } from '../store/receivables-page';
import { reasonSv } from '../payments/reason-sv';

// Finance's "Kundfordringar": the open invoices, the ageing buckets and the unmatched payments.
// PostgreSQL filters, orders, pages and sums them (store/receivables-page.ts), so a page reads
// one page of invoices however large the book; its totals equal `receivables list`'s by the
// test of that module and the browser test's comparison with the CLI.

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

export async function receivablesPage(db: Db, today: string, filter: ReceivablesFilter): Promise<ReceivablesPage> {
  const [book, disputed, unmatched, unmatchedCount] = await Promise.all([
    receivablesSummary(db, { today, overdue: filter.overdue, customerId: filter.customer, search: filter.q, offset: filter.page * RECEIVABLES_PAGE_SIZE, limit: RECEIVABLES_PAGE_SIZE }),
    disputedInvoiceNumbers(db),
    listUnmatched(db, UNMATCHED_SHOWN),
    countUnmatched(db),
  ]);
  const names = await customerNames(db, book.creditBalances.map((c) => c.customer_id));
  return {
    today,
    buckets: book.buckets,
    totalOre: book.totalOre,
    creditBalances: book.creditBalances.map((c) => ({ ...c, customer_name: names.get(c.customer_id) ?? '' })),
    rows: book.rows.map((r) => ({
      ...r,
      disputed: disputed.has(r.number),
      status_sv: disputed.has(r.number) ? 'Bestriden' : STATUS_TEXT[r.status],
    })),
    matching: book.matching,
    matchingRemainingOre: book.matchingRemainingOre,
    unmatched: unmatched.map((u) => ({ ...u, reason_sv: reasonSv(u.why) })),
    unmatchedCount,
  };
}

async function customerNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db('customers').whereIn('customer_id', unique).select('customer_id', 'name');
  return new Map(rows.map((r: { customer_id: string; name: string }) => [r.customer_id, r.name]));
}
