import { AGEING_BUCKETS, receivable, type AgeingBucket } from '../billing/receivable';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from './invoices';
import type { ReceivableJson, ReceivablesJson } from './receivables';

// Finance's Kundfordringar computed in PostgreSQL, so a page reads one page of invoice rows
// however large the book: the filter, the order and the page over the open invoices of
// invoice_balances (migration 016), and the buckets, the 1510 total, the credit balances and the
// filter's count and sum as aggregates. The SQL states billing/receivable.ts's rules over the
// balance sums (remaining = to pay − paid, overpaid = paid − max(0, to pay), days overdue from
// today, AGEING_BUCKETS); the rows' status comes from `receivable()` itself, and
// test/store/receivables-page.test.ts holds every figure equal to `listReceivables`'.

/** An invoice with something left to pay (the partial indexes of migration 016 say it alike). */
const OPEN = 'b.paid_ore < b.total_ore + b.credited_ore';
/** Paid beyond what was to pay: the excess is the customer's credit balance. */
const OVERPAID = 'b.paid_ore > GREATEST(0, b.total_ore + b.credited_ore)';

export interface ReceivablesSelection {
  /** The Stockholm date the page ages by (never the database's clock). */
  today: string;
  overdue: boolean;
  /** A customer number, exactly; '' for all. */
  customerId: string;
  /** Part of an invoice number, customer number or customer name; '' for all. */
  search: string;
  offset: number;
  limit: number;
}

export interface ReceivablesSummary {
  /** The whole book's, as `receivables list --json` has them. */
  buckets: ReceivablesJson['buckets'];
  totalOre: number;
  creditBalances: ReceivablesJson['credit_balances'];
  /** The selection's open invoices from `offset`, oldest debt first (then due date, then number). */
  rows: (ReceivableJson & { customer_name: string })[];
  /** How many open invoices the selection holds, and what remains on them. */
  matching: number;
  matchingRemainingOre: number;
}

const like = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** The selection as SQL over invoice_balances `b` (open rows only), with its bindings. */
function selectionSql(s: ReceivablesSelection): { sql: string; bindings: (string | number)[] } {
  const parts: string[] = [];
  const bindings: (string | number)[] = [];
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
    parts.push(`((b.series || b.number::text) ILIKE ? OR b.customer_id ILIKE ? OR b.customer_id IN (SELECT customer_id FROM customers WHERE name ILIKE ?))`);
    bindings.push(like(s.search), like(s.search), like(s.search));
  }
  return { sql: parts.length ? parts.join(' AND ') : 'true', bindings };
}

/** The bucket of an open invoice, from AGEING_BUCKETS (`?::date - due_date` is daysBetween). */
const bucketSql = `CASE ${AGEING_BUCKETS.filter((b) => Number.isFinite(b.lastDayOverdue))
  .map((b) => `WHEN ?::date - b.due_date <= ${b.lastDayOverdue} THEN '${b.bucket}'`)
  .join(' ')} ELSE '${AGEING_BUCKETS[AGEING_BUCKETS.length - 1].bucket}' END`;
const bucketBindings = (today: string) => AGEING_BUCKETS.filter((b) => Number.isFinite(b.lastDayOverdue)).map(() => today);

export async function receivablesSummary(db: Db, s: ReceivablesSelection): Promise<ReceivablesSummary> {
  const selection = selectionSql(s);
  // One pass over the open invoices: what each bucket holds, and the selection's part of it.
  const ageing = db.raw(
    `SELECT ${bucketSql} AS bucket, SUM(b.total_ore + b.credited_ore - b.paid_ore)::bigint AS remaining,
            COUNT(*) FILTER (WHERE ${selection.sql})::bigint AS matching,
            COALESCE(SUM(b.total_ore + b.credited_ore - b.paid_ore) FILTER (WHERE ${selection.sql}), 0)::bigint AS matching_remaining
       FROM invoice_balances b WHERE ${OPEN} GROUP BY 1`,
    [...bucketBindings(s.today), ...selection.bindings, ...selection.bindings],
  );
  const credits = db.raw(
    `SELECT b.customer_id, SUM(b.paid_ore - GREATEST(0, b.total_ore + b.credited_ore))::bigint AS amount
       FROM invoice_balances b WHERE ${OVERPAID} GROUP BY b.customer_id`,
  );
  // Open rows only, so "most days overdue, then earliest due date" is the earliest due date.
  const page = db.raw(
    `SELECT b.series, b.number, b.customer_id, to_char(b.due_date, 'YYYY-MM-DD') AS due_date, b.total_ore, b.credited_ore, b.paid_ore, c.name AS customer_name
       FROM invoice_balances b LEFT JOIN customers c ON c.customer_id = b.customer_id
      WHERE ${OPEN} AND ${selection.sql}
      ORDER BY b.due_date, b.series, b.number LIMIT ? OFFSET ?`,
    [...selection.bindings, s.limit, s.offset],
  );
  const [ageingRows, creditRows, pageRows] = await Promise.all([ageing, credits, page]);

  const buckets: Record<AgeingBucket, number> = { not_due: 0, '1-30': 0, '31-60': 0, '61-90': 0, over_90: 0 };
  let openOre = 0;
  let matching = 0;
  let matchingRemainingOre = 0;
  for (const r of ageingRows.rows as { bucket: AgeingBucket; remaining: string; matching: string; matching_remaining: string }[]) {
    buckets[r.bucket] = Number(r.remaining);
    openOre += Number(r.remaining);
    matching += Number(r.matching);
    matchingRemainingOre += Number(r.matching_remaining);
  }
  const creditBalances = (creditRows.rows as { customer_id: string; amount: string }[])
    .map((r) => ({ customer_id: r.customer_id, amount_ore: Number(r.amount) }))
    .sort((a, b) => a.customer_id.localeCompare(b.customer_id));
  const overpaidOre = creditBalances.reduce((sum, c) => sum + c.amount_ore, 0);

  const rows = (pageRows.rows as { series: string; number: string; customer_id: string; due_date: string; total_ore: string; credited_ore: string; paid_ore: string; customer_name: string | null }[]).map((r) => {
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
  return { buckets, totalOre: openOre - overpaidOre, creditBalances, rows, matching, matchingRemainingOre };
}
