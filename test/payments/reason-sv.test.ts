import { describe, expect, it } from 'vitest';
import { reasonSv } from '../../payments/reason-sv';
import { PAYMENT_REASON_CODES, reasonText, storedReason, type PaymentReason, type PaymentReasonCode } from '../../payments/reasons';

// Every reason a payment can be unmatched or an entry ignored for: the English `--json` has always
// printed, and the Swedish finance reads, both from the code and its facts.

const NBSP = '\u00a0';

/** Per code: the reason, its English and its Swedish. */
const EVERY: Record<PaymentReasonCode, [PaymentReason, string, string][]> = {
  no_ocr: [[{ code: 'no_ocr', facts: {} }, 'no OCR reference', 'Inget OCR-nummer angivet']],
  ocr_check_digits: [[{ code: 'ocr_check_digits', facts: { ocr: '1234566' } }, 'OCR 1234566 fails its check digits', 'OCR-numret 1234566 har fel kontrollsiffra']],
  unknown_ocr: [[{ code: 'unknown_ocr', facts: { ocr: '9999970' } }, 'no invoice has OCR 9999970', 'Ingen faktura har OCR-numret 9999970']],
  bgmax_not_ocr: [
    [{ code: 'bgmax_not_ocr', facts: { referenceCode: '0', reference: null } }, 'no OCR (BgMax reference code 0)', 'Inget OCR-nummer (BgMax referenskod 0)'],
    [{ code: 'bgmax_not_ocr', facts: { referenceCode: '3', reference: 'FAKTURA 42' } }, 'no OCR (BgMax reference code 3, reference "FAKTURA 42")', 'Inget OCR-nummer (BgMax referenskod 3, referens ”FAKTURA 42”)'],
  ],
  unknown_credit_ocr: [[{ code: 'unknown_credit_ocr', facts: { ocr: '4999808' } }, 'a deducted credit (BgMax record 23) with OCR 4999808, which no credit note of ours has', 'Avdragen kredit (BgMax-post 23) med OCR-numret 4999808, som ingen av våra kreditfakturor har']],
  deducted_without_amount: [[{ code: 'deducted_without_amount', facts: {} }, 'a deducted reference (record 23) without its amount: assign it by hand', 'Avdragen referens (BgMax-post 23) utan belopp: bokför den för hand']],
  references_exceed_payment: [[
    { code: 'references_exceed_payment', facts: { referencesOre: 150_000, paymentOre: 120_050 } },
    'its extra references (records 22/23) add up to 1500.00, more than the payment of 1200.50: assign it by hand',
    `Extra referenserna (BgMax-post 22/23) summerar till 1${NBSP}500,00${NBSP}kr, mer än inbetalningens 1${NBSP}200,50${NBSP}kr: bokför den för hand`,
  ]],
  references_without_amounts: [[
    { code: 'references_without_amounts', facts: { ocrs: ['123', null] } },
    'names 2 references (123, (no OCR)) without an amount for each, and is not exactly what their invoices have open together: assign it by hand',
    'Anger 2 referenser (123, utan OCR-nummer) utan belopp för var och en, och är inte exakt vad fakturorna har öppet tillsammans: bokför den för hand',
  ]],
  rest_unnamed: [[{ code: 'rest_unnamed', facts: {} }, 'the part of the payment no extra reference names', 'Den del av inbetalningen som ingen extra referens anger']],
  several_references: [[{ code: 'several_references', facts: {} }, 'the payment names several references (extra reference records 22/23): assign it by hand', 'Betalningen anger flera referenser (BgMax-post 22/23): bokför den för hand']],
  not_seller_account: [
    [{ code: 'not_seller_account', facts: { account: 'SE4550000000058398257466', sellerBankgiro: '5050-1055' } }, "account SE4550000000058398257466 is not the seller's bankgiro 5050-1055", 'Kontot SE4550000000058398257466 är inte säljarens bankgiro 5050-1055'],
    [{ code: 'not_seller_account', facts: { account: null, sellerBankgiro: '5050-1055' } }, "account (none) is not the seller's bankgiro 5050-1055", 'Inget konto angivet, inte säljarens bankgiro 5050-1055'],
  ],
  debit: [[{ code: 'debit', facts: {} }, 'a debit (only credits are payments)', 'En debitering (bara insättningar är inbetalningar)']],
  not_credit: [
    [{ code: 'not_credit', facts: { indicator: 'XXXX' } }, 'a XXXX (only credits are payments)', 'Riktningen XXXX (bara insättningar är inbetalningar)'],
    [{ code: 'not_credit', facts: { indicator: null } }, 'a null (only credits are payments)', 'Utan angiven riktning (bara insättningar är inbetalningar)'],
  ],
  not_booked: [
    [{ code: 'not_booked', facts: { status: 'PDNG' } }, 'status PDNG, not booked (BOOK)', 'Status PDNG, inte bokförd (BOOK)'],
    [{ code: 'not_booked', facts: { status: null } }, 'status (none), not booked (BOOK)', 'Utan status, inte bokförd (BOOK)'],
  ],
  not_sek: [[{ code: 'not_sek', facts: { currency: 'EUR' } }, 'currency EUR, not SEK', 'Valutan EUR, inte SEK']],
  bgmax_deduction: [
    [{ code: 'bgmax_deduction', facts: { deductionCode: '1', reference: '1000173' } }, 'a deduction (avdragspost, code 1) on reference 1000173: book it by hand', 'Ett avdrag (avdragspost, kod 1) på referens 1000173: bokför det för hand'],
    [{ code: 'bgmax_deduction', facts: { deductionCode: '0', reference: null } }, 'a deduction (avdragspost, code 0) on reference (none): book it by hand', 'Ett avdrag (avdragspost, kod 0) på en betalning utan referens: bokför det för hand'],
  ],
  unrecognised: [
    [{ code: 'unrecognised', facts: { text: 'something new from a bank', of: 'unmatched' } }, 'something new from a bank', 'Kunde inte matchas mot en faktura automatiskt'],
    [{ code: 'unrecognised', facts: { text: 'whatever a bank invents', of: 'ignored' } }, 'whatever a bank invents', 'Inte en inbetalning till en faktura'],
  ],
};

describe('payment reasons', () => {
  it('every code has its English (as --json always printed it) and its Swedish', () => {
    expect(Object.keys(EVERY).sort()).toEqual([...PAYMENT_REASON_CODES].sort());
    for (const [code, cases] of Object.entries(EVERY)) {
      for (const [reason, english, swedish] of cases) {
        expect(reasonText(reason), code).toBe(english);
        expect(reasonSv(reason), code).toBe(swedish);
      }
    }
  });

  it('no Swedish sentence leaks an English word of the reason it renders', () => {
    for (const cases of Object.values(EVERY)) {
      for (const [reason] of cases) expect(reasonSv(reason)).not.toMatch(/\b(the|is|not|has|no|with|payment|invoice|reference|assign|book it)\b/);
    }
  });

  it('a stored code this version does not know reads as unrecognised, never as English on a page', () => {
    expect(storedReason('unknown_ocr', { ocr: '123' }, 'unmatched')).toEqual({ code: 'unknown_ocr', facts: { ocr: '123' } });
    const future = storedReason('from_a_later_version', { x: 1 }, 'unmatched');
    expect(future).toEqual({ code: 'unrecognised', facts: { text: 'from_a_later_version', of: 'unmatched' } });
    expect(reasonSv(future)).toBe('Kunde inte matchas mot en faktura automatiskt');
    expect(storedReason('toString', {}, 'ignored').code).toBe('unrecognised');
  });
});
