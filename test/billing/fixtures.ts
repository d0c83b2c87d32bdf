// Shared test data: the worked example's price list and a small event factory.

import { ARTICLE_INFO } from '../../billing/articles';
import { addDays, stockholmMidnightMs } from '../../billing/period';
import type { Article, PriceItem, PriceList, Role, SubjectType, UsageEvent, Action } from '../../billing/types';

export const CUSTOMER = 'cust-1';

/** billing-rules.md worked example, öre per month. */
export const EXAMPLE_PRICES_ORE: Record<Article, number> = {
  smart: 149_500,
  komplett: 299_500,
  extra_company: 29_500,
  superuser: 39_500,
  portal_user: 19_500,
  archive_user: 9_500,
};

export function priceItem(article: Article, unitPriceOre: number, validFrom = '2024-01-01', includedQuantity?: number): PriceItem {
  return {
    article,
    description: ARTICLE_INFO[article].description,
    legacyDescription: ARTICLE_INFO[article].legacyDescription,
    unitPriceOre,
    vatPercent: 25,
    includedQuantity: includedQuantity ?? (article === 'extra_company' ? 1 : 0),
    validFrom,
  };
}

export function examplePriceList(overrides: Partial<Record<Article, number>> = {}): PriceList {
  const prices = { ...EXAMPLE_PRICES_ORE, ...overrides };
  return Object.fromEntries(
    (Object.keys(prices) as Article[]).map((a) => [a, priceItem(a, prices[a])]),
  ) as PriceList;
}

/** 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:mm' in Stockholm local time -> UTC ms. */
export function sthlm(local: string): number {
  const [date, time = '00:00'] = local.split('T') as [string, string?];
  const [h, m] = time.split(':').map(Number) as [number, number];
  const midnight = stockholmMidnightMs(date);
  // Adding hours to midnight is wrong after 02:00 on a DST-change day: refuse rather than mislead.
  if (h >= 2 && stockholmMidnightMs(addDays(date, 1)) - midnight !== 86_400_000) {
    throw new Error(`sthlm('${local}'): DST day, write the instant in UTC`);
  }
  return midnight + (h * 60 + m) * 60_000;
}

let seq = 0;
export function ev(
  at: number | string,
  subjectType: SubjectType,
  subjectId: string,
  action: Action,
  role: Role | null = null,
  extra: Partial<UsageEvent> = {},
): UsageEvent {
  seq++;
  return {
    eventId: `e${seq}`,
    customerId: CUSTOMER,
    occurredAtMs: typeof at === 'number' ? at : sthlm(at),
    subjectType,
    subjectId,
    action,
    role,
    arrivalSeq: seq,
    ...extra,
  };
}
