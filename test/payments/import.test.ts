import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ocrFromBase } from '../../billing/ocr';
import { loadConfig } from '../../infra/config';
import { camt054Xml, type CamtPaymentSpec } from '../../payments/camt054-writer';
import { PaymentFileError } from '../../payments/errors';
import { importPaymentFile } from '../../store/payments';
import { assignPayment } from '../../store/payment-assign';
import { listInvoicesJson } from '../../store/invoices';
import { listReceivables } from '../../store/receivables';
import { createTestDatabase } from '../support/database';
import { bgmaxFile } from './bgmax-file';
import { seedInvoice } from './seed-invoices';

// Matching against real invoices in a real PostgreSQL: by OCR to one invoice, paid / partly /
// overpaid, unmatched, duplicates, refused files storing nothing, assignment by hand.

const config = loadConfig();
let t: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

let fileNo = 0;
const camt = (version: '02' | '08', payments: CamtPaymentSpec[], over: { bankgiro?: string; amountOre?: number } = {}) =>
  Buffer.from(camt054Xml({
    version,
    messageId: `MSG-${++fileNo}`,
    createdAt: '2026-12-04T06:00:00',
    bankgiro: over.bankgiro ?? '54029681',
    entries: [{ reference: `DEP-${fileNo}`, bookingDate: '2026-12-03', amountOre: over.amountOre, payments }],
  }));
const run = (bytes: Buffer, name = `bank-${fileNo}.xml`) => importPaymentFile(t.db, config, name, bytes);
const pay = (reference: string, amountOre: number, ocr?: string, payer = 'Betalare AB'): CamtPaymentSpec => ({ reference, amountOre, ocr, payer });

describe('payments import', () => {
  it('matches a deposit of several payments by OCR: paid, partly paid, overpaid (a credit balance), unmatched with payer and amount', async () => {
    const a = await seedInvoice(t.db, { number: 20001, totalOre: 100_000, dueDate: '2026-12-01' });
    const b = await seedInvoice(t.db, { number: 20002, totalOre: 200_000, dueDate: '2026-12-01' });
    const c = await seedInvoice(t.db, { number: 20003, totalOre: 50_000, dueDate: '2026-12-01' });
    const badCheck = `${a.ocr.slice(0, -1)}${(Number(a.ocr.slice(-1)) + 1) % 10}`;
    const unknown = ocrFromBase('99999', { lengthDigit: true });
    const r = await run(camt('02', [
      pay('R-1', 100_000, a.ocr), pay('R-2', 150_000, b.ocr), pay('R-3', 60_000, c.ocr),
      pay('R-4', 7_000, ocrFromBase('99999', { lengthDigit: true }), 'Okänd AB'), pay('R-5', 8_000, badCheck, 'Fel Siffra AB'), pay('R-6', 9_000, undefined, 'Ingen Ref AB'),
    ]));
    expect(r).toMatchObject({ format: 'camt.054.001.02', payments: 6, matched: 3, paid: 1, partly_paid: 1, overpaid: 1, duplicates: 0, ignored: [] });
    expect(r.unmatched).toEqual([
      { reference: 'R-4', amount_ore: 7_000, payer: 'Okänd AB', reason: `no invoice has OCR ${unknown}`, reason_code: 'unknown_ocr', booking_date: '2026-12-03', why: { code: 'unknown_ocr', facts: { ocr: unknown } } },
      { reference: 'R-5', amount_ore: 8_000, payer: 'Fel Siffra AB', reason: `OCR ${badCheck} fails its check digits`, reason_code: 'ocr_check_digits', booking_date: '2026-12-03', why: { code: 'ocr_check_digits', facts: { ocr: badCheck } } },
      { reference: 'R-6', amount_ore: 9_000, payer: 'Ingen Ref AB', reason: 'no OCR reference', reason_code: 'no_ocr', booking_date: '2026-12-03', why: { code: 'no_ocr', facts: {} } },
    ]);
    expect(r.applied).toEqual([
      { reference: 'R-1', invoice: 'F20001', amount_ore: 100_000, outcome: 'paid', remaining_ore: 0, overpaid_ore: 0 },
      { reference: 'R-2', invoice: 'F20002', amount_ore: 150_000, outcome: 'partly_paid', remaining_ore: 50_000, overpaid_ore: 0 },
      { reference: 'R-3', invoice: 'F20003', amount_ore: 60_000, outcome: 'overpaid', remaining_ore: 0, overpaid_ore: 10_000 },
    ]);
    const rec = await listReceivables(t.db, { today: '2026-12-04', customerId: c.customerId });
    expect(rec.credit_balances).toEqual([{ customer_id: c.customerId, amount_ore: 10_000 }]);
    expect(rec.total_ore).toBe(-10_000);

    // The same file again, and the same payment in another file (08): recorded once.
    const again = await run(camt('02', [pay('R-1', 100_000, a.ocr), pay('R-2', 150_000, b.ocr), pay('R-3', 60_000, c.ocr), pay('R-4', 7_000, ocrFromBase('99999', { lengthDigit: true })), pay('R-5', 8_000, badCheck), pay('R-6', 9_000)]));
    expect(again).toMatchObject({ payments: 6, matched: 0, duplicates: 6, unmatched: [] });
    // The rest of B in a later file (version 08): a partial, then the final payment.
    const rest = await run(camt('08', [pay('R-2', 150_000, b.ocr), pay('R-7', 50_000, b.ocr)]));
    expect(rest).toMatchObject({ matched: 1, paid: 1, duplicates: 1 });
    const paidB = await t.db('payments').where({ invoice_id: b.id }).sum({ s: 'amount_ore' }).first();
    expect(Number(paidB!.s)).toBe(200_000);
    expect(await t.db('payments').count({ n: '*' }).first()).toEqual({ n: 7 });
  });

  it('a payment of a fully credited invoice is an overpayment; one OCR paid twice in one file is partly then over', async () => {
    const inv = await seedInvoice(t.db, { number: 20010, totalOre: 40_000, dueDate: '2026-12-01' });
    await seedInvoice(t.db, { number: 1, totalOre: -40_000, dueDate: '2026-12-01', kind: 'credit_note', creditOf: inv.id, customerId: inv.customerId });
    const r = await run(camt('08', [pay('C-1', 40_000, inv.ocr)]));
    expect(r.applied[0]).toMatchObject({ outcome: 'overpaid', overpaid_ore: 40_000 });
    const two = await seedInvoice(t.db, { number: 20011, totalOre: 10_000, dueDate: '2026-12-01' });
    const r2 = await run(camt('02', [pay('D-1', 6_000, two.ocr), pay('D-2', 6_000, two.ocr)]));
    expect(r2.applied.map((a) => [a.outcome, a.remaining_ore, a.overpaid_ore])).toEqual([['partly_paid', 4_000, 0], ['overpaid', 0, 2_000]]);
  });

  it('refuses a file whose totals disagree, for another bankgiro, or not schema-valid, and stores nothing', async () => {
    const inv = await seedInvoice(t.db, { number: 20020, totalOre: 10_000, dueDate: '2026-12-01' });
    const before = await t.db('payments').count({ n: '*' }).first();
    const importsBefore = await t.db('payment_imports').count({ n: '*' }).first();
    const refused = async (bytes: Buffer) => run(bytes).then(() => null, (e: unknown) => e);
    expect(await refused(camt('02', [pay('X-1', 10_000, inv.ocr)], { amountOre: 10_001 }))).toBeInstanceOf(PaymentFileError);
    expect(await refused(camt('02', [pay('X-2', 10_000, inv.ocr)], { bankgiro: '9912346' }))).toBeInstanceOf(PaymentFileError);
    // Readable by the parser, refused by the schema: nothing of it stays, though it was matched.
    const invalid = Buffer.from(camt('08', [pay('X-3', 10_000, inv.ocr)]).toString('utf8').replace(/<BkTxCd>.*?<\/BkTxCd>/, ''));
    const err = (await refused(invalid)) as PaymentFileError;
    expect(err.reason).toMatch(/not valid against the camt\.054\.001\.08 schema/);
    expect(await t.db('payments').count({ n: '*' }).first()).toEqual(before);
    expect(await t.db('payment_imports').count({ n: '*' }).first()).toEqual(importsBefore);
  });

  it('reads BgMax the same way: matched by OCR, deductions ignored, the same BGC number once', async () => {
    const inv = await seedInvoice(t.db, { number: 20030, totalOre: 30_000, dueDate: '2026-12-01' });
    const file = Buffer.from(bgmaxFile([{ bankgiro: '54029681', date: '20261203', payments: [
      { ocr: inv.ocr, amountOre: 30_000, bgcNumber: '000000000301', name: 'Betalare AB' },
      { amountOre: 1_000, bgcNumber: '000000000302', name: 'Utan Referens AB' },
      { ocr: inv.ocr, amountOre: 500, bgcNumber: '000000000303', deduction: true },
    ] }]), 'latin1');
    const r = await run(file, 'bgmax.txt');
    expect(r).toMatchObject({ format: 'bgmax', payments: 2, matched: 1, paid: 1 });
    expect(r.unmatched).toEqual([{ reference: 'BGC000000000302', amount_ore: 1_000, payer: 'Utan Referens AB', reason: 'no OCR (BgMax reference code 0)', reason_code: 'bgmax_not_ocr', booking_date: '2026-12-03', why: { code: 'bgmax_not_ocr', facts: { referenceCode: '0', reference: null } } }]);
    expect(r.ignored.map((i) => i.reference)).toEqual(['BGC000000000303']);
    expect((await run(file, 'bgmax.txt')).duplicates).toBe(2);
  });

  it('an unmatched payment is assigned by hand once, recorded with who did it', async () => {
    const inv = await seedInvoice(t.db, { number: 20040, totalOre: 25_000, dueDate: '2026-12-01' });
    await run(camt('02', [pay('U-1', 25_000, undefined, 'Glömde OCR AB')]));
    const assigned = await assignPayment(t.db, { reference: 'U-1', shares: [{ invoice: 'F20040', amountOre: null }], by: 'Anna Ekonom', now: new Date('2026-12-04T10:00:00Z') });
    expect(assigned).toEqual({ reference: 'U-1', amount_ore: 25_000, assigned_by: 'Anna Ekonom', parts: [{ reference: 'U-1', invoice: 'F20040', amount_ore: 25_000, outcome: 'paid', remaining_ore: 0, overpaid_ore: 0 }] });
    expect(await t.db('payments').where({ reference: 'U-1' }).first('invoice_id', 'assigned_by')).toEqual({ invoice_id: inv.id, assigned_by: 'Anna Ekonom' });
    await expect(assignPayment(t.db, { reference: 'U-1', shares: [{ invoice: 'F20040', amountOre: null }], by: 'Bertil', now: new Date() })).rejects.toThrow(/already booked against F20040 \(assigned by Anna Ekonom\)/);
    await expect(assignPayment(t.db, { reference: 'NOPE', shares: [{ invoice: 'F20040', amountOre: null }], by: 'Bertil', now: new Date() })).rejects.toThrow(/no payment with reference NOPE/);
    // The database itself refuses to move a matched payment.
    await expect(t.db('payments').where({ reference: 'U-1' }).update({ invoice_id: null })).rejects.toThrow(/only an unmatched payment can be assigned/);
  });
});

describe('payment statuses in the ledger', () => {
  it('invoices list shows paid, partly paid, overpaid and overdue with paid and remaining amounts', async () => {
    const period = '2026-09';
    const inv = (number: number, totalOre: number, dueDate: string) => seedInvoice(t.db, { number, totalOre, dueDate, period });
    const [paid, part, over, late, open] = await Promise.all([inv(21001, 10_000, '2099-01-01'), inv(21002, 10_000, '2099-01-01'), inv(21003, 10_000, '2099-01-01'), inv(21004, 10_000, '2020-01-01'), inv(21005, 10_000, '2099-01-01')]);
    await run(camt('08', [pay('L-1', 10_000, paid.ocr), pay('L-2', 4_000, part.ocr), pay('L-3', 12_000, over.ocr), pay('L-4', 1_000, late.ocr)]));
    const list = await listInvoicesJson(t.db, period);
    expect(list.map((i) => [i.number, i.status, i.paid_ore, i.remaining_ore])).toEqual([
      [paid.number, 'paid', 10_000, 0],
      [part.number, 'partly_paid', 4_000, 6_000],
      [over.number, 'overpaid', 12_000, 0],
      [late.number, 'overdue', 1_000, 9_000],
      [open.number, 'final', 0, 10_000],
    ]);
  });
});
