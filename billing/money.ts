// Money is integer öre. Every division goes through roundHalfUpDiv on BigInt, so no
// float rounding error can reach an amount.
//
// Rounding rule for negative amounts (credit notes): half AWAY FROM ZERO, i.e. the
// rounding of -x is always -(rounding of x). A credit note therefore mirrors the
// invoice it corrects öre for öre (VAT -717.50 kr stays -717.50; -3 587,50 pays -3 588).

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

function toBigInt(n: bigint | number, what: string): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isSafeInteger(n)) throw new MoneyError(`${what} must be a safe integer, got ${n}`);
  return BigInt(n);
}

/** Throws unless `ore` is a safe integer amount of öre. */
export function assertOre(ore: number, what = 'amount'): void {
  if (!Number.isSafeInteger(ore)) throw new MoneyError(`${what} must be a whole number of öre, got ${ore}`);
}

/**
 * numerator / denominator rounded half away from zero (half-up for positive values),
 * exactly. Returns a safe-integer number.
 */
export function roundHalfUpDiv(numerator: bigint | number, denominator: bigint | number): number {
  const n = toBigInt(numerator, 'numerator');
  const d = toBigInt(denominator, 'denominator');
  if (d === 0n) throw new MoneyError('division by zero');
  const negative = n < 0n !== d < 0n && n !== 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  // floor((2·|n| + |d|) / (2·|d|)) is |n|/|d| rounded half-up.
  const q = (2n * an + ad) / (2n * ad);
  const result = negative ? -q : q;
  if (result > BigInt(Number.MAX_SAFE_INTEGER) || result < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError(`result ${result} is outside the safe integer range`);
  }
  return Number(result);
}

/** VAT on a base, rounded half-up to whole öre. `percent` is a whole number (25, 12, 6, 0). */
export function vatOf(baseOre: number, percent: number): number {
  assertOre(baseOre, 'VAT base');
  if (!Number.isSafeInteger(percent) || percent < 0 || percent > 100) {
    throw new MoneyError(`VAT percent must be a whole number 0-100, got ${percent}`);
  }
  return roundHalfUpDiv(BigInt(baseOre) * BigInt(percent), 100n);
}

/**
 * Öresavrundning: rounds to whole kronor (1–49 öre down, 50–99 up; mirrored for
 * negatives). `roundingOre` is the row shown on the invoice: roundedOre − ore.
 */
export function roundToKronor(ore: number): { roundedOre: number; roundingOre: number } {
  assertOre(ore);
  const roundedOre = roundHalfUpDiv(ore, 100) * 100;
  return { roundedOre, roundingOre: roundedOre - ore };
}

/** Sum of öre amounts, checked to stay exact. */
export function sumOre(amounts: readonly number[]): number {
  let total = 0;
  for (const a of amounts) {
    assertOre(a);
    total += a;
  }
  assertOre(total, 'sum');
  return total;
}
