import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ocrFromBase } from '../../billing/ocr';
import { loadConfig } from '../../infra/config';
import { parseBgMax } from '../../payments/bgmax';
import { PaymentFileError } from '../../payments/errors';
import { importPaymentFile } from '../../store/payments';
import { createTestDatabase } from '../support/database';
import { bgmaxFile, type BgPayment } from './bgmax-file';
import { seedInvoice } from './seed-invoices';
import { refusal } from './refusal';

// BgMax extra reference records (Bankgirot's layout): a payment record 20 may be followed by
// records 22 (extra reference) and 23 (extra reference, negative: a credit the payer deducted),
// each with the payment's serial number, its own reference, reference code and amount. The
// payment record carries the money (the deposit record 15 adds up payment records only); the end
// record 70 counts the extra records. The parts a payment is split into always add up to it.

const BG = '5402-9681';
const config = loadConfig();
const ocr = (n: number) => ocrFromBase(String(n), { lengthDigit: true });
const deposit = (payments: BgPayment[], over: object = {}) => bgmaxFile([{ bankgiro: '54029681', date: '20261203', payments, ...over }]);

describe('BgMax extra references, as read', () => {
  it('the deposit adds up the payment records only; the parts add up to the payment', () => {
    const file = deposit([{ ocr: ocr(40001), amountOre: 150_000, bgcNumber: '000000000501', extras: [{ ocr: ocr(40002), amountOre: 50_000 }] }]);
    const [p] = parseBgMax(file, 'bg.txt', BG).payments;
    expect(p.amountOre).toBe(150_000);
    expect(p.parts).toEqual([
      { reference: 'BGC000000000501', amountOre: 100_000, ocr: ocr(40001), noOcrReason: null },
      { reference: 'BGC000000000501-2', amountOre: 50_000, ocr: ocr(40002), noOcrReason: null },
    ]);
    // A deposit record that also counted the extra reference's amount disagrees with the file.
    const counted = deposit([{ ocr: ocr(40001), amountOre: 150_000, bgcNumber: '000000000501', extras: [{ ocr: ocr(40002), amountOre: 50_000 }] }], { saysTotalOre: 200_000 });
    expect(refusal(() => parseBgMax(counted, 'bg.txt', BG)).reason).toBe('the deposit says 2000.00 but its payments sum to 1500.00');
    // The end record counts extra references: one fewer is a file cut or altered.
    const ended = bgmaxFile([{ bankgiro: '54029681', date: '20261203', payments: [{ ocr: ocr(40001), amountOre: 150_000, bgcNumber: '000000000501', extras: [{ ocr: ocr(40002), amountOre: 50_000 }] }] }], { endSays: { extra: 0 } });
    expect(refusal(() => parseBgMax(ended, 'bg.txt', BG)).reason).toBe('the end record says 0 extra records but the file holds 1');
  });

  it('a record 23 is a deducted credit: a negative part, the payment record reference taking the rest', () => {
    const [p] = parseBgMax(deposit([{ ocr: ocr(40001), amountOre: 80_000, bgcNumber: '000000000502', extras: [{ ocr: ocr(40009), amountOre: 20_000, negative: true }] }]), 'bg.txt', BG).payments;
    expect(p.parts!.map((x) => [x.reference, x.amountOre, x.ocr])).toEqual([['BGC000000000502', 100_000, ocr(40001)], ['BGC000000000502-2', -20_000, ocr(40009)]]);
  });

  it('a payment record listing its references (code 3) is split over the extra records alone', () => {
    const [p] = parseBgMax(deposit([{ reference: `${ocr(40001)} ${ocr(40002)}`, code: '3', amountOre: 150_000, bgcNumber: '000000000503', extras: [{ ocr: ocr(40001), amountOre: 100_000 }, { ocr: ocr(40002), amountOre: 50_000 }] }]), 'bg.txt', BG).payments;
    expect(p.parts!.map((x) => [x.reference, x.amountOre, x.ocr])).toEqual([['BGC000000000503', 100_000, ocr(40001)], ['BGC000000000503-2', 50_000, ocr(40002)]]);
  });

  it('extra references adding up to more than the payment leave it whole for finance; an extra record of another payment refuses the file', () => {
    const [p] = parseBgMax(deposit([{ ocr: ocr(40001), amountOre: 10_000, bgcNumber: '000000000504', extras: [{ ocr: ocr(40002), amountOre: 50_000 }] }]), 'bg.txt', BG).payments;
    expect(p.parts).toBeUndefined();
    expect(p.noOcrReason).toEqual({ code: 'references_exceed_payment', facts: { referencesOre: 50_000, paymentOre: 10_000 } });
    const other = deposit([{ ocr: ocr(40001), amountOre: 10_000, bgcNumber: '000000000505', extras: [{ ocr: ocr(40002), amountOre: 5_000, bgcNumber: '000000000999' }] }]);
    expect(refusal(() => parseBgMax(other, 'bg.txt', BG)).reason).toBe("an extra reference record (22) with Bankgirot's serial number 000000000999, not that of the payment (000000000505) it follows");
  });

  it('the extra, name and address records of a deduction (21) go with it, as in Bankgirot\'s example file', () => {
    const file = deposit([
      { ocr: ocr(40001), amountOre: 100_000, bgcNumber: '000000000506', name: 'Betalare AB' },
      { ocr: ocr(40002), amountOre: 50_000, bgcNumber: '000000000507', deduction: true, name: 'Betalare AB', extras: [{ ocr: ocr(40003) }] },
    ]);
    const read = parseBgMax(file, 'bg.txt', BG);
    expect(read.payments.map((p) => p.reference)).toEqual(['BGC000000000506']);
    expect(read.ignored.map((i) => i.reference)).toEqual(['BGC000000000507']);
  });
});

describe('BgMax extra references, imported', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());
  const run = (file: string) => importPaymentFile(t.db, config, 'bgmax.txt', Buffer.from(file, 'latin1'));
  const paidOn = async (id: number) => Number((await t.db('payments').where({ invoice_id: id }).sum({ s: 'amount_ore' }).first())!.s ?? 0);

  it('a payment over two invoices pays each its part, the parts adding up to the payment; a re-import adds nothing', async () => {
    const a = await seedInvoice(t.db, { number: 41001, totalOre: 100_000, dueDate: '2026-12-01' });
    const b = await seedInvoice(t.db, { number: 41002, totalOre: 50_000, dueDate: '2026-12-01' });
    const file = deposit([{ ocr: a.ocr, amountOre: 150_000, bgcNumber: '000000000601', name: 'Betalare AB', extras: [{ ocr: b.ocr, amountOre: 50_000 }] }]);
    const r = await run(file);
    expect(r).toMatchObject({ payments: 1, matched: 2, paid: 2, unmatched: [] });
    expect(r.applied.map((x) => [x.reference, x.invoice, x.amount_ore, x.outcome])).toEqual([['BGC000000000601', a.number, 100_000, 'paid'], ['BGC000000000601-2', b.number, 50_000, 'paid']]);
    expect([await paidOn(a.id), await paidOn(b.id)]).toEqual([100_000, 50_000]);
    // Again: the whole payment is a duplicate, nothing new.
    expect(await run(file)).toMatchObject({ payments: 1, matched: 0, duplicates: 1 });
    expect(await t.db('payments').whereLike('reference', 'BGC000000000601%').count({ n: '*' }).first()).toEqual({ n: 2 });
  });

  it('an unknown extra reference goes to unmatched with the payer and its amount; the known part is matched', async () => {
    const a = await seedInvoice(t.db, { number: 41011, totalOre: 100_000, dueDate: '2026-12-01' });
    const unknown = ocr(49999);
    const r = await run(deposit([{ ocr: a.ocr, amountOre: 120_000, bgcNumber: '000000000611', name: 'Betalare AB', extras: [{ ocr: unknown, amountOre: 20_000 }] }]));
    expect(r.applied.map((x) => [x.invoice, x.amount_ore, x.outcome])).toEqual([[a.number, 100_000, 'paid']]);
    expect(r.unmatched).toMatchObject([{ reference: 'BGC000000000611-2', amount_ore: 20_000, payer: 'Betalare AB', reason: `no invoice has OCR ${unknown}` }]);
  });

  it('a deducted credit (23) naming our credit note counts against the invoice it credits: the invoice is paid', async () => {
    const c = await seedInvoice(t.db, { number: 41021, totalOre: 100_000, dueDate: '2026-12-01' });
    const note = await seedInvoice(t.db, { number: 41022, totalOre: -20_000, dueDate: '2026-12-01', kind: 'credit_note', creditOf: c.id, customerId: c.customerId });
    const r = await run(deposit([{ ocr: c.ocr, amountOre: 80_000, bgcNumber: '000000000621', name: 'Betalare AB', extras: [{ ocr: note.ocr, amountOre: 20_000, negative: true }] }]));
    expect(r.applied.map((x) => [x.reference, x.invoice, x.amount_ore, x.outcome, x.remaining_ore])).toEqual([
      ['BGC000000000621-2', c.number, -20_000, 'partly_paid', 100_000],
      ['BGC000000000621', c.number, 100_000, 'paid', 0],
    ]);
    expect(await paidOn(c.id)).toBe(80_000); // what came in: 1,000.00 less the 200.00 credit, which the note already took off
    // A deducted credit naming no credit note of ours is left for finance, with its (negative) amount.
    const d = await seedInvoice(t.db, { number: 41023, totalOre: 100_000, dueDate: '2026-12-01' });
    const r2 = await run(deposit([{ ocr: d.ocr, amountOre: 90_000, bgcNumber: '000000000622', name: 'Betalare AB', extras: [{ ocr: ocr(49998), amountOre: 10_000, negative: true }] }]));
    expect(r2.unmatched).toMatchObject([{ reference: 'BGC000000000622-2', amount_ore: -10_000, payer: 'Betalare AB', reason: `a deducted credit (BgMax record 23) with OCR ${ocr(49998)}, which no credit note of ours has` }]);
    expect(r2.applied.map((x) => [x.amount_ore, x.outcome, x.overpaid_ore])).toEqual([[100_000, 'paid', 0]]);
  });

  it('without amounts per reference the payment pays every named invoice in full only when it is exactly their sum', async () => {
    const e = await seedInvoice(t.db, { number: 41031, totalOre: 10_000, dueDate: '2026-12-01' });
    const f = await seedInvoice(t.db, { number: 41032, totalOre: 20_000, dueDate: '2026-12-01' });
    const r = await run(deposit([{ ocr: e.ocr, amountOre: 30_000, bgcNumber: '000000000631', name: 'Betalare AB', extras: [{ ocr: f.ocr }] }]));
    expect(r.applied.map((x) => [x.invoice, x.amount_ore, x.outcome])).toEqual([[e.number, 10_000, 'paid'], [f.number, 20_000, 'paid']]);
    const g = await seedInvoice(t.db, { number: 41033, totalOre: 10_000, dueDate: '2026-12-01' });
    const h = await seedInvoice(t.db, { number: 41034, totalOre: 20_000, dueDate: '2026-12-01' });
    const short = await run(deposit([{ ocr: g.ocr, amountOre: 25_000, bgcNumber: '000000000632', name: 'Betalare AB', extras: [{ ocr: h.ocr }] }]));
    expect(short.applied).toEqual([]);
    expect(short.unmatched).toMatchObject([{ reference: 'BGC000000000632', amount_ore: 25_000, payer: 'Betalare AB', reason: `names 2 references (${g.ocr}, ${h.ocr}) without an amount for each, and is not exactly what their invoices have open together: assign it by hand` }]);
  });
});
