import type { CloseRun, CloseState, InvoiceFate, InvoiceStatus } from '../contracts/close-messages';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from './invoices';

/** Every close of the period, by customer id, with what became of its invoice. */
export async function closeRunsOf(db: Db, period: string): Promise<CloseRun[]> {
  const rows: CloseRunRow[] = await db('close_runs as c')
    .leftJoin('invoices as i', 'i.id', 'c.invoice_id')
    .where('c.period', period)
    .orderBy('c.customer_id')
    .select('c.customer_id', 'c.state', 'c.reason', 'c.failure_type', 'c.workflow_id', 'c.invoice_id', 'i.series', 'i.number', 'i.total_ore', 'i.reissue_of');
  const corrections = await invoiceCorrections(db, rows.map((r) => r.invoice_id).filter((id): id is number => id !== null));
  return rows.map((r) => ({
    customerId: r.customer_id,
    state: r.state,
    reason: r.reason,
    failureType: r.failure_type,
    workflowId: r.workflow_id,
    invoiceNumber: r.series !== null && r.number !== null ? formatInvoiceNumber(r.series, r.number) : null,
    invoiceFate: invoiceFate(r, corrections),
  }));
}

interface CloseRunRow {
  customer_id: string;
  state: CloseState;
  reason: string | null;
  failure_type: string | null;
  workflow_id: string;
  invoice_id: number | null;
  series: string | null;
  number: number | null;
  total_ore: number | null;
  reissue_of: number | null;
}

interface Corrections {
  /** Per invoice id: its credit notes (number, total) oldest first. */
  credits: Map<number, { number: string; totalOre: number }[]>;
  /** Per invoice id: the number of the invoice that re-issues it. */
  replacedBy: Map<number, string>;
  /** Per invoice id: its number (for the invoices re-issued). */
  numbers: Map<number, string>;
}

/** The credit notes and re-issues of these invoices, and the numbers of the ones they re-issue. */
async function invoiceCorrections(db: Db, invoiceIds: number[]): Promise<Corrections> {
  const result: Corrections = { credits: new Map(), replacedBy: new Map(), numbers: new Map() };
  if (invoiceIds.length === 0) return result;
  const related = await db('invoices')
    .whereIn('credit_of', invoiceIds)
    .orWhereIn('reissue_of', invoiceIds)
    .orWhereIn('id', db('invoices').whereIn('id', invoiceIds).whereNotNull('reissue_of').select('reissue_of'))
    .orderBy('id')
    .select('id', 'kind', 'series', 'number', 'total_ore', 'credit_of', 'reissue_of');
  for (const r of related) {
    const number = formatInvoiceNumber(r.series, r.number);
    result.numbers.set(r.id, number);
    if (r.kind === 'credit_note' && r.credit_of !== null) result.credits.set(r.credit_of, [...(result.credits.get(r.credit_of) ?? []), { number, totalOre: r.total_ore }]);
    if (r.kind === 'invoice' && r.reissue_of !== null && invoiceIds.includes(r.reissue_of)) result.replacedBy.set(r.reissue_of, number);
  }
  return result;
}

/** What became of the close's invoice: credited, replaced, or live. */
function invoiceFate(r: CloseRunRow, c: Corrections): InvoiceFate {
  if (r.invoice_id === null) return { status: null, creditedBy: [], replacedBy: null, replaces: null };
  const credits = c.credits.get(r.invoice_id) ?? [];
  const replacedBy = c.replacedBy.get(r.invoice_id) ?? null;
  const left = (r.total_ore ?? 0) + credits.reduce((s, k) => s + k.totalOre, 0);
  const status: InvoiceStatus = replacedBy ? 'replaced' : credits.length === 0 ? 'live' : left === 0 ? 'credited' : 'partly_credited';
  return { status, creditedBy: credits.map((k) => k.number), replacedBy, replaces: r.reissue_of !== null ? (c.numbers.get(r.reissue_of) ?? null) : null };
}
