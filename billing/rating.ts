// Rating: usage snapshot + price list + customer terms -> invoice lines and totals,
// or a recorded reason why the period is not billed. Pure integer arithmetic.

import { ARTICLE_INFO } from './articles';
import { roundHalfUpDiv, roundToKronor, sumOre, vatOf } from './money';
import { addDays, isValidDate, type Period } from './period';
import {
  ARTICLES,
  ROLES,
  type Article,
  type CustomerTerms,
  type InvoiceLine,
  type PriceItem,
  type PriceList,
  type RatingOutcome,
  type Role,
  type UsageSnapshot,
  type VatBreakdownRow,
} from './types';

export class RatingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RatingError';
  }
}

/** The snapshot counted other days than the customer's terms bill: take a new snapshot. */
export class CoverageMismatch extends RatingError {
  constructor(message: string) {
    super(message);
    this.name = 'CoverageMismatch';
  }
}

/** Companies included when the price list does not say (billing-rules.md: default 1). */
export const DEFAULT_INCLUDED_COMPANIES = 1;

/** Articles with no price in the list. */
export function missingPrices(prices: Partial<PriceList>): Article[] {
  return ARTICLES.filter((a) => prices[a] === undefined);
}

/**
 * The price list in force for a period: per article, the item with the greatest
 * validFrom <= the period's first day. A price that starts mid-month applies from the
 * next period (a month has one price). Two items for one article and date are a data error.
 */
export function selectPriceList(items: PriceItem[], period: Period): { prices: Partial<PriceList>; missing: Article[] } {
  const prices: Partial<PriceList> = {};
  for (const item of items) {
    if (!(ARTICLES as readonly string[]).includes(item.article)) {
      throw new RatingError(`price list: unknown article '${item.article}'`);
    }
    if (!isValidDate(item.validFrom)) {
      throw new RatingError(`price list: ${item.article} has validFrom '${item.validFrom}', expected YYYY-MM-DD`);
    }
    if (item.validFrom > period.firstDay) continue;
    const current = prices[item.article];
    if (current && current.validFrom === item.validFrom) {
      throw new RatingError(`price list: two prices for ${item.article} valid from ${item.validFrom}`);
    }
    if (!current || item.validFrom > current.validFrom) prices[item.article] = item;
  }
  return { prices, missing: missingPrices(prices) };
}

function checkPriceItem(item: PriceItem, article: Article, period: Period): void {
  const where = `price of ${article} for ${period.id}`;
  if (item.article !== article) throw new RatingError(`${where}: item is for '${item.article}'`);
  if (!Number.isSafeInteger(item.unitPriceOre) || item.unitPriceOre < 0) {
    throw new RatingError(`${where}: unitPriceOre must be a non-negative whole number of öre, got ${item.unitPriceOre}`);
  }
  if (!Number.isSafeInteger(item.vatPercent) || item.vatPercent < 0 || item.vatPercent > 100) {
    throw new RatingError(`${where}: vatPercent must be a whole number 0-100, got ${item.vatPercent}`);
  }
  if (!Number.isSafeInteger(item.includedQuantity) || item.includedQuantity < 0) {
    throw new RatingError(`${where}: includedQuantity must be a non-negative whole number, got ${item.includedQuantity}`);
  }
}

/** Which days of the period are billed, given go-live and the prepaid quarter. */
export function billingCoverage(
  terms: CustomerTerms,
  period: Period,
): { kind: 'full' } | { kind: 'partial'; fromDay: string; billedDays: number } | { kind: 'none'; reason: string } {
  if (!isValidDate(terms.monthlyBillingFrom)) {
    throw new RatingError(`customer ${terms.customerId}: monthlyBillingFrom '${terms.monthlyBillingFrom}' is not YYYY-MM-DD`);
  }
  if (terms.prepaidThrough !== null && !isValidDate(terms.prepaidThrough)) {
    throw new RatingError(`customer ${terms.customerId}: prepaidThrough '${terms.prepaidThrough}' is not YYYY-MM-DD`);
  }
  const afterPrepaid = terms.prepaidThrough === null ? null : addDays(terms.prepaidThrough, 1);
  const from = afterPrepaid !== null && afterPrepaid > terms.monthlyBillingFrom ? afterPrepaid : terms.monthlyBillingFrom;

  if (from > period.lastDay) {
    const reason =
      from === terms.monthlyBillingFrom
        ? `monthly billing for customer ${terms.customerId} starts ${terms.monthlyBillingFrom}; ${period.id} is not billed here`
        : `${period.id} is prepaid through ${terms.prepaidThrough} (quarterly billing)`;
    return { kind: 'none', reason };
  }
  if (from <= period.firstDay) return { kind: 'full' };
  const days = period.daysInMonth - Number(from.slice(8, 10)) + 1;
  return { kind: 'partial', fromDay: from, billedDays: days };
}

/**
 * The day from which usage is counted for the bill, when billing starts inside the period
 * (billing-rules.md, clarified 2026-12); null when the whole period counts or none of it.
 * The usage fold takes this, so that what was active only in prepaid days is not billed.
 */
export function countingStart(terms: CustomerTerms, period: Period): string | null {
  const days = billingCoverage(terms, period);
  return days.kind === 'partial' ? days.fromDay : null;
}

// Tie-break between equally priced roles: the higher role wins.
const ROLE_RANK: Record<Role, number> = { superuser: 0, portal_user: 1, archive_user: 2 };

/**
 * The one article a user is billed under: of the roles it held in the period, the dearest
 * (the higher role on equal prices). Rating and the customer admin's list of users share it.
 */
export function billedRoleOf(user: { userId: string; roles: readonly Role[] }, priceOf: (role: Role) => { unitPriceOre: number }): Role | null {
  let best: Role | null = null;
  for (const role of new Set(user.roles)) {
    if (!ROLES.includes(role)) throw new RatingError(`user '${user.userId}' has unknown role '${role}'`);
    if (best === null) {
      best = role;
      continue;
    }
    const diff = priceOf(role).unitPriceOre - priceOf(best).unitPriceOre;
    if (diff > 0 || (diff === 0 && ROLE_RANK[role] < ROLE_RANK[best])) best = role;
  }
  return best;
}

export function rate(
  snapshot: UsageSnapshot,
  prices: PriceList | Partial<PriceList>,
  terms: CustomerTerms,
  period: Period,
): RatingOutcome {
  if (snapshot.period !== period.id) {
    throw new RatingError(`snapshot is for ${snapshot.period}, rating ${period.id}`);
  }
  if (snapshot.customerId !== terms.customerId) {
    throw new RatingError(`snapshot is for customer ${snapshot.customerId}, terms for ${terms.customerId}`);
  }

  const days = billingCoverage(terms, period);
  if (days.kind === 'none') return { kind: 'nothing_to_bill', reason: days.reason };
  // The snapshot must have counted exactly the billed days, or prepaid days would be billed.
  const expectedFrom = days.kind === 'partial' ? days.fromDay : null;
  if ((snapshot.countedFrom ?? null) !== expectedFrom) {
    throw new CoverageMismatch(
      `usage of customer ${terms.customerId} for ${period.id} was counted from ${snapshot.countedFrom ?? period.firstDay}, ` +
        `but billing starts ${expectedFrom ?? period.firstDay}: the customer's dates changed while the close ran`,
    );
  }

  // Only articles the customer actually uses need a price.
  const priceOf = (article: Article): PriceItem => {
    const item = prices[article];
    if (item === undefined) {
      throw new RatingError(
        `no price for ${article} ('${ARTICLE_INFO[article].description}') in force for ${period.id}; ` +
          `customer ${snapshot.customerId} uses it`,
      );
    }
    checkPriceItem(item, article, period);
    return item;
  };

  const quantities = new Map<Article, number>();
  for (const m of new Set(snapshot.modules)) quantities.set(m, 1);

  const companies = new Set(snapshot.companies).size;
  if (companies > DEFAULT_INCLUDED_COMPANIES || (companies > 0 && prices.extra_company !== undefined)) {
    const extra = companies - priceOf('extra_company').includedQuantity;
    if (extra > 0) quantities.set('extra_company', extra);
  }

  for (const user of snapshot.users) {
    const best = billedRoleOf(user, priceOf);
    if (best !== null) {
      priceOf(best); // a user with a single role still needs that role's price
      quantities.set(best, (quantities.get(best) ?? 0) + 1);
    }
  }

  const reverseCharge = terms.vatTreatment === 'reverse_charge';
  const proRata = days.kind === 'partial' ? { billedDays: days.billedDays, daysInMonth: period.daysInMonth } : null;
  const lines: InvoiceLine[] = [];
  for (const article of ARTICLES) {
    const quantity = quantities.get(article) ?? 0;
    if (quantity === 0) continue;
    const item = priceOf(article);
    const full = BigInt(quantity) * BigInt(item.unitPriceOre);
    const amountOre = proRata
      ? roundHalfUpDiv(full * BigInt(proRata.billedDays), BigInt(proRata.daysInMonth))
      : roundHalfUpDiv(full, 1n);
    lines.push({
      article,
      description: item.description,
      legacyDescription: item.legacyDescription,
      quantity,
      unitPriceOre: item.unitPriceOre,
      amountOre,
      vatPercent: reverseCharge ? 0 : item.vatPercent,
      proRata,
    });
  }
  if (lines.length === 0) {
    return { kind: 'nothing_to_bill', reason: `no active modules, users or extra companies in ${period.id}` };
  }

  const vatBreakdown = vatRows(lines, reverseCharge, period);
  const netOre = sumOre(lines.map((l) => l.amountOre));
  const vatOre = sumOre(vatBreakdown.map((r) => r.vatOre));
  const { roundedOre, roundingOre } = roundToKronor(netOre + vatOre);
  return {
    kind: 'invoice',
    invoice: {
      customerId: snapshot.customerId,
      period: period.id,
      lines,
      vatBreakdown,
      netOre,
      vatOre,
      roundingOre,
      totalOre: roundedOre,
      vatTreatment: terms.vatTreatment,
    },
  };
}

/** VAT per rate on the sum of that rate's lines (never per line), highest rate first. */
function vatRows(lines: InvoiceLine[], reverseCharge: boolean, period: Period): VatBreakdownRow[] {
  const bases = new Map<number, number>();
  for (const l of lines) bases.set(l.vatPercent, sumOre([bases.get(l.vatPercent) ?? 0, l.amountOre]));
  return [...bases]
    .sort((a, b) => b[0] - a[0])
    .map(([vatPercent, baseOre]) => {
      if (reverseCharge) return { vatPercent: 0, vatCategory: 'AE' as const, baseOre, vatOre: 0 };
      if (vatPercent === 0) {
        // 'S' requires a positive rate in EN 16931; a zero-rated domestic sale needs a category we do not model.
        throw new RatingError(`${period.id}: a domestic line has 0 % VAT; only standard-rated or reverse-charge sales are supported`);
      }
      return { vatPercent, vatCategory: 'S' as const, baseOre, vatOre: vatOf(baseOre, vatPercent) };
    });
}
