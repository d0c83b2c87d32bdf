import type { Client } from '@temporalio/client';
import type { Db } from '../infra/db';
import { startCustomerClose, type CloseSettings, type StartOutcome } from './close';
import { periodStatus } from './status';
import { liveInvoice } from '../store/credits';

export type RerunOutcome = StartOutcome | 'already_final';

/**
 * Run the close of some customers again. Safe by construction: the workflow id is the same,
 * a running close is left alone, and a re-run never issues a second invoice. A customer whose
 * invoice is final and live (not credited in full) has nothing to re-run: nothing is started
 * (`already_final`, with the invoice); corrections are credit notes. Without `db` every
 * customer is started, as before.
 */
export async function rerunCustomers(
  client: Client,
  settings: CloseSettings,
  period: string,
  customerIds: string[],
  db?: Db,
): Promise<{ customerId: string; outcome: RerunOutcome; invoiceNumber?: string }[]> {
  const results: { customerId: string; outcome: RerunOutcome; invoiceNumber?: string }[] = [];
  for (const customerId of customerIds) {
    const final = db ? await finalInvoice(db, customerId, period) : null;
    if (final) {
      results.push({ customerId, outcome: 'already_final', invoiceNumber: final });
      continue;
    }
    const { outcome } = await startCustomerClose(client, settings, customerId, period);
    results.push({ customerId, outcome });
  }
  return results;
}

/** The live invoice of a close recorded final, or null (none, or credited in full: a re-issue may run). */
async function finalInvoice(db: Db, customerId: string, period: string): Promise<string | null> {
  const run = await db('close_runs').where({ customer_id: customerId, period }).first('state');
  if (run?.state !== 'final') return null;
  const live = await liveInvoice(db, customerId, period);
  return live && !live.fullyCredited ? live.number : null;
}

export async function failedCustomers(db: Db, client: Client, period: string): Promise<string[]> {
  const status = await periodStatus(db, client, period);
  return status.customers.filter((c) => c.state === 'failed').map((c) => c.customer_id);
}
