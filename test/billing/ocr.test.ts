import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidBankgiro, isValidOcr, luhnCheckDigit, luhnValid, ocrFromBase, OcrError } from '../../billing/ocr';

const WITH_LENGTH = { lengthDigit: true };
const WITHOUT_LENGTH = { lengthDigit: false };

describe('OCR reference', () => {
  it('builds the spec worked example: 10042 -> 1004274', () => {
    expect(ocrFromBase('10042', WITH_LENGTH)).toBe('1004274');
    expect(isValidOcr('1004274', WITH_LENGTH)).toBe(true);
    expect(luhnValid('1004274')).toBe(true);
  });

  it('without a length digit appends only the check digit', () => {
    // weights 2,1,2,1,2 from the right over 2,4,0,0,1: 4+4+0+0+2 = 10 -> check digit 0
    expect(ocrFromBase('10042', WITHOUT_LENGTH)).toBe('100420');
    expect(luhnCheckDigit('10042')).toBe(0);
    expect(isValidOcr('100420', WITHOUT_LENGTH)).toBe(true);
  });

  it('computes Luhn check digits (known values)', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3); // the classic Luhn example
    expect(luhnCheckDigit('100427')).toBe(4);
    expect(luhnCheckDigit('0')).toBe(0);
    expect(luhnCheckDigit('9')).toBe(1); // 18 -> 9, +1 = 10
    expect(() => luhnCheckDigit('')).toThrow(OcrError);
    expect(() => luhnCheckDigit('12a')).toThrow(OcrError);
  });

  it('length digit is total length mod 10', () => {
    const base8 = '12345678'; // total 10 -> 0
    expect(ocrFromBase(base8, WITH_LENGTH).slice(8, 9)).toBe('0');
    const base23 = '1'.repeat(23); // total 25 -> 5
    const ocr = ocrFromBase(base23, WITH_LENGTH);
    expect(ocr).toHaveLength(25);
    expect(ocr[23]).toBe('5');
    expect(ocrFromBase('7', WITH_LENGTH)).toHaveLength(3);
  });

  it('refuses bases that are not 1..23 digits', () => {
    for (const bad of ['', '1'.repeat(24), '12 3', '-1', '１２']) {
      expect(() => ocrFromBase(bad, WITH_LENGTH)).toThrow(OcrError);
    }
  });

  it('every built OCR validates, and any single-digit change or swap of neighbours is caught', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,23}$/), fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 9 }), (base, lengthDigit, pos, delta) => {
        const opts = { lengthDigit };
        const ocr = ocrFromBase(base, opts);
        expect(isValidOcr(ocr, opts)).toBe(true);
        const i = pos % ocr.length;
        const changed = ocr.slice(0, i) + String((Number(ocr[i]) + delta) % 10) + ocr.slice(i + 1);
        expect(isValidOcr(changed, opts)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('checks the length digit only when the setting says so', () => {
    // '1004274' has length digit 7; a valid Luhn number with a wrong length digit:
    const wrongLength = '10043' + String(luhnCheckDigit('10043'));
    expect(isValidOcr(wrongLength, WITHOUT_LENGTH)).toBe(true);
    expect(isValidOcr(wrongLength, WITH_LENGTH)).toBe(false);
  });

  it('refuses lengths outside 2..25 and non-digits', () => {
    expect(isValidOcr('0', WITHOUT_LENGTH)).toBe(false);
    expect(isValidOcr('00', WITHOUT_LENGTH)).toBe(true);
    expect(isValidOcr('0'.repeat(26), WITHOUT_LENGTH)).toBe(false);
    expect(isValidOcr('1004 274', WITH_LENGTH)).toBe(false);
    expect(isValidOcr('', WITH_LENGTH)).toBe(false);
  });
});

describe('bankgiro', () => {
  it('accepts 5402-9681 with and without the dash', () => {
    expect(isValidBankgiro('5402-9681')).toBe(true);
    expect(isValidBankgiro('54029681')).toBe(true);
  });

  it('accepts 7-digit numbers', () => {
    const seven = '123456' + String(luhnCheckDigit('123456'));
    expect(isValidBankgiro(seven)).toBe(true);
    expect(isValidBankgiro(`${seven.slice(0, 3)}-${seven.slice(3)}`)).toBe(true);
  });

  it('refuses a wrong check digit, wrong lengths and misplaced dashes', () => {
    expect(isValidBankgiro('5402-9682')).toBe(false);
    expect(isValidBankgiro('5402-968')).toBe(false);
    expect(isValidBankgiro('54029-681')).toBe(false);
    expect(isValidBankgiro('15402-9681')).toBe(false);
    expect(isValidBankgiro('5402 9681')).toBe(false);
    expect(isValidBankgiro('')).toBe(false);
  });
});
