import type { Db } from '../infra/db';
import { parseInvoiceNumber } from '../store/invoices';

// Finance's invoice list: a period's invoices and credit notes, or a search across all periods
// by invoice number (F10042, 10042, K5) or customer (number or name).

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
  total_ore: number;
  pdf_sha256: string | null;
  credits: string | null;
  replaces: string | null;
  credited_by: string | null;
}

export async function invoiceList(db: Db, period: string | null, q: string, page: number): Promise<{ rows: InvoiceListRow[]; total: number }> {
  const base = db('invoices as i')
    .join('customers as c', 'c.customer_id', 'i.customer_id')
    .leftJoin('invoices as o', 'o.id', 'i.credit_of')
    .leftJoin('invoices as r', 'r.id', 'i.reissue_of');
  if (period) base.where('i.period', period);
  if (q) {
    const n = parseInvoiceNumber(q);
    const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    base.where((w) => {
      if (n) w.where((x) => x.where('i.number', n.number).modify((y) => (n.series ? y.whereRaw('upper(i.series) = upper(?)', [n.series]) : y)));
      w.orWhereILike('i.customer_id', like).orWhereILike('c.name', like);
    });
  }
  const [{ n }] = await base.clone().count<{ n: string }[]>('* as n');
  const rows = await base
    .clone()
    .leftJoin('invoice_documents as d', 'd.invoice_id', 'i.id')
    .orderBy([{ column: 'i.issue_date', order: 'desc' }, { column: 'i.id', order: 'desc' }])
    .limit(INVOICE_PAGE_SIZE)
    .offset(page * INVOICE_PAGE_SIZE)
    .select(
      'i.id', 'i.kind', db.raw('i.series || i.number as number'), 'i.customer_id', 'c.name as customer_name', 'i.period', 'i.issue_date', 'i.due_date', 'i.total_ore', 'd.pdf_sha256',
      db.raw('o.series || o.number as credits'),
      db.raw('r.series || r.number as replaces'),
      db.raw("(SELECT string_agg(k.series || k.number, ', ' ORDER BY k.number) FROM invoices k WHERE k.credit_of = i.id) as credited_by"),
    );
  return { rows: rows.map((r: InvoiceListRow) => ({ ...r, total_ore: Number(r.total_ore) })), total: Number(n) };
}
