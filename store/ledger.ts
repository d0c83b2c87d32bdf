import { buildLedger, ledgerTotals, type InvoicePayments, type LedgerDocument, type LedgerEntry, type LedgerTotals } from '../billing/ledger';
import { stockholmDate } from '../billing/period';
import type { Knex } from 'knex';
import type { Db } from '../infra/db';
import { paidByInvoice } from './payments';

// The one place every view reads money from (issue #21): the issued invoices and credit notes of
// a period or a customer, with statuses, links and totals from billing/ledger.ts. A credit note
// carries its invoice's period and a re-issue its original's, so a period or a customer always
// holds both ends of every link.

export interface LedgerFilter {
  period?: string;
  customerId?: string;
  /** Customers visible to a partner: only these. */
  customerIds?: string[];
  /** Exactly these customers' periods (a page of a list): each holds both ends of its links. */
  customerPeriods?: { customerId: string; period: string }[];
}

/** Extra input the payments module (issue #22) passes: paid per invoice id, and today. */
export interface LedgerPaymentsInput {
  payments: Map<number, InvoicePayments>;
  today: string;
}

interface LedgerRow {
  id: number;
  kind: 'invoice' | 'credit_note';
  series: string;
  number: number;
  customer_id: string;
  customer_name: string | null;
  period: string;
  issue_date: string;
  due_date: string;
  net_ore: number;
  vat_ore: number;
  rounding_ore: number;
  total_ore: number;
  credit_of: number | null;
  reissue_of: number | null;
}

export async function loadLedgerDocuments(db: Db, filter: LedgerFilter): Promise<LedgerDocument[]> {
  if (!filter.period && !filter.customerId && !filter.customerIds && !filter.customerPeriods) throw new Error('the ledger is read per period or per customer');
  if (filter.customerPeriods?.length === 0) return [];
  const rows = await db('invoices')
    .modify((q) => {
      if (filter.period) q.where('period', filter.period);
      if (filter.customerId) q.where('customer_id', filter.customerId);
      if (filter.customerIds) q.whereIn('customer_id', filter.customerIds);
      // Both lists as arrays (hashed by PostgreSQL); the exact pairs are kept below. A row-valued
      // IN of 200 pairs is an OR PostgreSQL tests row by row.
      if (filter.customerPeriods) {
        q.whereRaw('customer_id = ANY(?::text[])', [[...new Set(filter.customerPeriods.map((cp) => cp.customerId))]]);
        q.whereRaw('period = ANY(?::text[])', [[...new Set(filter.customerPeriods.map((cp) => cp.period))]]);
      }
    })
    .orderBy('id')
    .select(
      'id', 'kind', 'series', 'number', 'customer_id', 'period', 'issue_date', 'due_date', 'net_ore', 'vat_ore', 'rounding_ore', 'total_ore', 'credit_of', 'reissue_of',
      db.raw("buyer->>'name' as customer_name"),
    );
  const pairs = filter.customerPeriods ? new Set(filter.customerPeriods.map((cp) => `${cp.customerId}\u0000${cp.period}`)) : null;
  return (rows as LedgerRow[]).filter((r) => !pairs || pairs.has(`${r.customer_id}\u0000${r.period}`)).map(
    (r): LedgerDocument => ({
      id: r.id,
      kind: r.kind,
      number: `${r.series}${r.number}`,
      customerId: r.customer_id,
      customerName: r.customer_name ?? '',
      period: r.period,
      issueDate: r.issue_date,
      dueDate: r.due_date,
      netOre: r.net_ore,
      vatOre: r.vat_ore,
      roundingOre: r.rounding_ore,
      totalOre: r.total_ore,
      creditOf: r.credit_of,
      reissueOf: r.reissue_of,
    }),
  );
}

/** Every issued document of the filter with its status and links (invoices, then credit notes, by number). */
export async function loadLedger(db: Db, filter: LedgerFilter, payments?: LedgerPaymentsInput): Promise<LedgerEntry[]> {
  const docs = await loadLedgerDocuments(db, filter);
  // Payments recorded against the invoices (issue #22), unless the caller brings its own.
  const paid = payments ?? { payments: await paidByInvoice(db, docs.filter((d) => d.kind === 'invoice').map((d) => d.id)), today: stockholmDate(Date.now()) };
  const entries = buildLedger(docs, { payments: paid.payments, today: paid.today });
  return entries.sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === 'invoice' ? -1 : 1));
}

/** The money of a period: invoices net of their credit notes (billing/ledger.ts ledgerTotals). */
export async function periodTotals(db: Db, period: string): Promise<LedgerTotals> {
  const row = await db('invoices')
    .where({ period })
    .first(
      db.raw("coalesce(sum(total_ore) filter (where kind = 'invoice'), 0)::bigint as invoiced"),
      db.raw("coalesce(sum(total_ore) filter (where kind = 'credit_note'), 0)::bigint as credited"),
      db.raw('coalesce(sum(total_ore), 0)::bigint as total'),
      db.raw('coalesce(sum(net_ore), 0)::bigint as net'),
      db.raw('coalesce(sum(vat_ore), 0)::bigint as vat'),
      db.raw('coalesce(sum(rounding_ore), 0)::bigint as rounding'),
    );
  return { invoiced_ore: row.invoiced, credited_ore: row.credited, total_ore: row.total, net_ore: row.net, vat_ore: row.vat, rounding_ore: row.rounding };
}

export { ledgerTotals };

/** Per article, quantity and amount (excl. moms) of a period's issued documents, net of credit notes. */
export async function periodArticleTotals(db: Db, period: string): Promise<Map<string, { quantity: number; amountOre: number }>> {
  const rows = await db('invoice_lines as l')
    .join('invoices as i', 'i.id', 'l.invoice_id')
    .where('i.period', period)
    .groupBy('l.article')
    .select('l.article', db.raw('sum(l.quantity)::bigint as quantity'), db.raw('sum(l.amount_ore)::bigint as amount'));
  return new Map(rows.map((r: { article: string; quantity: number; amount: number }) => [r.article, { quantity: r.quantity, amountOre: r.amount }]));
}

/**
 * Each customer's newest period with an invoice (among invoices `scope` lets through), with
 * that period's ledger: a partner's overview shows the last invoice net of its credit notes.
 */
export async function lastInvoicedPeriods(db: Db, customerIds: string[], scope: (q: Knex.QueryBuilder) => Knex.QueryBuilder = (q) => q): Promise<LedgerEntry[]> {
  if (customerIds.length === 0) return [];
  const latest: { customer_id: string; period: string }[] = await scope(db('invoices as i'))
    .whereRaw('i.customer_id = ANY(?::text[])', [customerIds])
    .where('i.kind', 'invoice')
    .groupBy('i.customer_id')
    .select('i.customer_id', db.raw('max(i.period) as period'));
  return loadLedger(db, { customerPeriods: latest.map((l) => ({ customerId: l.customer_id, period: l.period })) });
}

/**
 * The live invoice per customer of a period, as the ledger sees it: the newest invoice not
 * replaced by a re-issue. `fullyCredited` when credit notes cancel it (a re-issue may follow).
 */
export function liveInvoices(entries: LedgerEntry[]): Map<string, LedgerEntry> {
  const live = new Map<string, LedgerEntry>();
  for (const e of entries) {
    if (e.kind !== 'invoice' || e.replacedBy !== null) continue;
    const before = live.get(e.customerId);
    if (!before || before.id < e.id) live.set(e.customerId, e);
  }
  return live;
}
