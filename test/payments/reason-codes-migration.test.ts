import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as reasonCodes from '../../migrations/017_payment_reason_codes';
import { reasonSv } from '../../payments/reason-sv';
import { listUnmatched } from '../../store/receivables';
import { createTestDatabase } from '../support/database';
import { seedInvoice } from './seed-invoices';

// Rows an import stored before reasons were codes: their English text is read into a code and
// its facts once, by migration 017, and reads as the same English and as Swedish afterwards.

let t: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

/** Every wording the imports wrote for an unmatched payment, and one no import wrote. */
const OLD_TEXTS = [
  'no OCR reference',
  'OCR 1234566 fails its check digits',
  'no invoice has OCR 9999970',
  'no OCR (BgMax reference code 0)',
  'no OCR (BgMax reference code 5, reference "12345")',
  'a deducted credit (BgMax record 23) with OCR 4999808, which no credit note of ours has',
  'a deducted reference (record 23) without its amount: assign it by hand',
  'its extra references (records 22/23) add up to 1500.00, more than the payment of 1200.50: assign it by hand',
  'names 2 references (1000173, (no OCR)) without an amount for each, and is not exactly what their invoices have open together: assign it by hand',
  'the part of the payment no extra reference names',
  'the payment names several references (extra reference records 22/23): assign it by hand',
  'something a later bank said',
];

describe('migration 017: payment reasons as codes', () => {
  it('reads every stored English reason into its code and facts, an assigned payment and ignored entries too, and the English reads back the same', async () => {
    await reasonCodes.down(t.db); // the schema as the imports before it wrote
    const [imp] = await t.db('payment_imports')
      .insert({
        file_name: 'old.xml', file_sha256: 'x', format: 'camt.054.001.08', message_id: 'OLD', payments: 0, matched: 0, unmatched: 0, duplicates: 0,
        ignored: JSON.stringify([
          { reference: 'I-1', amount_ore: 100, reason: 'a debit (only credits are payments)' },
          { reference: 'I-2', amount_ore: 100, reason: "account (none) is not the seller's bankgiro 5402-9681" },
          { reference: 'I-3', amount_ore: -200, reason: 'a deduction (avdragspost, code 1) on reference (none): book it by hand' },
          { reference: 'I-4', amount_ore: 100, reason: 'status PDNG, not booked (BOOK)' },
        ]),
      })
      .returning('id');
    const row = (i: number, reason: string | null, invoice?: { id: number; customerId: string }) => ({
      import_id: imp.id, reference: `OLD-${i}`, amount_ore: 1000 + i, booking_date: '2026-11-20', payer: 'Gammal AB', unmatched_reason: reason, invoice_id: invoice?.id ?? null, customer_id: invoice?.customerId ?? null,
    });
    const inv = await seedInvoice(t.db, { number: 17001, totalOre: 5_000, dueDate: '2026-12-01' });
    await t.db('payments').insert(OLD_TEXTS.map((text, i) => row(i, text)));
    // Assigned by hand since it arrived: recorded for good, its reason converted all the same.
    await t.db('payments').insert({ ...row(99, 'no OCR reference', inv), assigned_by: 'Anna Ekonom', assigned_at: new Date() });

    await reasonCodes.up(t.db);

    const unmatched = await listUnmatched(t.db);
    expect(unmatched.map((u) => u.reason)).toEqual(OLD_TEXTS);
    expect(unmatched.map((u) => u.reason_code)).toEqual([
      'no_ocr', 'ocr_check_digits', 'unknown_ocr', 'bgmax_not_ocr', 'bgmax_not_ocr', 'unknown_credit_ocr', 'deducted_without_amount',
      'references_exceed_payment', 'references_without_amounts', 'rest_unnamed', 'several_references', 'unrecognised',
    ]);
    expect(unmatched[4]!.why).toEqual({ code: 'bgmax_not_ocr', facts: { referenceCode: '5', reference: '12345' } });
    expect(unmatched[7]!.why).toEqual({ code: 'references_exceed_payment', facts: { referencesOre: 150_000, paymentOre: 120_050 } });
    expect(unmatched[8]!.why).toEqual({ code: 'references_without_amounts', facts: { ocrs: ['1000173', null] } });
    expect(reasonSv(unmatched[2]!.why)).toBe('Ingen faktura har OCR-numret 9999970');
    expect(reasonSv(unmatched[11]!.why)).toBe('Kunde inte matchas mot en faktura automatiskt');
    expect(await t.db('payments').where({ reference: 'OLD-99' }).first('unmatched_code', 'assigned_by')).toEqual({ unmatched_code: 'no_ocr', assigned_by: 'Anna Ekonom' });

    const { ignored } = await t.db('payment_imports').where({ id: imp.id }).first('ignored');
    expect(ignored).toEqual([
      { reference: 'I-1', amount_ore: 100, reason_code: 'debit', reason_facts: {} },
      { reference: 'I-2', amount_ore: 100, reason_code: 'not_seller_account', reason_facts: { account: null, sellerBankgiro: '5402-9681' } },
      { reference: 'I-3', amount_ore: -200, reason_code: 'bgmax_deduction', reason_facts: { deductionCode: '1', reference: null } },
      { reference: 'I-4', amount_ore: 100, reason_code: 'not_booked', reason_facts: { status: 'PDNG' } },
    ]);
    // The trigger is back: a recorded payment still cannot be moved.
    await expect(t.db('payments').where({ reference: 'OLD-99' }).update({ invoice_id: null })).rejects.toThrow(/only an unmatched payment can be assigned/);
    // An unmatched payment without a reason is refused from now on.
    const { unmatched_reason: _gone, ...reasonless } = row(100, null);
    await expect(t.db('payments').insert(reasonless)).rejects.toThrow(/payments_unmatched_has_code/);
  });
});
