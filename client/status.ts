import type { Client } from '@temporalio/client';
import type { Db } from '../infra/db';
import type { CloseState } from '../workflows/definitions';
import { formatInvoiceNumber } from '../store/invoices';
import { Failure, FAILURES, isFailureType } from '../workflows/failures';

export interface CustomerCloseStatus {
  customer_id: string;
  state: CloseState;
  invoice_number: string | null;
  reason: string | null;
  /**
   * What became of the invoice: `live`, `partly_credited`, `credited` (credit notes cancel it
   * in full) or `replaced` (a re-issue took its place); null without an invoice.
   */
  invoice_status?: InvoiceStatus | null;
  /** The credit notes issued against the invoice, oldest first. */
  credited_by?: string[];
  /** The invoice that replaced it (a re-issue), if any. */
  replaced_by?: string | null;
  /** The invoice this one re-issues, if it is a re-issue. */
  replaces?: string | null;
  /** A failed close only: what to do about it, from its failure type (workflows/failures.ts). */
  next_step?: string;
}

export interface PeriodStatus {
  period: string;
  customers: CustomerCloseStatus[];
}

export type InvoiceStatus = 'live' | 'partly_credited' | 'credited' | 'replaced';

const UNSETTLED: CloseState[] = ['running', 'awaiting_approval', 'rejected'];

/**
 * Per-customer state of a period's close, from the database (what each close recorded) checked
 * against Temporal's visibility (search attributes): a close the database calls unsettled but
 * whose workflow is no longer running (terminated, timed out) is reported as failed.
 */
export async function periodStatus(db: Db, client: Client | null, period: string): Promise<PeriodStatus> {
  const rows = await db('close_runs as c')
    .leftJoin('invoices as i', 'i.id', 'c.invoice_id')
    .where('c.period', period)
    .orderBy('c.customer_id')
    .select('c.customer_id', 'c.state', 'c.reason', 'c.failure_type', 'c.workflow_id', 'c.invoice_id', 'i.series', 'i.number', 'i.total_ore', 'i.reissue_of');
  const corrections = await invoiceCorrections(db, rows.map((r: CloseRunRow) => r.invoice_id).filter((id: number | null): id is number => id !== null));

  let running: Set<string> | null = null;
  if (client && rows.some((r: { state: CloseState }) => UNSETTLED.includes(r.state))) {
    running = new Set();
    for await (const wf of client.workflow.list({ query: `BillingPeriod = "${period}" AND ExecutionStatus = "Running"` })) running.add(wf.workflowId);
  }
  return {
    period,
    customers: rows.map((r: CloseRunRow) => {
      const lost = running !== null && UNSETTLED.includes(r.state) && !running.has(r.workflow_id);
      const row: CustomerCloseStatus = {
        customer_id: r.customer_id,
        state: lost ? 'failed' : r.state,
        invoice_number: r.series !== null && r.number !== null ? formatInvoiceNumber(r.series, r.number) : null,
        reason: lost ? `its workflow ${r.workflow_id} stopped without an outcome (terminated or timed out)` : r.reason,
        ...invoiceFate(r, corrections),
      };
      if (row.state === 'failed') row.next_step = nextStep(lost ? null : r.failure_type, period, r.customer_id);
      return row;
    }),
  };
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
function invoiceFate(r: CloseRunRow, c: Corrections): Pick<CustomerCloseStatus, 'invoice_status' | 'credited_by' | 'replaced_by' | 'replaces'> {
  if (r.invoice_id === null) return { invoice_status: null, credited_by: [], replaced_by: null, replaces: null };
  const credits = c.credits.get(r.invoice_id) ?? [];
  const replacedBy = c.replacedBy.get(r.invoice_id) ?? null;
  const left = (r.total_ore ?? 0) + credits.reduce((s, k) => s + k.totalOre, 0);
  const invoiceStatus: InvoiceStatus = replacedBy ? 'replaced' : credits.length === 0 ? 'live' : left === 0 ? 'credited' : 'partly_credited';
  return {
    invoice_status: invoiceStatus,
    credited_by: credits.map((k) => k.number),
    replaced_by: replacedBy,
    replaces: r.reissue_of !== null ? (c.numbers.get(r.reissue_of) ?? null) : null,
  };
}

/** The remedy of the failure a close recorded; a close that failed otherwise (or before types were recorded) is re-run. */
export function nextStep(failureType: string | null, period: string, customerId: string): string {
  return FAILURES[isFailureType(failureType) ? failureType : Failure.CloseFailed].remedy({ period, customerId });
}

export function countByState(status: PeriodStatus): Record<CloseState, number> {
  const counts: Record<CloseState, number> = { running: 0, awaiting_approval: 0, rejected: 0, final: 0, nothing_to_bill: 0, failed: 0 };
  for (const c of status.customers) counts[c.state] += 1;
  return counts;
}
