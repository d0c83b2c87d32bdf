import { daysBetween } from '../billing/period';
import { ageingBucket, receivable, type AgeingBucket } from '../billing/receivable';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from './invoices';
import type { ReceivableJson, ReceivablesJson } from './receivables';

// Finance's Kundfordringar computed in PostgreSQL, so a page reads one page of invoice rows
// however large the book. invoice_balances (migration 016) holds each issued invoice's total,
// credits and payments; over its open rows one aggregate per due date gives what remains and
// what the selection holds, from which billing/receivable.ts ages the buckets (an open invoice's
// days overdue depend on its due date alone) and the page finds the due dates it spans; then one
// query reads that page's rows, whose status `receivable()` gives. The credit balances are a sum
// over the overpaid rows. test/store/receivables-page.test.ts holds every figure equal to
// `listReceivables`', which computes them invoice by invoice from the source tables.

/** An invoice with something left to pay. */
const OPEN = 'b.paid_ore < b.total_ore + b.credited_ore';
/** Paid beyond what was to pay: the excess is the customer's credit balance. */
const OVERPAID = 'b.paid_ore > GREATEST(0, b.total_ore + b.credited_ore)';

export interface ReceivablesSelection {
  /** The Stockholm date the page ages by (never the database's clock). */
  today: string;
  overdue: boolean;
  /** A customer number, exactly; '' for all. */
  customerId: string;
  /** Part of an invoice number, customer number or customer name, any case; '' for all. */
  search: string;
  offset: number;
  limit: number;
}

export interface ReceivablesSummary {
  /** The whole book's, as `receivables list --json` has them. */
  buckets: ReceivablesJson['buckets'];
  totalOre: number;
  creditBalances: ReceivablesJson['credit_balances'];
  /** The selection's open invoices from `offset`: most days overdue first, then due date, then number. */
  rows: (ReceivableJson & { customer_name: string })[];
  /** How many open invoices the selection holds, and what remains on them. */
  matching: number;
  matchingRemainingOre: number;
}

const like = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** The selection as a condition on invoice_balances `b`, with its bindings. */
function selectionSql(s: ReceivablesSelection): { sql: string; bindings: string[] } {
  const parts: string[] = [];
  const bindings: string[] = [];
  // Open and due before today is exactly "days overdue > 0".
  if (s.overdue) {
    parts.push('b.due_date < ?::date');
    bindings.push(s.today);
  }
  if (s.customerId) {
    parts.push('b.customer_id = ?');
    bindings.push(s.customerId);
  }
  if (s.search) {
    // Customers by number or name in one look-up (every invoice's customer is a row there).
    const lower = s.search.toLowerCase();
    parts.push(`(strpos(b.search_number, ?) > 0
                 OR b.customer_id IN (SELECT customer_id FROM customers WHERE strpos(lower(customer_id), ?) > 0 OR name ILIKE ?))`);
    bindings.push(lower, lower, like(s.search));
  }
  return { sql: parts.length ? parts.join(' AND ') : 'true', bindings };
}

interface DueDateRow {
  due_date: string;
  remaining: string;
  matching: string;
  matching_remaining: string;
}

export async function receivablesSummary(db: Db, s: ReceivablesSelection): Promise<ReceivablesSummary> {
  const selection = selectionSql(s);
  // One pass over the open invoices. OFFSET 0 keeps the subquery whole, so the selection is
  // evaluated once per row rather than once per aggregate that reads it.
  const perDueDate = db.raw(
    `SELECT to_char(due_date, 'YYYY-MM-DD') AS due_date, SUM(remaining)::bigint AS remaining,
            COUNT(*) FILTER (WHERE selected)::bigint AS matching, COALESCE(SUM(remaining) FILTER (WHERE selected), 0)::bigint AS matching_remaining
       FROM (SELECT b.due_date, b.total_ore + b.credited_ore - b.paid_ore AS remaining, (${selection.sql}) AS selected
               FROM invoice_balances b WHERE ${OPEN} OFFSET 0) open
      GROUP BY due_date ORDER BY due_date`,
    selection.bindings,
  );
  const credits = db.raw(
    `SELECT b.customer_id, SUM(b.paid_ore - GREATEST(0, b.total_ore + b.credited_ore))::bigint AS amount
       FROM invoice_balances b WHERE ${OVERPAID} GROUP BY b.customer_id`,
  );
  const [dates, creditRows] = await Promise.all([perDueDate, credits]);

  const buckets: Record<AgeingBucket, number> = { not_due: 0, '1-30': 0, '31-60': 0, '61-90': 0, over_90: 0 };
  let openOre = 0;
  let matching = 0;
  let matchingRemainingOre = 0;
  for (const d of dates.rows as DueDateRow[]) {
    // An open invoice is overdue by the days since its due date, if any (receivable()'s rule).
    buckets[ageingBucket(Math.max(0, daysBetween(d.due_date, s.today)))] += Number(d.remaining);
    openOre += Number(d.remaining);
    matching += Number(d.matching);
    matchingRemainingOre += Number(d.matching_remaining);
  }
  const creditBalances = (creditRows.rows as { customer_id: string; amount: string }[])
    .map((r) => ({ customer_id: r.customer_id, amount_ore: Number(r.amount) }))
    .sort((a, b) => a.customer_id.localeCompare(b.customer_id));
  const overpaidOre = creditBalances.reduce((sum, c) => sum + c.amount_ore, 0);

  return {
    buckets,
    totalOre: openOre - overpaidOre,
    creditBalances,
    rows: await pageRows(db, s, selection, dates.rows as DueDateRow[]),
    matching,
    matchingRemainingOre,
  };
}

/**
 * The page's rows. Open invoices sort by due date first (the most days overdue is the earliest
 * due date), so the selection's counts per due date tell which due dates the page spans and how
 * many of the first one's rows precede it: the query reads those due dates only, whatever the
 * page's number, instead of sorting and skipping every open invoice before it.
 */
async function pageRows(db: Db, s: ReceivablesSelection, selection: { sql: string; bindings: string[] }, dates: DueDateRow[]) {
  let before = 0;
  let first: { date: string; skip: number } | null = null;
  let last = '';
  for (const d of dates) {
    const n = Number(d.matching);
    if (n === 0) continue;
    if (!first && before + n > s.offset) first = { date: d.due_date, skip: s.offset - before };
    before += n;
    if (first) last = d.due_date;
    if (first && before >= s.offset + s.limit) break;
  }
  if (!first || s.limit <= 0) return [];
  const rows = await db.raw(
    `SELECT b.series, b.number, b.customer_id, to_char(b.due_date, 'YYYY-MM-DD') AS due_date, b.total_ore, b.credited_ore, b.paid_ore, c.name AS customer_name
       FROM (SELECT * FROM invoice_balances b
              WHERE ${OPEN} AND b.due_date BETWEEN ?::date AND ?::date AND ${selection.sql}
              ORDER BY b.due_date, b.series, b.number LIMIT ? OFFSET ?) b
       LEFT JOIN customers c ON c.customer_id = b.customer_id
      ORDER BY b.due_date, b.series, b.number`,
    [first.date, last, ...selection.bindings, s.limit, first.skip],
  );
  return (rows.rows as { series: string; number: string; customer_id: string; due_date: string; total_ore: string; credited_ore: string; paid_ore: string; customer_name: string | null }[]).map((r) => {
    const figures = { totalOre: Number(r.total_ore), creditedOre: Number(r.credited_ore), paidOre: Number(r.paid_ore) };
    const rec = receivable({ ...figures, dueDate: r.due_date, today: s.today });
    return {
      number: formatInvoiceNumber(r.series, Number(r.number)),
      customer_id: r.customer_id,
      due_date: r.due_date,
      total_ore: figures.totalOre,
      credited_ore: figures.creditedOre,
      paid_ore: figures.paidOre,
      remaining_ore: rec.remainingOre,
      days_overdue: rec.daysOverdue,
      status: rec.status,
      customer_name: r.customer_name ?? '',
    };
  });
}
