import type { CloseRun, CloseState } from '../contracts/close-messages';
import type { Db } from '../infra/db';
import { formatInvoiceNumber } from './invoices';

/** Every close of the period, by customer id. */
export async function closeRunsOf(db: Db, period: string): Promise<CloseRun[]> {
  const rows: CloseRunRow[] = await db('close_runs as c')
    .leftJoin('invoices as i', 'i.id', 'c.invoice_id')
    .where('c.period', period)
    .orderBy('c.customer_id')
    .select('c.customer_id', 'c.state', 'c.reason', 'c.failure_type', 'c.workflow_id', 'i.series', 'i.number');
  return rows.map((r) => ({
    customerId: r.customer_id,
    state: r.state,
    reason: r.reason,
    failureType: r.failure_type,
    workflowId: r.workflow_id,
    invoiceNumber: r.series !== null && r.number !== null ? formatInvoiceNumber(r.series, r.number) : null,
  }));
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
