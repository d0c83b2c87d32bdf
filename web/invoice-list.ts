import { linksSv, type InvoiceStatus, type LedgerEntry, type LedgerTotals } from '../billing/ledger';
import type { Db } from '../infra/db';
import { parseInvoiceNumber } from '../store/invoices';
import { loadLedger, periodTotals } from '../store/ledger';

// Finance's invoice list: a period's invoices and credit notes, or a search across all periods
// by invoice number (F10042, 10042, K5) or customer (number or name). Statuses, links and the
// money after credit notes come from the ledger (store/ledger.ts), as in `invoices list --json`.

export const INVOICE_PAGE_SIZE = 200;

export interface InvoiceListRow {
  id: number;
  kind: 'invoice' | 'credit_note';
  number: string;
  customer_id: string;
  customer_name: string;
  period: string;
  issue_date: string;
  due_date: string | null;
  /** As on the document (a credit note's is negative). */
  total_ore: number;
  /** Invoices: after their credit notes (the ledger's netTotalOre); credit notes: null (counted on their invoice). */
  net_total_ore: number | null;
  status: InvoiceStatus;
  /** "krediterad av K1 · ersatt av F10400" (billing/ledger.ts linksSv). */
  links: string;
  pdf_sha256: string | null;
}

/** What every invoice table of the console shows of a ledger entry (the list, a customer's page). */
export function ledgerRowView(e: LedgerEntry) {
  return {
    kind: e.kind,
    number: e.number,
    period: e.period,
    issue_date: e.issueDate,
    due_date: e.dueDate,
    total_ore: e.totalOre,
    net_total_ore: e.kind === 'invoice' ? e.netTotalOre : null,
    status: e.status,
    links: linksSv(e),
  };
}

/** A page of the list; `totals` are the period's money net of credit notes (not for a search). */
export async function invoiceList(db: Db, period: string | null, q: string, page: number): Promise<{ rows: InvoiceListRow[]; total: number; totals: LedgerTotals | null }> {
  const base = db('invoices as i').join('customers as c', 'c.customer_id', 'i.customer_id');
  if (period) base.where('i.period', period);
  if (q) {
    const n = parseInvoiceNumber(q);
    const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    base.where((w) => {
      if (n) w.where((x) => x.where('i.number', n.number).modify((y) => (n.series ? y.whereRaw('upper(i.series) = upper(?)', [n.series]) : y)));
      w.orWhereILike('i.customer_id', like).orWhereILike('c.name', like);
    });
  }
  const [[{ n }], rows, totals] = await Promise.all([
    base.clone().count<{ n: string }[]>('* as n'),
    base
      .clone()
      .leftJoin('invoice_documents as d', 'd.invoice_id', 'i.id')
      .orderBy([{ column: 'i.issue_date', order: 'desc' }, { column: 'i.id', order: 'desc' }])
      .limit(INVOICE_PAGE_SIZE)
      .offset(page * INVOICE_PAGE_SIZE)
      .select('i.id', 'i.customer_id', 'c.name as customer_name', 'i.period', 'd.pdf_sha256'),
    period && !q ? periodTotals(db, period) : null,
  ]);
  // The ledger of the page's customers' periods: each holds both ends of every link.
  const pairs = [...new Map(rows.map((r: { customer_id: string; period: string }) => [`${r.customer_id}\u0000${r.period}`, { customerId: r.customer_id, period: r.period }])).values()];
  const ledger = new Map((await loadLedger(db, { customerPeriods: pairs })).map((e) => [e.id, e]));
  return {
    rows: rows.map((r: { id: number; customer_name: string; pdf_sha256: string | null }): InvoiceListRow => {
      const e = ledger.get(r.id)!;
      return { id: e.id, customer_id: e.customerId, customer_name: r.customer_name, ...ledgerRowView(e), pdf_sha256: r.pdf_sha256 };
    }),
    total: Number(n),
    totals,
  };
}
