import { periodLockFacts } from './period-locks';
import { fullyCredited, type PriorCredit } from '../billing/credit';
import type { RatedInvoice } from '../billing/types';
import type { Db } from '../infra/db';
import { formatInvoiceNumber, loadIssuedInvoice, parseInvoiceNumber } from './invoices';

// What a correction works from: the invoice as issued and the credit notes already issued
// against it. Called by the client (to refuse early) and, on locked rows, by the issuing
// transaction (to decide).

export interface CreditBasis {
  invoiceId: number;
  number: string;
  customerId: string;
  period: string;
  issueDate: string;
  invoice: RatedInvoice;
  prior: PriorCredit[];
}

/** The invoice (never a credit note) with this number, or null. */
export async function findInvoiceByNumber(db: Db, numberText: string): Promise<{ id: number; number: string } | null> {
  const parsed = parseInvoiceNumber(numberText);
  if (!parsed) return null;
  const row = await db('invoices').where({ series: parsed.series, number: parsed.number, kind: 'invoice' }).first('id', 'series', 'number');
  return row ? { id: row.id, number: formatInvoiceNumber(row.series, row.number) } : null;
}

export async function loadCreditBasis(db: Db, invoiceId: number): Promise<CreditBasis> {
  const issued = await loadIssuedInvoice(db, invoiceId);
  const credits = await db('invoices').where({ credit_of: invoiceId, kind: 'credit_note' }).orderBy('id').pluck('id');
  const prior: PriorCredit[] = [];
  for (const id of credits) {
    const c = await loadIssuedInvoice(db, id);
    prior.push({ number: c.number, credit: c.document.invoice });
  }
  return {
    invoiceId,
    number: issued.number,
    customerId: issued.customerId,
    period: issued.period,
    issueDate: issued.document.issueDate!,
    invoice: issued.document.invoice,
    prior,
  };
}

/**
 * The live invoice of a customer and period: the newest one not replaced by a re-issue, unless
 * credit notes cancel it in full (then a new invoice may be issued, as a re-issue of it).
 */
export async function liveInvoice(db: Db, customerId: string, period: string): Promise<{ id: number; number: string; fullyCredited: boolean } | null> {
  const row = await db('invoices as i')
    .where({ 'i.customer_id': customerId, 'i.period': period, 'i.kind': 'invoice' })
    .whereNotExists(db('invoices as r').whereRaw('r.reissue_of = i.id'))
    .orderBy('i.id', 'desc')
    .first('i.id', 'i.series', 'i.number');
  if (!row) return null;
  const basis = await loadCreditBasis(db, row.id);
  return { id: row.id, number: formatInvoiceNumber(row.series, row.number), fullyCredited: fullyCredited(basis) };
}

export { creditTextProblem } from '../infra/free-text';

/**
 * A refused credit-approve / credit-reject never reaches the workflow's history (the update's
 * validator refused it, or no credit note was running), so it is recorded here, as
 * client/drafts.ts recordRefusal does for invoice drafts: every decision attempt is on record.
 */
export async function recordCreditRefusal(db: Db, r: { workflowId: string; request: 'approve' | 'reject'; by: string; reason: string }): Promise<void> {
  await db('credit_approval_requests').insert({ workflow_id: r.workflowId, request: r.request, requested_by: r.by, outcome: `refused (cli): ${r.reason}`, received_at: new Date() });
}

/**
 * What a credit request is checked against before anything starts (client/credit.ts
 * `requestCredit`): the invoice, an earlier request with the same key, and what is credited so far.
 */
export function creditRequestReads(db: Db) {
  return {
    findInvoice: (numberText: string) => findInvoiceByNumber(db, numberText),
    creditBasis: (invoiceId: number) => loadCreditBasis(db, invoiceId),
    periodLock: (period: string) => periodLockFacts(db, period),
    async previousRequest(requestKey: string): Promise<{ status: string; totalOre: number; creditNote: string | null } | null> {
      const row = await db('credit_requests as c').leftJoin('invoices as i', 'i.id', 'c.credit_note_id').where('c.request_key', requestKey).first('c.status', 'c.rated', 'i.series', 'i.number');
      return row ? { status: row.status, totalOre: row.rated.totalOre, creditNote: row.number ? formatInvoiceNumber(row.series, row.number) : null } : null;
    },
  };
}
