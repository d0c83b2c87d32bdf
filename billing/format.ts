// sv-SE presentation of amounts, quantities and percentages, computed from integers so
// the output never depends on float rounding or on the ICU data of the running Node.
// It matches Intl.NumberFormat('sv-SE', ...) character for character: U+00A0 groups
// thousands and precedes 'kr' and '%', U+2212 is the minus sign. One deliberate
// difference: negative zero prints as 0 (Intl would print '−0,00 kr').

const NBSP = '\u00a0';
const MINUS = '\u2212';

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

function assertSafeInteger(n: number, what: string): void {
  if (!Number.isSafeInteger(n)) throw new FormatError(`${what} must be a safe integer, got ${n}`);
}

/** Non-negative integer digits grouped by three with no-break spaces: 1234567 -> '1 234 567'. */
function groupDigits(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += NBSP;
    out += digits[i];
  }
  return out;
}

export interface AmountFormatOptions {
  /** As Intl's signDisplay: 'exceptZero' prints '+0,50' (the öresavrundning row). Default 'auto'. */
  signDisplay?: 'auto' | 'exceptZero';
}

/** '1 234,50' / '−1 234,50' from öre. */
export function formatAmount(ore: number, opts: AmountFormatOptions = {}): string {
  assertSafeInteger(ore, 'amount in öre');
  const abs = Math.abs(ore);
  const kronor = (abs - (abs % 100)) / 100; // exact: abs − abs%100 is a multiple of 100
  const cents = abs % 100;
  const sign = ore < 0 ? MINUS : ore > 0 && opts.signDisplay === 'exceptZero' ? '+' : '';
  return sign + groupDigits(String(kronor)) + ',' + String(cents).padStart(2, '0');
}

/** '1 234,50 kr' from öre. */
export function formatSek(ore: number, opts: AmountFormatOptions = {}): string {
  return formatAmount(ore, opts) + NBSP + 'kr';
}

/** A whole quantity: '1 234'. */
export function formatQuantity(quantity: number): string {
  assertSafeInteger(quantity, 'quantity');
  return (quantity < 0 ? MINUS : '') + groupDigits(String(Math.abs(quantity)));
}

/** A percentage given in percent: formatPercent(25) -> '25 %', formatPercent(12.5) -> '12,5 %'. */
export function formatPercent(percent: number): string {
  if (!Number.isFinite(percent) || Math.abs(percent) >= 1e15) throw new FormatError(`percent out of range: ${percent}`);
  const abs = Math.abs(percent);
  if (String(abs).includes('e')) throw new FormatError(`percent has too many decimals: ${percent}`);
  const [whole, fraction] = String(abs).split('.') as [string, string | undefined];
  const sign = percent < 0 ? MINUS : '';
  return sign + groupDigits(whole) + (fraction ? ',' + fraction : '') + NBSP + '%';
}
