import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ocrFromBase } from '../../billing/ocr';
import { loadConfig } from '../../infra/config';
import { camt054Reader, parseCamt054 } from '../../payments/camt054';
import { camt054Xml, type CamtFileSpec, type CamtPaymentSpec } from '../../payments/camt054-writer';
import { PaymentFileError } from '../../payments/errors';
import { readBankFile, readPaymentFile } from '../../payments/read-file';
import type { BankPayment, IgnoredEntry } from '../../payments/types';
import { importPaymentFile } from '../../store/payments';
import { createTestDatabase } from '../support/database';
import { seedInvoice } from './seed-invoices';
import { refusal } from './refusal';

// A bank file is read in pieces and stored batch by batch (store/payments.ts: 5,000 payments per
// batch; payments/read-file.ts: pieces of 1 MiB). What a piece boundary cuts (a tag, an entity, a
// two-byte character, a line) reads as if the file were whole, and a fault found late refuses
// the whole file though earlier batches were already inserted in its transaction.

const BG = '5402-9681';
const config = loadConfig();
const ocr = (n: number) => ocrFromBase(String(n), { lengthDigit: true });

function file(payments: CamtPaymentSpec[], over: Partial<CamtFileSpec> = {}): string {
  const entries = [];
  for (let i = 0; i < payments.length; i += 1_000) entries.push({ reference: `DEP-${i / 1_000 + 1}`, bookingDate: '2026-12-03', payments: payments.slice(i, i + 1_000) });
  return camt054Xml({ version: '08', messageId: 'MSG-LARGE', createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', entries, summary: {}, ...over });
}

function readInPieces(xml: string, size: number): { payments: BankPayment[]; ignored: IgnoredEntry[]; messageId: string } {
  const payments: BankPayment[] = [];
  const ignored: IgnoredEntry[] = [];
  const reader = camt054Reader('bank.xml', BG, { payment: (p) => payments.push(p), ignored: (i) => ignored.push(i) });
  for (let at = 0; at < xml.length; at += size) reader.write(xml.slice(at, at + size));
  return { payments, ignored, messageId: reader.end() };
}


describe('a camt.054 read in pieces', () => {
  const names = ['Åkesson & Öberg AB', 'PROV <SÖNER> "AB"', 'Ünal Ærø Handel', 'Kund med ett mycket långt namn som fortsätter AB'];
  const xml = file(Array.from({ length: 12 }, (_, i) => ({ reference: `20261203-BG-${String(i).padStart(6, '0')}`, amountOre: 10_000 + i, payer: names[i % names.length], ocr: ocr(10_001 + i) })))
    .replace('<Ntry>', '<!-- the bank\'s comment --><Ntry>')
    .replace('<Nm>Åkesson', '<Nm><![CDATA[Å]]>kesson');

  it('reads the same payments, payers and ignored entries whatever the size of the pieces', () => {
    const whole = parseCamt054(xml, 'bank.xml', BG);
    expect(whole.payments).toHaveLength(12);
    expect(whole.payments[0].payer).toBe('Åkesson & Öberg AB');
    expect(whole.payments[1].payer).toBe('PROV <SÖNER> "AB"');
    for (const size of [1, 2, 3, 7, 13, 64, 1000]) {
      expect(readInPieces(xml, size), `pieces of ${size}`).toEqual({ payments: whole.payments, ignored: whole.ignored, messageId: 'MSG-LARGE' });
    }
  });

  it('names the same line for a fault, whatever the size of the pieces', () => {
    const entrySum = xml.replace(/<Ntry><Amt Ccy="SEK">[\d.]+<\/Amt>/, '<Ntry><Amt Ccy="SEK">1.00</Amt>');
    const broken = xml.replace('</RltdPties>', '');
    for (const bad of [entrySum, broken]) {
      const whole = refusal(() => parseCamt054(bad, 'bank.xml', BG));
      expect(whole.line).toBeGreaterThan(1);
      for (const size of [1, 5, 100]) expect(refusal(() => readInPieces(bad, size)).message).toBe(whole.message);
    }
  });

  it('decodes a file of more than one piece (1 MiB) without cutting a two-byte character', () => {
    const payments = Array.from({ length: 4_000 }, (_, i) => ({ reference: `P-${i}`, amountOre: 100, payer: `Åsa Öberg ${'ä'.repeat(1 + (i % 7))}`, ocr: ocr(50_000 + i) }));
    const bytes = Buffer.from(file(payments));
    expect(bytes.length).toBeGreaterThan(1 << 20);
    const read = readPaymentFile(bytes, 'bank.xml', BG).parsed;
    expect(read.payments.map((p) => p.payer)).toEqual(payments.map((p) => p.payer));
  });
});

describe('a large file stored batch by batch', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payments-large-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await t?.drop();
  });

  // 12,000 payments: three batches. Most pay no invoice of ours (an unknown OCR), so no
  // invoices need seeding; the first and the last pay the same one.
  const payments = (inv: { ocr: string }, prefix: string): CamtPaymentSpec[] =>
    Array.from({ length: 12_000 }, (_, i) => ({ reference: `${prefix}-${i}`, amountOre: 1_000, payer: `Betalare ${i} AB`, ocr: i === 0 || i === 11_999 ? inv.ocr : ocr(900_000 + i) }));

  it('an invoice paid in the first batch and again in the last counts both; a reference again in a later batch is a duplicate', async () => {
    const inv = await seedInvoice(t.db, { number: 30001, totalOre: 1_500, dueDate: '2026-12-01' });
    const list = payments(inv, 'B');
    list[11_000] = { ...list[5], payer: 'Samma Betalning AB' }; // the bank's reference B-5 again, two batches later
    const name = path.join(dir, 'large.xml');
    fs.writeFileSync(name, file(list));
    const r = await importPaymentFile(t.db, config, name, readBankFile(name));
    expect(r).toMatchObject({ payments: 12_000, matched: 2, partly_paid: 1, overpaid: 1, duplicates: 1 });
    expect(r.applied.map((a) => [a.reference, a.outcome, a.remaining_ore, a.overpaid_ore])).toEqual([['B-0', 'partly_paid', 500, 0], ['B-11999', 'overpaid', 0, 500]]);
    expect(r.unmatched).toHaveLength(11_997);
    expect(await t.db('payments').count({ n: '*' }).first()).toEqual({ n: 11_999 });
  });

  it('a fault in the last deposit refuses the whole file: nothing of the batches before it stays', async () => {
    const inv = await seedInvoice(t.db, { number: 30002, totalOre: 1_000, dueDate: '2026-12-01' });
    const name = path.join(dir, 'late-fault.xml');
    // The last deposit says one transaction more than it holds.
    const xml = file(payments(inv, 'C'));
    const last = xml.lastIndexOf('<NbOfTxs>1000</NbOfTxs>');
    fs.writeFileSync(name, xml.slice(0, last) + '<NbOfTxs>1001</NbOfTxs>' + xml.slice(last + '<NbOfTxs>1000</NbOfTxs>'.length));
    const before = await t.db('payments').count({ n: '*' }).first();
    const importsBefore = await t.db('payment_imports').count({ n: '*' }).first();
    const err = await importPaymentFile(t.db, config, name, readBankFile(name)).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentFileError);
    expect((err as PaymentFileError).reason).toBe('entry DEP-12 says 1001 transactions (Btch/NbOfTxs) but holds 1000');
    expect(await t.db('payments').count({ n: '*' }).first()).toEqual(before);
    expect(await t.db('payment_imports').count({ n: '*' }).first()).toEqual(importsBefore);
    expect(await t.db('payments').where({ invoice_id: inv.id }).count({ n: '*' }).first()).toEqual({ n: 0 });
  });
});
