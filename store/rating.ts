import { countingStart, rate, selectPriceList, RatingError, type Period } from '../billing';
import type { RatingOutcome, UsageSnapshot } from '../billing/types';
import type { Db } from '../infra/db';
import { shown } from '../infra/shown';
import { customerTerms, loadCustomer, loadCustomers, type CustomerRecord } from './customers';
import { loadPriceItems } from './prices';
import { foldUsage, foldUsageMany, type FoldedUsage } from './usage';

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

/** What the month so far bills one customer of a page: its fold and the rating, or why it cannot be rated. */
export interface CustomerPreview {
  usage: FoldedUsage;
  outcome: RatingOutcome | null;
  /** Set when rating refused (e.g. an unknown customer or no price): the error's message. */
  problem: string | null;
}

/**
 * foldBilledUsage and rateCustomer for many customers of one period: the customers, the price
 * list and every customer's events each read once, then the same pure fold and rating, so each
 * customer's figures equal what the one-customer path gives (a partner's overview of a page).
 */
export async function previewCustomers(db: Db, customerIds: string[], period: Period): Promise<Map<string, CustomerPreview>> {
  const [customers, items] = await Promise.all([loadCustomers(db, customerIds), loadPriceItems(db)]);
  const from = new Map(customerIds.map((id) => [id, customers.has(id) ? countingStart(customerTerms(customers.get(id)!), period) : null]));
  const folded = await foldUsageMany(db, period, from);
  const result = new Map<string, CustomerPreview>();
  for (const id of customerIds) {
    const usage = folded.get(id)!;
    const customer = customers.get(id);
    try {
      if (!customer) throw new UnknownCustomer(`unknown customer ${shown(id)}`);
      const { prices } = selectPriceList(items, period);
      result.set(id, { usage, outcome: rate(usage.snapshot, prices, customerTerms(customer), period), problem: null });
    } catch (err) {
      result.set(id, { usage, outcome: null, problem: (err as Error).message });
    }
  }
  return result;
}

export { RatingError };
