import type { Client } from '@temporalio/client';
import type { CloseRun } from '../contracts/close-messages';
import { startCustomerClose, type CloseSettings, type StartOutcome } from './close';
import { periodStatus } from './status';

/**
 * Run the close of some customers again. Safe by construction: the workflow id is the same,
 * a running close is left alone, and a re-run never issues a second invoice.
 */
export async function rerunCustomers(
  client: Client,
  settings: CloseSettings,
  period: string,
  customerIds: string[],
): Promise<{ customerId: string; outcome: StartOutcome }[]> {
  const results: { customerId: string; outcome: StartOutcome }[] = [];
  for (const customerId of customerIds) {
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
