import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ARTICLE_INFO } from '../../billing/articles';
import { parsePeriod } from '../../billing/period';
import { billingCoverage, countingStart, CoverageMismatch, missingPrices, rate as rateSnapshot, RatingError, selectPriceList } from '../../billing/rating';
import { buildSnapshot, compareEvents } from '../../billing/snapshot';
import type { CustomerTerms, PriceList, RatedInvoice, RatingOutcome, UsageEvent, UsageSnapshot } from '../../billing/types';
import type { Period } from '../../billing/period';
import { CUSTOMER, ev, examplePriceList, priceItem } from './fixtures';

const NOV = parsePeriod('2024-11');

const TERMS: CustomerTerms = { customerId: CUSTOMER, monthlyBillingFrom: '2024-01-01', prepaidThrough: null, vatTreatment: 'domestic' };

function snapshot(partial: Partial<UsageSnapshot> = {}, period = '2024-11'): UsageSnapshot {
  return { customerId: CUSTOMER, period, modules: [], users: [], companies: [], ...partial };
}

/** The worked example's usage. */
const EXAMPLE = snapshot({
  modules: ['smart'],
  users: [
    { userId: 'p1', roles: ['portal_user'] },
    { userId: 'p2', roles: ['portal_user'] },
    { userId: 's1', roles: ['portal_user', 'superuser'] },
  ],
  companies: ['k1', 'k2', 'k3'],
});

/**
 * Rates a snapshot counted as production counts it: from the day billing starts when that is
 * inside the period (the fold in store/rating.ts does the same through countingStart).
 */
function rate(s: UsageSnapshot, prices: Partial<PriceList>, terms: CustomerTerms, period: Period): RatingOutcome {
  const from = countingStart(terms, period);
  return rateSnapshot(from === null ? s : { ...s, countedFrom: from }, prices, terms, period);
}

function invoiceOf(outcome: RatingOutcome): RatedInvoice {
  if (outcome.kind !== 'invoice') throw new Error(`expected an invoice, got: ${outcome.reason}`);
  return outcome.invoice;
}

describe('rate: the worked example in billing-rules.md', () => {
  it('produces the exact lines and totals', () => {
    const inv = invoiceOf(rate(EXAMPLE, examplePriceList(), TERMS, NOV));
    expect(inv.lines.map((l) => [l.description, l.quantity, l.unitPriceOre, l.amountOre])).toEqual([
      ['OneStop Reporting - Smart', 1, 149_500, 149_500],
      ['OneStop Reporting - Extra företag', 2, 29_500, 59_000],
      ['OneStop Reporting - Superanvändare', 1, 39_500, 39_500],
      ['OneStop Reporting - Portalanvändare', 2, 19_500, 39_000],
    ]);
    expect(inv.lines.every((l) => l.proRata === null && l.vatPercent === 25)).toBe(true);
    expect(inv.lines[0]!.legacyDescription).toBe('OneStop Reporting Integration Fee');
    expect(inv.netOre).toBe(287_000);
    expect(inv.vatOre).toBe(71_750);
    expect(inv.roundingOre).toBe(50);
    expect(inv.totalOre).toBe(358_800);
    expect(inv.vatBreakdown).toEqual([{ vatPercent: 25, vatCategory: 'S', baseOre: 287_000, vatOre: 71_750 }]);
    expect(inv).toMatchObject({ customerId: CUSTOMER, period: '2024-11', vatTreatment: 'domestic' });
  });
});

describe('rate: quantities', () => {
  it('bills each module once, in fixed article order', () => {
    const inv = invoiceOf(rate(snapshot({ modules: ['smart', 'komplett'] }), examplePriceList(), TERMS, NOV));
    expect(inv.lines.map((l) => [l.article, l.quantity, l.amountOre])).toEqual([
      ['smart', 1, 149_500],
      ['komplett', 1, 299_500],
    ]);
  });

  it('lines follow smart, komplett, extra_company, superuser, portal_user, archive_user', () => {
    const inv = invoiceOf(
      rate(
        snapshot({
          modules: ['komplett', 'smart'],
          users: [
            { userId: 'a', roles: ['archive_user'] },
            { userId: 'b', roles: ['portal_user'] },
            { userId: 'c', roles: ['superuser'] },
          ],
          companies: ['x', 'y'],
        }),
        examplePriceList(),
        TERMS,
        NOV,
      ),
    );
    expect(inv.lines.map((l) => l.article)).toEqual(['smart', 'komplett', 'extra_company', 'superuser', 'portal_user', 'archive_user']);
  });

  it('bills a user once, under the most expensive role held, whichever direction the change went', () => {
    const roles = [
      ['portal_user', 'superuser'],
      ['superuser', 'portal_user'],
      ['archive_user', 'portal_user'],
      ['archive_user', 'portal_user', 'superuser'],
    ] as const;
    const expected = ['superuser', 'superuser', 'portal_user', 'superuser'];
    roles.forEach((r, i) => {
      const inv = invoiceOf(rate(snapshot({ users: [{ userId: 'u', roles: [...r] }] }), examplePriceList(), TERMS, NOV));
      expect(inv.lines.map((l) => [l.article, l.quantity])).toEqual([[expected[i], 1]]);
    });
  });

  it('picks by price from the price list, not by role name', () => {
    // A price list where archive users cost the most.
    const prices = examplePriceList({ archive_user: 50_000 });
    const inv = invoiceOf(rate(snapshot({ users: [{ userId: 'u', roles: ['archive_user', 'superuser'] }] }), prices, TERMS, NOV));
    expect(inv.lines.map((l) => l.article)).toEqual(['archive_user']);
  });

  it('breaks price ties superuser > portal_user > archive_user', () => {
    const prices = examplePriceList({ superuser: 10_000, portal_user: 10_000, archive_user: 10_000 });
    const one = (roles: UsageSnapshot['users'][number]['roles']) =>
      invoiceOf(rate(snapshot({ users: [{ userId: 'u', roles }] }), prices, TERMS, NOV)).lines[0]!.article;
    expect(one(['archive_user', 'portal_user'])).toBe('portal_user');
    expect(one(['portal_user', 'archive_user'])).toBe('portal_user');
    expect(one(['archive_user', 'superuser'])).toBe('superuser');
    expect(one(['portal_user', 'superuser', 'archive_user'])).toBe('superuser');
  });

  it('extra companies: max(0, distinct companies − included)', () => {
    const qty = (companies: string[], included?: number) => {
      const prices = examplePriceList();
      if (included !== undefined) prices.extra_company = { ...prices.extra_company, includedQuantity: included };
      const out = rate(snapshot({ modules: ['smart'], companies }), prices, TERMS, NOV);
      return invoiceOf(out).lines.find((l) => l.article === 'extra_company')?.quantity ?? 0;
    };
    expect(qty([])).toBe(0);
    expect(qty(['a'])).toBe(0);
    expect(qty(['a', 'b'])).toBe(1);
    expect(qty(['a', 'b', 'b', 'c'])).toBe(2); // distinct
    expect(qty(['a', 'b', 'c'], 3)).toBe(0);
    expect(qty(['a', 'b', 'c'], 0)).toBe(3);
  });

  it('needs no extra_company price while companies fit in the default inclusion of 1', () => {
    const { extra_company: _, ...prices } = examplePriceList();
    const inv = invoiceOf(rate(snapshot({ modules: ['smart'], companies: ['a'] }), prices, TERMS, NOV));
    expect(inv.lines.map((l) => l.article)).toEqual(['smart']);
  });
});

describe('rate: nothing to bill', () => {
  it('no active modules, users or extra companies', () => {
    expect(rate(snapshot({ companies: ['only-one'] }), examplePriceList(), TERMS, NOV)).toEqual({
      kind: 'nothing_to_bill',
      reason: 'no active modules, users or extra companies in 2024-11',
    });
    expect(rate(snapshot(), examplePriceList(), TERMS, NOV).kind).toBe('nothing_to_bill');
  });

  it('months before monthly billing starts', () => {
    const terms = { ...TERMS, monthlyBillingFrom: '2024-12-01' };
    expect(rate(EXAMPLE, examplePriceList(), terms, NOV)).toEqual({
      kind: 'nothing_to_bill',
      reason: `monthly billing for customer ${CUSTOMER} starts 2024-12-01; 2024-11 is not billed here`,
    });
  });

  it('months fully inside the prepaid quarter', () => {
    const terms = { ...TERMS, prepaidThrough: '2024-11-30' };
    expect(rate(EXAMPLE, examplePriceList(), terms, NOV)).toEqual({
      kind: 'nothing_to_bill',
      reason: '2024-11 is prepaid through 2024-11-30 (quarterly billing)',
    });
  });

  it('does not ask for prices of a month that is not billed', () => {
    const terms = { ...TERMS, monthlyBillingFrom: '2025-02-01' };
    expect(rate(EXAMPLE, {}, terms, NOV).kind).toBe('nothing_to_bill');
  });
});

describe('rate: transition from quarterly billing (pro rata)', () => {
  it('prepaid through 2024-11-15 bills 15/30 of every line', () => {
    const terms = { ...TERMS, prepaidThrough: '2024-11-15' };
    const inv = invoiceOf(rate(EXAMPLE, examplePriceList(), terms, NOV));
    expect(inv.lines.map((l) => [l.article, l.quantity, l.amountOre, l.proRata])).toEqual([
      ['smart', 1, 74_750, { billedDays: 15, daysInMonth: 30 }],
      ['extra_company', 2, 29_500, { billedDays: 15, daysInMonth: 30 }],
      ['superuser', 1, 19_750, { billedDays: 15, daysInMonth: 30 }],
      ['portal_user', 2, 19_500, { billedDays: 15, daysInMonth: 30 }],
    ]);
    expect(inv.netOre).toBe(143_500);
    expect(inv.vatOre).toBe(35_875);
    expect(inv.totalOre).toBe(179_400);
    expect(inv.roundingOre).toBe(25);
  });

  it('rounds each pro-rata line half-up to whole öre with exact integer arithmetic', () => {
    // 149 500 × 10 / 31 = 48 225.806… -> 48 226; 19 500 × 3 × 10 / 31 = 18 870.967… -> 18 871
    const dec = parsePeriod('2024-12');
    const terms = { ...TERMS, prepaidThrough: '2024-12-21' };
    const s = snapshot({ modules: ['smart'], users: ['a', 'b', 'c'].map((userId) => ({ userId, roles: ['portal_user' as const] })) }, '2024-12');
    const inv = invoiceOf(rate(s, examplePriceList(), terms, dec));
    expect(inv.lines.map((l) => l.amountOre)).toEqual([48_226, 18_871]);
    // exactly half an öre rounds up: 1 öre × 15/30 = 0.5 -> 1
    const half = invoiceOf(rate(snapshot({ modules: ['smart'] }), examplePriceList({ smart: 1 }), { ...TERMS, prepaidThrough: '2024-11-15' }, NOV));
    expect(half.lines[0]!.amountOre).toBe(1);
  });

  it('go-live mid-month bills the days from go-live', () => {
    const terms = { ...TERMS, monthlyBillingFrom: '2024-11-21' };
    const inv = invoiceOf(rate(snapshot({ modules: ['komplett'] }), examplePriceList(), terms, NOV));
    expect(inv.lines[0]).toMatchObject({ quantity: 1, amountOre: 99_833, proRata: { billedDays: 10, daysInMonth: 30 } }); // 299 500 / 3 = 99 833.33
  });

  it('the later of go-live and prepaid-end wins', () => {
    expect(billingCoverage({ ...TERMS, monthlyBillingFrom: '2024-11-10', prepaidThrough: '2024-11-20' }, NOV)).toEqual({ kind: 'partial', fromDay: '2024-11-21', billedDays: 10 });
    expect(billingCoverage({ ...TERMS, monthlyBillingFrom: '2024-11-25', prepaidThrough: '2024-11-20' }, NOV)).toEqual({ kind: 'partial', fromDay: '2024-11-25', billedDays: 6 });
    expect(billingCoverage({ ...TERMS, monthlyBillingFrom: '2024-11-01', prepaidThrough: '2024-10-31' }, NOV)).toEqual({ kind: 'full' });
    expect(billingCoverage({ ...TERMS, monthlyBillingFrom: '2024-10-01', prepaidThrough: '2024-11-29' }, NOV)).toEqual({ kind: 'partial', fromDay: '2024-11-30', billedDays: 1 });
    expect(billingCoverage({ ...TERMS, monthlyBillingFrom: '2024-12-01', prepaidThrough: null }, NOV)).toMatchObject({ kind: 'none' });
  });

  it('uses the days of the month: February 2024 has 29', () => {
    const feb = parsePeriod('2024-02');
    const inv = invoiceOf(rate(snapshot({ modules: ['smart'] }, '2024-02'), examplePriceList(), { ...TERMS, prepaidThrough: '2024-02-15' }, feb));
    expect(inv.lines[0]!.proRata).toEqual({ billedDays: 14, daysInMonth: 29 });
    expect(inv.lines[0]!.amountOre).toBe(72_172); // 149 500 × 14 / 29 = 72 172.41
  });

  it('a month after the prepaid quarter is billed in full', () => {
    const inv = invoiceOf(rate(EXAMPLE, examplePriceList(), { ...TERMS, prepaidThrough: '2024-10-31' }, NOV));
    expect(inv.netOre).toBe(287_000);
    expect(inv.lines.every((l) => l.proRata === null)).toBe(true);
  });

  it('pro-rata amounts never exceed the full amount and match exact rational rounding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 500 }), (unit, day, qty) => {
        const terms = { ...TERMS, prepaidThrough: `2024-11-${String(day).padStart(2, '0')}` };
        const out = rate(snapshot({ companies: Array.from({ length: qty + 1 }, (_, i) => `k${i}`) }), examplePriceList({ extra_company: unit }), terms, NOV);
        if (day === 30) return out.kind === 'nothing_to_bill';
        const line = invoiceOf(out).lines[0]!;
        const exact = (BigInt(qty) * BigInt(unit) * BigInt(30 - day) * 2n + 30n) / 60n;
        return line.amountOre === Number(exact) && line.amountOre <= qty * unit;
      }),
      { numRuns: 500 },
    );
  });
});

describe('rate: VAT', () => {
  it('reverse charge: VAT 0, category AE, lines at 0 %', () => {
    const inv = invoiceOf(rate(EXAMPLE, examplePriceList(), { ...TERMS, vatTreatment: 'reverse_charge' }, NOV));
    expect(inv.vatBreakdown).toEqual([{ vatPercent: 0, vatCategory: 'AE', baseOre: 287_000, vatOre: 0 }]);
    expect(inv.vatOre).toBe(0);
    expect(inv.totalOre).toBe(287_000);
    expect(inv.roundingOre).toBe(0);
    expect(inv.vatTreatment).toBe('reverse_charge');
    expect(inv.lines.every((l) => l.vatPercent === 0)).toBe(true);
  });

  it('computes VAT on the sum of a rate, not per line', () => {
    // Three lines of 2 öre each: per line 0.5 -> 1 each = 3; on the sum 6 × 25 % = 1.5 -> 2.
    const prices = examplePriceList({ smart: 2, komplett: 2, superuser: 2 });
    const inv = invoiceOf(rate(snapshot({ modules: ['smart', 'komplett'], users: [{ userId: 'u', roles: ['superuser'] }] }), prices, TERMS, NOV));
    expect(inv.netOre).toBe(6);
    expect(inv.vatOre).toBe(2);
  });

  it('groups several rates, highest first', () => {
    const prices: PriceList = examplePriceList();
    prices.smart = { ...prices.smart, vatPercent: 12 }; // the first line has the lower rate
    const inv = invoiceOf(rate(snapshot({ modules: ['smart', 'komplett'] }), prices, TERMS, NOV));
    expect(inv.vatBreakdown).toEqual([
      { vatPercent: 25, vatCategory: 'S', baseOre: 299_500, vatOre: 74_875 },
      { vatPercent: 12, vatCategory: 'S', baseOre: 149_500, vatOre: 17_940 },
    ]);
    expect(inv.vatOre).toBe(92_815);
  });

  it('refuses a domestic 0 % line (no category for it in the model)', () => {
    const prices = examplePriceList();
    prices.smart = { ...prices.smart, vatPercent: 0 };
    expect(() => rate(snapshot({ modules: ['smart'] }), prices, TERMS, NOV)).toThrow(RatingError);
  });

  it('totals are consistent for random usage', () => {
    fc.assert(
      fc.property(
        fc.subarray(['komplett', 'smart'] as const),
        fc.array(fc.subarray(['archive_user', 'portal_user', 'superuser'] as const, { minLength: 1 }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 40 }),
        (modules, userRoles, companies) => {
          const s = snapshot({
            modules: [...modules],
            users: userRoles.map((roles, i) => ({ userId: `u${String(i).padStart(2, '0')}`, roles: [...roles] })),
            companies: Array.from({ length: companies }, (_, i) => `k${i}`),
          });
          const out = rate(s, examplePriceList(), TERMS, NOV);
          if (out.kind === 'nothing_to_bill') return modules.length === 0 && userRoles.length === 0 && companies <= 1;
          const inv = out.invoice;
          const userQty = inv.lines.filter((l) => ARTICLE_INFO[l.article].unit === 'user').reduce((a, l) => a + l.quantity, 0);
          return (
            userQty === userRoles.length &&
            inv.netOre === inv.lines.reduce((a, l) => a + l.amountOre, 0) &&
            inv.lines.every((l) => l.amountOre === l.quantity * l.unitPriceOre && l.quantity > 0) &&
            inv.totalOre % 100 === 0 &&
            inv.totalOre === inv.netOre + inv.vatOre + inv.roundingOre &&
            inv.roundingOre >= -49 &&
            inv.roundingOre <= 50
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('rate: missing prices and bad input', () => {
  it('names the article and the period when a used article has no price', () => {
    const { superuser: _, ...prices } = examplePriceList();
    expect(() => rate(EXAMPLE, prices, TERMS, NOV)).toThrow(RatingError);
    expect(() => rate(EXAMPLE, prices, TERMS, NOV)).toThrow(
      `no price for superuser ('OneStop Reporting - Superanvändare') in force for 2024-11; customer ${CUSTOMER} uses it`,
    );
  });

  it('does not need prices of unused articles', () => {
    const { komplett: _k, archive_user: _a, ...prices } = examplePriceList();
    expect(invoiceOf(rate(EXAMPLE, prices, TERMS, NOV)).totalOre).toBe(358_800);
  });

  it('needs the price of every role a user held to compare them', () => {
    const { portal_user: _, ...prices } = examplePriceList();
    expect(() => rate(snapshot({ users: [{ userId: 'u', roles: ['portal_user', 'superuser'] }] }), prices, TERMS, NOV)).toThrow(/no price for portal_user/);
  });

  it('needs the extra_company price once there is more than one company', () => {
    const { extra_company: _, ...prices } = examplePriceList();
    expect(() => rate(snapshot({ modules: ['smart'], companies: ['a', 'b'] }), prices, TERMS, NOV)).toThrow(/no price for extra_company/);
  });

  it('refuses mismatched snapshot, period or terms', () => {
    expect(() => rate(EXAMPLE, examplePriceList(), TERMS, parsePeriod('2024-12'))).toThrow(/snapshot is for 2024-11, rating 2024-12/);
    expect(() => rate(EXAMPLE, examplePriceList(), { ...TERMS, customerId: 'x' }, NOV)).toThrow(/terms for x/);
    expect(() => rate(EXAMPLE, examplePriceList(), { ...TERMS, monthlyBillingFrom: '2024-1-1' }, NOV)).toThrow(/monthlyBillingFrom/);
    const bad = examplePriceList();
    bad.smart = { ...bad.smart, unitPriceOre: 1.5 };
    expect(() => rate(EXAMPLE, bad, TERMS, NOV)).toThrow(/unitPriceOre/);
  });

  it('missingPrices lists articles without a price', () => {
    const { smart: _s, archive_user: _a, ...prices } = examplePriceList();
    expect(missingPrices(prices)).toEqual(['smart', 'archive_user']);
    expect(missingPrices(examplePriceList())).toEqual([]);
  });
});

describe('selectPriceList', () => {
  const items = [
    priceItem('smart', 100_000, '2024-01-01'),
    priceItem('smart', 149_500, '2024-11-01'),
    priceItem('smart', 160_000, '2025-01-15'),
    priceItem('komplett', 299_500, '2024-06-01'),
    priceItem('extra_company', 29_500, '2024-01-01'),
    priceItem('superuser', 39_500, '2024-01-01'),
    priceItem('portal_user', 19_500, '2024-01-01'),
    priceItem('archive_user', 9_500, '2024-01-01'),
  ];

  it('takes, per article, the item with the greatest validFrom <= the first day', () => {
    expect(selectPriceList(items, parsePeriod('2024-10')).prices.smart?.unitPriceOre).toBe(100_000);
    expect(selectPriceList(items, parsePeriod('2024-11')).prices.smart?.unitPriceOre).toBe(149_500);
    expect(selectPriceList(items, parsePeriod('2024-12')).prices.smart?.unitPriceOre).toBe(149_500);
  });

  it('applies a price starting mid-month from the next month', () => {
    expect(selectPriceList(items, parsePeriod('2025-01')).prices.smart?.unitPriceOre).toBe(149_500);
    expect(selectPriceList(items, parsePeriod('2025-02')).prices.smart?.unitPriceOre).toBe(160_000);
  });

  it('does not depend on item order', () => {
    const reversed = [...items].reverse();
    expect(selectPriceList(reversed, parsePeriod('2024-12'))).toEqual(selectPriceList(items, parsePeriod('2024-12')));
  });

  it('reports articles with no price yet', () => {
    const r = selectPriceList(items, parsePeriod('2024-05'));
    expect(r.missing).toEqual(['komplett']);
    expect(r.prices.komplett).toBeUndefined();
    expect(selectPriceList(items, parsePeriod('2024-06')).missing).toEqual([]);
  });

  it('gives a customer with an unpriced article a RatingError from rate', () => {
    const { prices } = selectPriceList(items, parsePeriod('2024-05'));
    const s = snapshot({ modules: ['komplett'] }, '2024-05');
    expect(() => rate(s, prices, TERMS, parsePeriod('2024-05'))).toThrow(/no price for komplett .* in force for 2024-05/);
  });

  it('refuses two prices for one article and date, and malformed items', () => {
    expect(() => selectPriceList([...items, priceItem('smart', 1, '2024-11-01')], parsePeriod('2024-12'))).toThrow(/two prices for smart valid from 2024-11-01/);
    expect(() => selectPriceList([priceItem('smart', 1, '2024-11')], NOV)).toThrow(/validFrom/);
    expect(() => selectPriceList([{ ...priceItem('smart', 1), article: 'gold' as never }], NOV)).toThrow(/unknown article 'gold'/);
  });
});

describe('rate: only the billed days count after a prepaid quarter (clarified 2026-12)', () => {
  const JAN = parsePeriod('2025-01');
  const PREPAID = { ...TERMS, monthlyBillingFrom: '2024-01-01', prepaidThrough: '2025-01-15' };
  const fold = (events: UsageEvent[], from: string | null) => buildSnapshot(CUSTOMER, JAN, [...events].sort(compareEvents), from).snapshot;

  it('a superuser who left during the prepaid days is not billed', () => {
    const events = [
      ev('2024-12-01', 'module', 'smart', 'activated'),
      ev('2024-12-01', 'user', 's1', 'activated', 'superuser'),
      ev('2025-01-10', 'user', 's1', 'deactivated'),
      ev('2024-12-01', 'user', 'p1', 'activated', 'portal_user'),
    ];
    const from = countingStart(PREPAID, JAN);
    expect(from).toBe('2025-01-16');
    const inv = invoiceOf(rateSnapshot(fold(events, from), examplePriceList(), PREPAID, JAN));
    expect(inv.lines.map((l) => [l.article, l.quantity, l.proRata])).toEqual([
      ['smart', 1, { billedDays: 16, daysInMonth: 31 }],
      ['portal_user', 1, { billedDays: 16, daysInMonth: 31 }],
    ]);
  });

  it('counts what was active on the first billed day from 00:00, and a role held only in prepaid days does not price the user', () => {
    const events = [
      ev('2025-01-02', 'user', 'u1', 'activated', 'superuser'),
      ev('2025-01-16', 'user', 'u1', 'role_changed', 'archive_user'), // exactly at 00:00 of the first billed day
      ev('2025-01-15T23:59', 'company', 'k1', 'activated'),
      ev('2025-01-16', 'company', 'k2', 'activated'),
      ev('2025-01-05', 'company', 'k3', 'activated'),
      ev('2025-01-16', 'company', 'k3', 'deactivated'), // left exactly when billing starts: not billed
    ];
    const inv = invoiceOf(rateSnapshot(fold(events, '2025-01-16'), examplePriceList(), PREPAID, JAN));
    expect(inv.lines.map((l) => [l.article, l.quantity])).toEqual([
      ['extra_company', 1], // k1 and k2, one included
      ['archive_user', 1],
    ]);
  });

  it('refuses a snapshot that counted other days than the terms bill, rather than bill prepaid days', () => {
    const whole = snapshot({ modules: ['smart'] }, '2025-01');
    expect(() => rateSnapshot(whole, examplePriceList(), PREPAID, JAN)).toThrow(CoverageMismatch);
    expect(() => rateSnapshot({ ...whole, countedFrom: '2025-01-16' }, examplePriceList(), TERMS, JAN)).toThrow(
      /counted from 2025-01-16, but billing starts 2025-01-01/,
    );
    expect(() => rateSnapshot({ ...whole, countedFrom: '2025-01-10' }, examplePriceList(), PREPAID, JAN)).toThrow(CoverageMismatch);
  });

  it('go-live mid-month counts from go-live the same way', () => {
    const terms = { ...TERMS, monthlyBillingFrom: '2025-01-20' };
    expect(countingStart(terms, JAN)).toBe('2025-01-20');
    expect(countingStart({ ...TERMS, prepaidThrough: '2024-12-31' }, JAN)).toBeNull();
    expect(countingStart({ ...TERMS, prepaidThrough: '2025-01-31' }, JAN)).toBeNull(); // nothing billed at all
  });
});
