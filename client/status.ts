import type { Client } from '@temporalio/client';
import type { CloseRun, CloseState, InvoiceStatus } from '../contracts/close-messages';
import { Failure, FAILURES, isFailureType } from '../contracts/failures';

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
  /** A failed close only: what to do about it, from its failure type (contracts/failures.ts). */
  next_step?: string;
}

export interface PeriodStatus {
  period: string;
  customers: CustomerCloseStatus[];
}

export type { InvoiceStatus };

const UNSETTLED: CloseState[] = ['running', 'awaiting_approval', 'rejected'];

/**
 * Per-customer state of a period's close: what each close recorded (store/close-runs.ts) checked
 * against Temporal's visibility (search attributes): a close the database calls unsettled but
 * whose workflow is no longer running (terminated, timed out) is reported as failed.
 */
export async function periodStatus(runs: readonly CloseRun[], client: Client | null, period: string): Promise<PeriodStatus> {
  let running: Set<string> | null = null;
  if (client && runs.some((r) => UNSETTLED.includes(r.state))) {
    running = new Set();
    for await (const wf of client.workflow.list({ query: `BillingPeriod = "${period}" AND ExecutionStatus = "Running"` })) running.add(wf.workflowId);
  }
  return {
    period,
    customers: runs.map((r) => {
      const lost = running !== null && UNSETTLED.includes(r.state) && !running.has(r.workflowId);
      const row: CustomerCloseStatus = {
        customer_id: r.customerId,
        state: lost ? 'failed' : r.state,
        invoice_number: r.invoiceNumber,
        reason: lost ? `its workflow ${r.workflowId} stopped without an outcome (terminated or timed out)` : r.reason,
        ...fateColumns(r),
      };
      if (row.state === 'failed') row.next_step = nextStep(lost ? null : r.failureType, period, r.customerId);
      return row;
    }),
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

/** What became of the close's invoice, as the status columns show it. */
function fateColumns(r: CloseRun): Pick<CustomerCloseStatus, 'invoice_status' | 'credited_by' | 'replaced_by' | 'replaces'> {
  const fate = r.invoiceFate;
  if (!fate) return {};
  return { invoice_status: fate.status, credited_by: fate.creditedBy, replaced_by: fate.replacedBy, replaces: fate.replaces };
}
