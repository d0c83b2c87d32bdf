import { describe, expect, it } from 'vitest';
import { unmatchedReasonSv } from '../../web/payments-sv';

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
