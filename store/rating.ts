import { countingStart, rate, selectPriceList, RatingError, type Period } from '../billing';
import type { RatingOutcome, UsageSnapshot } from '../billing/types';
import type { Db } from '../infra/db';
import { shown } from '../infra/shown';
import { customerTerms, loadCustomer, type CustomerRecord } from './customers';
import { loadPriceItems } from './prices';
import { foldUsage, type FoldedUsage } from './usage';

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
  if (!customer) throw new UnknownCustomer(`unknown customer ${shown(customerId)}`);
  const { prices } = selectPriceList(await loadPriceItems(db), period);
  const outcome = rate(snapshot, prices, customerTerms(customer), period);
  return { customer, outcome };
}

/**
 * The customer's usage as the bill counts it: the whole period, or only the days after a
 * prepaid quarter or go-live inside it. The draft's snapshot and the preview both fold here.
 */
export async function foldBilledUsage(db: Db, customerId: string, period: Period): Promise<FoldedUsage> {
  const customer = await loadCustomer(db, customerId);
  // An unknown customer has nothing to count from; rating it says why.
  const from = customer ? countingStart(customerTerms(customer), period) : null;
  return foldUsage(db, customerId, period, from);
}

export { RatingError };
