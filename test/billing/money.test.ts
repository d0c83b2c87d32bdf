import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MoneyError, roundHalfUpDiv, roundToKronor, sumOre, vatOf } from '../../billing/money';

describe('roundHalfUpDiv', () => {
  it.each([
    [5, 2, 3],
    [7, 2, 4],
    [4, 3, 1],
    [5, 3, 2],
    [-5, 2, -3], // half away from zero
    [5, -2, -3],
    [-5, -2, 3],
    [-4, 3, -1],
    [-5, 3, -2],
    [0, 7, 0],
    [1, 2, 1],
    [1, 3, 0],
    [149_500n * 15n, 30n, 74_750],
  ] as const)('%s / %s = %s', (n, d, expected) => {
    expect(roundHalfUpDiv(n, d)).toBe(expected);
  });

  it('is exact where float rounding is not (1.005 * 100 style traps)', () => {
    // 100 500 öre × 1 / 200 = 502.5 -> 503; and a big numerator beyond 2^53 still works
    expect(roundHalfUpDiv(100_500, 200)).toBe(503);
    expect(roundHalfUpDiv(9_007_199_254_740_993n * 3n, 6n)).toBe(4_503_599_627_370_497);
  });

  it('mirrors for negatives and matches a rational model', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 10_000 }), (n, d) => {
        const r = roundHalfUpDiv(n, d);
        expect(roundHalfUpDiv(-n, d)).toBe(-r || 0);
        // |n/d - r| <= 1/2, and exactly 1/2 only when r is farther from zero
        const twiceErr = 2 * n - 2 * r * d; // 2·(n − r·d)
        expect(Math.abs(twiceErr)).toBeLessThanOrEqual(d);
        if (Math.abs(twiceErr) === d) expect(Math.abs(r * d)).toBeGreaterThan(Math.abs(n));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses division by zero, floats and unsafe results', () => {
    expect(() => roundHalfUpDiv(1, 0)).toThrow(MoneyError);
    expect(() => roundHalfUpDiv(1.5, 1)).toThrow(MoneyError);
    expect(() => roundHalfUpDiv(2n ** 60n, 1n)).toThrow(/safe integer/);
  });
});

describe('vatOf', () => {
  it('rounds 25 % half-up to whole öre', () => {
    expect(vatOf(287_000, 25)).toBe(71_750);
    expect(vatOf(2, 25)).toBe(1); // 0.5 -> 1
    expect(vatOf(1, 25)).toBe(0); // 0.25 -> 0
    expect(vatOf(3, 25)).toBe(1); // 0.75 -> 1
    expect(vatOf(74_750, 25)).toBe(18_688); // 18 687.5 -> 18 688
    expect(vatOf(-74_750, 25)).toBe(-18_688);
    expect(vatOf(1_000, 12)).toBe(120);
    expect(vatOf(1_000, 0)).toBe(0);
  });

  it('refuses fractional or out-of-range rates', () => {
    expect(() => vatOf(100, 12.5)).toThrow(MoneyError);
    expect(() => vatOf(100, 101)).toThrow(MoneyError);
    expect(() => vatOf(100.5, 25)).toThrow(MoneyError);
  });
});

describe('roundToKronor (öresavrundning)', () => {
  it.each([
    [358_750, 358_800, 50],
    [358_701, 358_700, -1],
    [358_749, 358_700, -49],
    [358_799, 358_800, 1],
    [358_800, 358_800, 0],
    [-358_750, -358_800, -50],
    [-358_749, -358_700, 49],
    [0, 0, 0],
  ])('%i öre -> %i (rounding %i)', (ore, roundedOre, roundingOre) => {
    expect(roundToKronor(ore)).toEqual({ roundedOre, roundingOre });
  });

  it('always lands on whole kronor within -49..+50 for non-negative amounts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), (ore) => {
        const { roundedOre, roundingOre } = roundToKronor(ore);
        return roundedOre % 100 === 0 && roundingOre >= -49 && roundingOre <= 50 && roundedOre - roundingOre === ore;
      }),
    );
  });
});

describe('sumOre', () => {
  it('sums and refuses non-integers', () => {
    expect(sumOre([1, 2, 3])).toBe(6);
    expect(() => sumOre([1, 0.5])).toThrow(MoneyError);
  });
});
