import { describe, expect, it } from 'vitest';
import { CreditError, parseCreditLines, rateCredit } from '../../billing/credit';
import { ARTICLES } from '../../billing/types';
import { WORKED_EXAMPLE } from '../../demo/worked-example-invoice';

// WORKED_EXAMPLE: smart 1, extra_company 2, superuser 1, portal_user 2; 3 587,50 kr → 3 588 kr.

describe('rateCredit', () => {
  it('a full credit mirrors the invoice öre for öre, with negative amounts', () => {
    const c = rateCredit('F1', WORKED_EXAMPLE, [], null);
    expect(c.lines.map((l) => [l.article, l.quantity, l.amountOre])).toEqual(WORKED_EXAMPLE.lines.map((l) => [l.article, -l.quantity, -l.amountOre]));
    expect([c.netOre, c.vatOre, c.roundingOre, c.totalOre]).toEqual([-287_000, -71_750, -50, -358_800]);
  });

  it('partial credits add up to the invoice exactly; the last one takes the rest', () => {
    const first = rateCredit('F1', WORKED_EXAMPLE, [], [{ article: 'portal_user', quantity: 1 }]);
    expect([first.netOre, first.vatOre, first.totalOre]).toEqual([-19_500, -4_875, -24_400]);
    const rest = rateCredit('F1', WORKED_EXAMPLE, [{ number: 'K1', credit: first }], null);
    expect(first.netOre + rest.netOre).toBe(-WORKED_EXAMPLE.netOre);
    expect(first.vatOre + rest.vatOre).toBe(-WORKED_EXAMPLE.vatOre);
    expect(first.totalOre + rest.totalOre).toBe(-WORKED_EXAMPLE.totalOre);
    expect(rest.lines.find((l) => l.article === 'portal_user')?.quantity).toBe(-1);
  });

  it('never credits more than invoiced, per line and across credit notes, and says why', () => {
    expect(() => rateCredit('F1', WORKED_EXAMPLE, [], [{ article: 'portal_user', quantity: 3 }])).toThrow(/portal_user: crediting 3 would credit more than F1 invoiced \(2, of which 0 already credited\)/);
    const first = rateCredit('F1', WORKED_EXAMPLE, [], [{ article: 'portal_user', quantity: 2 }]);
    expect(() => rateCredit('F1', WORKED_EXAMPLE, [{ number: 'K7', credit: first }], [{ article: 'portal_user', quantity: 1 }])).toThrow(/2 already credited by K7/);
    const all = rateCredit('F1', WORKED_EXAMPLE, [], null);
    expect(() => rateCredit('F1', WORKED_EXAMPLE, [{ number: 'K8', credit: all }], null)).toThrow(/F1 is already fully credited by K8/);
    expect(() => rateCredit('F1', WORKED_EXAMPLE, [], [{ article: 'komplett', quantity: 1 }])).toThrow(CreditError);
  });

  it('parses --lines ARTICLE=QTY and names a bad one', () => {
    expect(parseCreditLines(['portal_user=2', 'smart=1'], ARTICLES)).toEqual([{ article: 'portal_user', quantity: 2 }, { article: 'smart', quantity: 1 }]);
    expect(() => parseCreditLines(['portal_user'], ARTICLES)).toThrow(/--lines "portal_user": write ARTICLE=QTY/);
    expect(() => parseCreditLines(['budget=1'], ARTICLES)).toThrow(/--lines budget: unknown article/);
  });
});
