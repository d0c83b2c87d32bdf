import { rate, selectPriceList, RatingError, type Period } from '../billing';
import type { RatingOutcome, UsageSnapshot } from '../billing/types';
import type { Db } from '../infra/db';
import { customerTerms, loadCustomer, type CustomerRecord } from './customers';
import { loadPriceItems } from './prices';

export class UnknownCustomer extends Error {}

/**
 * The one rating path: master data + the price list in force + a snapshot -> lines and totals.
 * The portal preview and the invoice draft both call this, so they cannot disagree.
 */
export async function rateCustomer(
  db: Db,
  customerId: string,
  period: Period,
  snapshot: UsageSnapshot,
): Promise<{ customer: CustomerRecord; outcome: RatingOutcome }> {
  const customer = await loadCustomer(db, customerId);
  if (!customer) throw new UnknownCustomer(`unknown customer ${customerId}: import it with 'month-close customers import FILE'`);
  const { prices } = selectPriceList(await loadPriceItems(db), period);
  const outcome = rate(snapshot, prices, customerTerms(customer), period);
  return { customer, outcome };
}

export { RatingError };
