import type { Article, InvoiceLine, RatedInvoice, VatBreakdownRow } from '../billing/types';
import type { Db } from '../infra/db';
import type { BuyerInfo, InvoiceDocument, SellerConfig } from '../pdf/invoice-document';
import { parsePeriod } from '../billing';
import type { InvoiceStatus } from '../billing/ledger';
import { loadLedger } from './ledger';

/** The JSON of an invoice, as interfaces.md names it. */
export interface InvoiceJson {
  /** `credit_note` for a kreditfaktura (negative amounts), which also names the invoice it `credits`. */
  kind: 'invoice' | 'credit_note';
  credits?: string;
  customer_id: string;
  period: string;
  /** Drafts: `draft` or `rejected`; issued invoices: the ledger's status (billing/ledger.ts); credit notes `final`. */
  status: 'draft' | 'rejected' | InvoiceStatus;
  /** Invoices: the credit notes that credit it. */
  credited_by?: string[];
  /** Invoices: the re-issue that replaces it; re-issues: the invoice replaced (`replaces`). */
  replaced_by?: string | null;
  replaces?: string | null;
  /** Invoices: paid so far (0 until payments are recorded) and what is left after credits and payments. */
  paid_ore?: number;
  remaining_ore?: number;
  number: string | null;
  issue_date: string | null;
  due_date: string | null;
  ocr: string | null;
  currency: 'SEK';
  lines: { article: Article; description: string; quantity: number; unit_price_ore: number; amount_ore: number }[];
  net_ore: number;
  vat_ore: number;
  rounding_ore: number;
  total_ore: number;
  pdf_sha256: string | null;
}

export interface IssuedInvoice {
  id: number;
  customerId: string;
  period: string;
  number: string;
  document: InvoiceDocument;
  pdfSha256: string | null;
}

export async function loadIssuedInvoice(db: Db, invoiceId: number): Promise<IssuedInvoice> {
  const row = await db('invoices').where({ id: invoiceId }).first();
  if (!row) throw new Error(`no invoice with id ${invoiceId}`);
  const lines = await db('invoice_lines').where({ invoice_id: invoiceId }).orderBy('position');
  const doc = await db('invoice_documents').where({ invoice_id: invoiceId }).first();
  const period = parsePeriod(row.period);
  const invoice: RatedInvoice = {
    customerId: row.customer_id,
    period: row.period,
    lines: lines.map(
      (l): InvoiceLine => ({
        article: l.article,
        description: l.description,
        legacyDescription: l.legacy_description,
        quantity: l.quantity,
        unitPriceOre: l.unit_price_ore,
        amountOre: l.amount_ore,
        vatPercent: l.vat_percent,
        proRata: l.pro_rata,
      }),
    ),
    vatBreakdown: row.vat_breakdown as VatBreakdownRow[],
    netOre: row.net_ore,
    vatOre: row.vat_ore,
    roundingOre: row.rounding_ore,
    totalOre: row.total_ore,
    vatTreatment: row.vat_treatment,
  };
  const number = formatInvoiceNumber(row.series, row.number);
  let creditOf: string | null = null;
  let creditOfIssueDate: string | null = null;
  if (row.credit_of) {
    const original = await db('invoices').where({ id: row.credit_of }).first('series', 'number', 'issue_date');
    creditOf = formatInvoiceNumber(original.series, original.number);
    creditOfIssueDate = original.issue_date;
  }
  return {
    id: row.id,
    customerId: row.customer_id,
    period: row.period,
    number,
    pdfSha256: doc?.pdf_sha256 ?? null,
    document: {
      kind: 'final',
      seller: row.seller as SellerConfig,
      buyer: row.buyer as BuyerInfo,
      period: { id: period.id, firstDay: period.firstDay, lastDay: period.lastDay },
      number,
      issueDate: row.issue_date,
      dueDate: row.due_date,
      ocr: row.ocr,
      paymentTermsDays: row.payment_terms_days,
      invoice,
      creditOf,
      creditOfIssueDate,
      creditReason: row.credit_reason ?? null,
    },
  };
}

/** Invoice numbers are printed as the series letter and the number, e.g. F10001. */
export function formatInvoiceNumber(series: string, number: number): string {
  return `${series}${number}`;
}

/** Numbers stay exact JavaScript integers: anything larger cannot be an invoice's. */
const MAX_INVOICE_NUMBER = Number.MAX_SAFE_INTEGER;

/** `F10001` → series F, number 10001; null when the text cannot be an invoice number. */
export function parseInvoiceNumber(text: string): { series: string; number: number } | null {
  const m = /^([A-Za-z]{0,10})(\d{1,16})$/.exec(text.trim());
  if (!m || Number(m[2]) > MAX_INVOICE_NUMBER) return null;
  return { series: m[1], number: Number(m[2]) };
}

/** The contract's JSON of rated content; the caller says whose number and dates it carries. */
function invoiceJson(
  r: RatedInvoice,
  head: Pick<InvoiceJson, 'kind' | 'credits' | 'customer_id' | 'period' | 'status' | 'number' | 'issue_date' | 'due_date' | 'ocr' | 'pdf_sha256'>,
): InvoiceJson {
  return {
    ...head,
    currency: 'SEK',
    lines: r.lines.map((l) => ({ article: l.article, description: l.description, quantity: l.quantity, unit_price_ore: l.unitPriceOre, amount_ore: l.amountOre })),
    net_ore: r.netOre,
    vat_ore: r.vatOre,
    rounding_ore: r.roundingOre,
    total_ore: r.totalOre,
  };
}

/** Issued invoices of a period plus the drafts still waiting, in the contract's JSON. */
export async function listInvoicesJson(db: Db, period: string): Promise<InvoiceJson[]> {
  // Invoices first, then credit notes (each series in number order).
  const issued = await db('invoices').where({ period }).orderBy([{ column: 'kind', order: 'desc' }, 'number']).select('id');
  const ledger = new Map((await loadLedger(db, { period })).map((e) => [e.id, e]));
  const result: InvoiceJson[] = [];
  for (const { id } of issued) {
    const inv = await loadIssuedInvoice(db, id);
    const d = inv.document;
    const e = ledger.get(id)!;
    const links =
      e.kind === 'invoice'
        ? { credited_by: e.creditedBy, replaced_by: e.replacedBy, replaces: e.replaces, paid_ore: e.paidOre, remaining_ore: e.remainingOre }
        : {};
    result.push({
      ...invoiceJson(d.invoice, {
        kind: d.creditOf ? 'credit_note' : 'invoice',
        ...(d.creditOf ? { credits: d.creditOf } : {}),
        customer_id: inv.customerId, period, status: e.status, number: inv.number, issue_date: d.issueDate, due_date: d.dueDate, ocr: d.ocr, pdf_sha256: inv.pdfSha256 }),
      ...links,
    });
  }
  // The newest draft of every customer that has no invoice from that draft or a later one
  // (a re-issue after a full credit drafts again).
  const drafts = await db('drafts as d')
    .where('d.period', period)
    .whereIn('d.status', ['awaiting_approval', 'rejected', 'approved'])
    .whereNotExists(db('invoices as i').join('drafts as id', 'id.id', 'i.draft_id').whereRaw('i.customer_id = d.customer_id AND i.period = d.period AND id.version >= d.version'))
    .whereNotExists(db('drafts as newer').whereRaw('newer.customer_id = d.customer_id AND newer.period = d.period AND newer.version > d.version'))
    .orderBy('d.customer_id')
    .select('d.*');
  for (const d of drafts) {
    const status = d.status === 'rejected' ? 'rejected' : 'draft';
    result.push(invoiceJson(d.rated as RatedInvoice, { kind: 'invoice', customer_id: d.customer_id, period, status, number: null, issue_date: null, due_date: null, ocr: null, pdf_sha256: d.pdf_sha256 }));
  }
  return result;
}
