import { describe, expect, it } from 'vitest';
import { bookedHowSv } from '../../payments/booked-how-sv';

// How a payment came to be booked on an invoice, in Swedish: a split payment's part says which
// part of which payment and the whole amount, in sv-SE kronor.

const nb = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('bookedHowSv', () => {
  it('says OCR, by hand, or which part of a split payment', () => {
    expect(bookedHowSv({ reference: 'R1', assigned_by: null, part: 0, parts: 0, payment_total_ore: null })).toBe('med OCR-numret');
    expect(bookedHowSv({ reference: 'R2', assigned_by: 'Anna Ekonom', part: 0, parts: 0, payment_total_ore: null })).toBe('för hand av Anna Ekonom');
    expect(nb(bookedHowSv({ reference: 'P-TWO', assigned_by: 'Anna Ekonom', part: 2, parts: 3, payment_total_ore: 123_456_78 }))).toBe(
      'del 2 av 3 av inbetalning P-TWO (totalt 123 456,78 kr), fördelad för hand av Anna Ekonom',
    );
  });
});
