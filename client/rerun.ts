import type { Client } from '@temporalio/client';
import type { CloseRun } from '../contracts/close-messages';
import { startCustomerClose, type CloseSettings, type StartOutcome } from './close';
import { periodStatus } from './status';

export type RerunOutcome = StartOutcome | 'already_final';

/**
 * Run the close of some customers again. Safe by construction: the workflow id is the same,
 * a running close is left alone, and a re-run never issues a second invoice. A customer whose
 * invoice is final and live (not credited in full) has nothing to re-run: nothing is started
 * (`already_final`, with the invoice); corrections are credit notes. Without the period's
 * recorded closes (store/close-runs.ts) every customer is started.
 */
export async function rerunCustomers(
  client: Client,
  settings: CloseSettings,
  period: string,
  customerIds: string[],
  runs?: readonly CloseRun[],
): Promise<{ customerId: string; outcome: RerunOutcome; invoiceNumber?: string }[]> {
  const results: { customerId: string; outcome: RerunOutcome; invoiceNumber?: string }[] = [];
  for (const customerId of customerIds) {
    const final = runs ? finalInvoice(runs, customerId) : null;
    if (final) {
      results.push({ customerId, outcome: 'already_final', invoiceNumber: final });
      continue;
    }
    const { outcome } = await startCustomerClose(client, settings, customerId, period);
    results.push({ customerId, outcome });
  }
  return results;
}

/** The customers whose close failed, among the period's recorded closes (store/close-runs.ts). */
export async function failedCustomers(runs: readonly CloseRun[], client: Client, period: string): Promise<string[]> {
  const status = await periodStatus(runs, client, period);
  return status.customers.filter((c) => c.state === 'failed').map((c) => c.customer_id);
}

/** The live invoice of a close recorded final, or null (none, or credited in full: a re-issue may run). */
function finalInvoice(runs: readonly CloseRun[], customerId: string): string | null {
  const run = runs.find((r) => r.customerId === customerId);
  if (run?.state !== 'final') return null;
  const status = run.invoiceFate?.status;
  return status === 'live' || status === 'partly_credited' ? run.invoiceNumber : null;
}
