import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FormatError, formatAmount, formatPercent, formatQuantity, formatSek } from '../../billing/format';

const NBSP = '\u00a0';
const MINUS = '\u2212';
const sek = new Intl.NumberFormat('sv-SE', { style: 'currency', currency: 'SEK' });
const num = new Intl.NumberFormat('sv-SE');
const pct = new Intl.NumberFormat('sv-SE', { style: 'percent', maximumFractionDigits: 4 });

describe('formatSek', () => {
  it('formats the worked example amounts', () => {
    expect(formatSek(358_800)).toBe(`3${NBSP}588,00${NBSP}kr`);
    expect(formatSek(123_450)).toBe(`1${NBSP}234,50${NBSP}kr`);
    expect(formatSek(50)).toBe(`0,50${NBSP}kr`);
    expect(formatSek(0)).toBe(`0,00${NBSP}kr`);
    expect(formatSek(-0)).toBe(`0,00${NBSP}kr`); // deliberate: Intl would print a minus
    expect(formatSek(-123_450)).toBe(`${MINUS}1${NBSP}234,50${NBSP}kr`);
    expect(formatSek(-1)).toBe(`${MINUS}0,01${NBSP}kr`);
    expect(formatSek(123_456_789_01)).toBe(`123${NBSP}456${NBSP}789,01${NBSP}kr`);
  });

  it.each([0, 1, 9, 10, 99, 100, 101, 999, 1000, 99_999, 100_000, 123_450, 1_000_000, 99_999_999, 100_000_000, 358_750, 1e13 + 1])(
    'matches Intl for %i öre and its negative',
    (ore) => {
      expect(formatSek(ore)).toBe(sek.format(ore / 100));
      if (ore !== 0) expect(formatSek(-ore)).toBe(sek.format(-ore / 100));
    },
  );

  it('stays exact where the float ore/100 does not (Intl would print ,90)', () => {
    expect(formatSek(Number.MAX_SAFE_INTEGER)).toBe(`90${NBSP}071${NBSP}992${NBSP}547${NBSP}409,91${NBSP}kr`);
  });

  it('matches Intl for random amounts', () => {
    // Below 2^53/100 the float ore/100 that Intl receives still rounds back to the right öre.
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }).filter((n) => n !== 0), (ore) => formatSek(ore) === sek.format(ore / 100)),
      { numRuns: 3000 },
    );
  });

  it("signDisplay 'exceptZero' prints the öresavrundning row as Intl does", () => {
    const signed = new Intl.NumberFormat('sv-SE', { style: 'currency', currency: 'SEK', signDisplay: 'exceptZero' });
    expect(formatSek(50, { signDisplay: 'exceptZero' })).toBe(`+0,50${NBSP}kr`);
    for (const ore of [50, -49, 0, 1, -1, 123_456]) expect(formatSek(ore, { signDisplay: 'exceptZero' })).toBe(signed.format(ore / 100));
  });

  it('refuses non-integers', () => {
    expect(() => formatSek(1.5)).toThrow(FormatError);
    expect(() => formatSek(Number.NaN)).toThrow(FormatError);
    expect(() => formatSek(2 ** 53)).toThrow(FormatError);
  });
});

describe('formatAmount', () => {
  it('is formatSek without the currency', () => {
    expect(formatAmount(287_000)).toBe(`2${NBSP}870,00`);
    expect(formatAmount(-71_750)).toBe(`${MINUS}717,50`);
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (ore) => formatSek(ore) === `${formatAmount(ore)}${NBSP}kr`));
  });
});

describe('formatQuantity', () => {
  it('groups thousands with no-break spaces and matches Intl', () => {
    expect(formatQuantity(2)).toBe('2');
    expect(formatQuantity(1234)).toBe(`1${NBSP}234`);
    expect(formatQuantity(-5)).toBe(`${MINUS}5`);
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }).filter((n) => n !== 0), (q) => formatQuantity(q) === num.format(q)));
    expect(() => formatQuantity(1.5)).toThrow(FormatError);
  });
});

describe('formatPercent', () => {
  it('prints 25 % with a no-break space', () => {
    expect(formatPercent(25)).toBe(`25${NBSP}%`);
    expect(formatPercent(0)).toBe(`0${NBSP}%`);
    expect(formatPercent(12.5)).toBe(`12,5${NBSP}%`);
    expect(formatPercent(-6)).toBe(`${MINUS}6${NBSP}%`);
  });

  it.each([25, 12, 6, 0, 12.5, 100, 1234])('matches Intl for %d', (p) => {
    expect(formatPercent(p)).toBe(pct.format(p / 100));
  });

  it('refuses what it cannot print exactly', () => {
    expect(() => formatPercent(Number.POSITIVE_INFINITY)).toThrow(FormatError);
    expect(() => formatPercent(1e-7)).toThrow(FormatError);
  });
});
