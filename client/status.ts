import type { Client } from '@temporalio/client';
import type { Db } from '../infra/db';
import type { CloseState } from '../contracts/close-messages';
import { formatInvoiceNumber } from '../store/invoices';
import { Failure, FAILURES, isFailureType } from '../contracts/failures';

export interface CustomerCloseStatus {
  customer_id: string;
  state: CloseState;
  invoice_number: string | null;
  reason: string | null;
  /** A failed close only: what to do about it, from its failure type (workflows/failures.ts). */
  next_step?: string;
}

export interface PeriodStatus {
  period: string;
  customers: CustomerCloseStatus[];
}

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
    .select('c.customer_id', 'c.state', 'c.reason', 'c.failure_type', 'c.workflow_id', 'i.series', 'i.number');

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
  series: string | null;
  number: number | null;
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
