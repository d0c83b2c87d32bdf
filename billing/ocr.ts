// OCR references and bankgiro numbers (Bankgirot): Luhn mod 10, optional length digit.

export class OcrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OcrError';
  }
}

export interface OcrOptions {
  /** Whether the seller's bankgiro agreement uses a length digit (a setting, not a constant). */
  lengthDigit: boolean;
}

/** Sum of the Luhn products, weights 2,1,2,1… from the rightmost digit. */
function luhnSum(digits: string, firstWeight: 1 | 2): number {
  let sum = 0;
  let weight = firstWeight;
  for (let i = digits.length - 1; i >= 0; i--) {
    const p = (digits.charCodeAt(i) - 48) * weight;
    sum += p > 9 ? p - 9 : p; // digit sum of a product 10..18
    weight = weight === 2 ? 1 : 2;
  }
  return sum;
}

/** The digit that, appended, makes `digits` pass the Luhn check. */
export function luhnCheckDigit(digits: string): number {
  if (!/^\d+$/.test(digits)) throw new OcrError(`Luhn: ${JSON.stringify(digits)} must be one or more digits`);
  return (10 - (luhnSum(digits, 2) % 10)) % 10;
}

/** Whether the last digit of `digits` is its Luhn check digit. */
export function luhnValid(digits: string): boolean {
  return /^\d{2,}$/.test(digits) && luhnSum(digits, 1) % 10 === 0;
}

/** Builds an OCR reference from 1..23 base digits: base [+ length digit] + check digit. */
export function ocrFromBase(base: string, opts: OcrOptions): string {
  if (typeof base !== 'string' || !/^\d{1,23}$/.test(base)) {
    throw new OcrError(`OCR base ${JSON.stringify(base)} must be 1-23 digits`);
  }
  const body = opts.lengthDigit ? base + String((base.length + 2) % 10) : base;
  return body + String(luhnCheckDigit(body));
}

/** 2..25 digits, valid Luhn check digit, and (if used) a matching length digit. */
export function isValidOcr(ocr: string, opts: OcrOptions): boolean {
  if (typeof ocr !== 'string' || !/^\d{2,25}$/.test(ocr) || !luhnValid(ocr)) return false;
  if (!opts.lengthDigit) return true;
  return ocr.length >= 3 && Number(ocr[ocr.length - 2]) === ocr.length % 10;
}

/** A bankgiro number: 7 or 8 digits, optionally written with a dash before the last four, Luhn-checked. */
export function isValidBankgiro(bg: string): boolean {
  if (typeof bg !== 'string' || !/^\d{3,4}-?\d{4}$/.test(bg)) return false;
  return luhnValid(bg.replace('-', ''));
}
