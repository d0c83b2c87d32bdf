import type { Client } from '@temporalio/client';
import type { Db } from '../infra/db';
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

export async function failedCustomers(db: Db, client: Client, period: string): Promise<string[]> {
  const status = await periodStatus(db, client, period);
  return status.customers.filter((c) => c.state === 'failed').map((c) => c.customer_id);
}
