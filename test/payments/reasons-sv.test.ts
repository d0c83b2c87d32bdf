import { describe, expect, it } from 'vitest';
import { ignoredReasonSv, unmatchedReasonSv } from '../../payments/reasons-sv';

// Every reason the import stores for an unmatched payment reads as Swedish on finance's page.

describe('unmatched reasons in Swedish', () => {
  it('turns each wording of the camt.054 and BgMax imports into Swedish, and never shows an unknown one in English', () => {
    expect(unmatchedReasonSv('no OCR reference')).toBe('Inget OCR-nummer angivet');
    expect(unmatchedReasonSv('OCR 1234566 fails its check digits')).toBe('OCR-numret 1234566 har fel kontrollsiffra');
    expect(unmatchedReasonSv('no invoice has OCR 9999970')).toBe('Ingen faktura har OCR-numret 9999970');
    expect(unmatchedReasonSv('no OCR (BgMax reference code 0)')).toBe('Inget OCR-nummer (BgMax referenskod 0)');
    expect(unmatchedReasonSv('no OCR (BgMax reference code 3, reference "FAKTURA 42")')).toBe('Inget OCR-nummer (BgMax referenskod 3, referens "FAKTURA 42")');
    expect(unmatchedReasonSv('the payment names several references (extra reference records 22/23): assign it by hand')).toBe('Betalningen anger flera referenser (BgMax-post 22/23): bokför den för hand');
    expect(unmatchedReasonSv('something new from a bank')).toBe('Kunde inte matchas mot en faktura automatiskt');
  });
});

describe('the import\'s newer wordings and the ignored entries in Swedish', () => {
  it('renders the BgMax extra-reference reasons with sv-SE kronor', () => {
    expect(unmatchedReasonSv('a deducted credit (BgMax record 23) with OCR 4999808, which no credit note of ours has')).toBe('Avdragen kredit (BgMax-post 23) med OCR-numret 4999808, som ingen av våra kreditfakturor har');
    expect(unmatchedReasonSv('its extra references (records 22/23) add up to 1500.00, more than the payment of 1200.50: assign it by hand')).toBe('Extra referenserna (BgMax-post 22/23) summerar till 1\u00a0500,00 kr, mer än inbetalningens 1\u00a0200,50 kr: bokför den för hand');
    expect(unmatchedReasonSv('names 2 references (123, 456) without an amount for each, and is not exactly what their invoices have open together: assign it by hand')).toMatch(/^Anger 2 referenser \(123, 456\) utan belopp/);
  });

  it('renders every reason an entry is ignored, and an unknown one in general Swedish', () => {
    expect(ignoredReasonSv("account SE4550000000058398257466 is not the seller's bankgiro 5050-1055")).toBe('Kontot SE4550000000058398257466 är inte säljarens bankgiro 5050-1055');
    expect(ignoredReasonSv('a debit (only credits are payments)')).toBe('En debitering (bara insättningar är inbetalningar)');
    expect(ignoredReasonSv('status PDNG, not booked (BOOK)')).toBe('Status PDNG, inte bokförd (BOOK)');
    expect(ignoredReasonSv('currency EUR, not SEK')).toBe('Valutan EUR, inte SEK');
    expect(ignoredReasonSv('a deduction (avdragspost, code 0) on reference (none): book it by hand')).toBe('Ett avdrag (avdragspost, kod 0) på referens (ingen): bokför det för hand');
    expect(ignoredReasonSv('whatever a bank invents')).toBe('Inte en inbetalning till en faktura');
  });
});
