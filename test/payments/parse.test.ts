import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ocrFromBase } from '../../billing/ocr';
import { PROJECT_ROOT } from '../../infra/paths';
import { camtSchemaErrors } from '../../payments/camt-schema';
import { camt054Xml, type CamtFileSpec } from '../../payments/camt054-writer';
import { PaymentFileError } from '../../payments/errors';
import { assertSchemaValid, readPaymentFile } from '../../payments/read-file';
import { bgmaxFile } from './bgmax-file';
import { refusal } from './refusal';

const ISO_DIR = path.resolve(PROJECT_ROOT, '..', 'shared', 'iso20022');
const BG = '5402-9681';
const ocr = (n: number) => ocrFromBase(String(n), { lengthDigit: true });

const read = (text: string, file = 'bank.xml') => readPaymentFile(Buffer.from(text, text.startsWith('01BGMAX') ? 'latin1' : 'utf8'), file, BG);

function deposit(version: '02' | '08', over: Partial<CamtFileSpec> = {}): CamtFileSpec {
  return {
    version,
    messageId: 'BG54029681-20261204-0001',
    createdAt: '2026-12-04T06:12:00',
    bankgiro: '54029681',
    entries: [
      {
        reference: '20261203-BG-000001',
        bookingDate: '2026-12-03',
        payments: [
          { reference: '20261203-BG-000001-1', amountOre: 358_800, payer: 'Åkesson & Öberg AB', ocr: ocr(10001) },
          { reference: '20261203-BG-000001-2', amountOre: 125_000, payer: 'PROV <SÖNER> AB', ocr: ocr(10002) },
          { reference: '20261203-BG-000001-3', amountOre: 9_950, payer: 'Utan Referens HB', message: 'faktura 10003' },
        ],
      },
    ],
    summary: {},
    ...over,
  };
}

describe('camt.054 (ISO 20022)', () => {
  for (const version of ['02', '08'] as const) {
    it(`reads the shared example file of version ${version}: one deposit of two payments`, async () => {
      const xml = fs.readFileSync(path.join(ISO_DIR, `example-camt054-001-${version}.xml`), 'utf8');
      const r = read(xml);
      expect(await r.schemaErrors).toEqual([]);
      expect(r.parsed.format).toBe(`camt.054.001.${version}`);
      expect(r.parsed.payments).toEqual([
        { reference: '20250429-BG-000123-1', amountOre: 358_800, bookingDate: '2025-04-29', payer: 'EXEMPELBOLAGET AB', ocr: '1000173', noOcrReason: null },
        { reference: '20250429-BG-000123-2', amountOre: 125_000, bookingDate: '2025-04-29', payer: 'PROV & SÖNER AB', ocr: '1000272', noOcrReason: null },
      ]);
      expect(r.parsed.ignored).toEqual([]);
    });

    it(`version ${version}: a deposit of several payments, written by the rules, is schema-valid and read payment by payment`, async () => {
      const xml = camt054Xml(deposit(version));
      expect(await camtSchemaErrors(xml, `camt.054.001.${version}`)).toEqual([]);
      const { parsed } = read(xml);
      expect(parsed.payments.map((p) => [p.reference, p.amountOre, p.payer, p.ocr])).toEqual([
        ['20261203-BG-000001-1', 358_800, 'Åkesson & Öberg AB', '1000173'],
        ['20261203-BG-000001-2', 125_000, 'PROV <SÖNER> AB', '1000272'],
        ['20261203-BG-000001-3', 9_950, 'Utan Referens HB', null],
      ]);
    });

    it(`version ${version}: debits, pending entries, other currencies and other accounts are listed as ignored with the reason`, async () => {
      const spec = deposit(version);
      const one = (reference: string, over: object) => ({ reference, bookingDate: '2026-12-03', payments: [{ reference: `${reference}-1`, amountOre: 1000, payer: 'X AB', ocr: ocr(10009) }], ...over });
      spec.entries.push(one('DBIT-1', { cdtDbt: 'DBIT' }), one('PDNG-1', { status: 'PDNG' }), one('EUR-1', { currency: 'EUR' }));
      const xml = camt054Xml(spec);
      expect(await camtSchemaErrors(xml, `camt.054.001.${version}`)).toEqual([]);
      const { parsed } = read(xml);
      expect(parsed.payments).toHaveLength(3);
      expect(parsed.ignored).toEqual([
        { reference: 'DBIT-1-1', amountOre: 1000, reason: { code: 'debit', facts: {} } },
        { reference: 'PDNG-1-1', amountOre: 1000, reason: { code: 'not_booked', facts: { status: 'PDNG' } } },
        { reference: 'EUR-1-1', amountOre: 1000, reason: { code: 'not_sek', facts: { currency: 'EUR' } } },
      ]);
      const iban = read(camt054Xml({ ...deposit(version), iban: 'SE4550000000058398257466' })).parsed;
      expect(iban.payments).toEqual([]);
      expect(iban.ignored[0].reason).toEqual({ code: 'not_seller_account', facts: { account: 'SE4550000000058398257466', sellerBankgiro: '5402-9681' } });
    });

    it(`version ${version}: a file whose own figures disagree, or for another bankgiro, is refused whole`, () => {
      const entrySum = deposit(version);
      entrySum.entries[0].amountOre = 500_000;
      expect(refusal(() => read(camt054Xml(entrySum))).message).toMatch(/entry 20261203-BG-000001: its transactions sum to 4937\.50 but the entry says 5000\.00; the file was refused whole/);
      const count = deposit(version);
      count.entries[0].batchCount = 4;
      expect(refusal(() => read(camt054Xml(count))).reason).toBe('entry 20261203-BG-000001 says 4 transactions (Btch/NbOfTxs) but holds 3');
      const summary = deposit(version, { summary: { creditSumOre: 1 } });
      expect(refusal(() => read(camt054Xml(summary))).reason).toMatch(/credit sum is 0\.01 by its summary \(TxsSummry\) but 4937\.50 by its entries/);
      const other = refusal(() => read(camt054Xml(deposit(version, { bankgiro: '9912346' }))));
      expect(other.reason).toBe("the notification is for bankgiro 9912346, not the seller's 5402-9681");
      expect(other.line).toBeGreaterThan(1);
    });
  }

  it('a camt.054 that breaks its schema is refused with the line and the reason', async () => {
    const xml = camt054Xml(deposit('02')).replace(/<BkTxCd>.*?<\/BkTxCd>/, '');
    const r = read(xml);
    const err = await assertSchemaValid(r, 'bank.xml').then(() => null, (e: unknown) => e as PaymentFileError);
    expect(err).toBeInstanceOf(PaymentFileError);
    expect(err!.line).toBe(9);
    expect(err!.reason).toMatch(/^not valid against the camt\.054\.001\.02 schema: .*NtryDtls.*BkTxCd/);
  });

  it('broken XML, a DOCTYPE and other files are refused naming what they are', () => {
    expect(refusal(() => read(camt054Xml(deposit('08')).replace('</Ntry>', ''))).reason).toMatch(/^not well-formed XML: <\/NtryDtls> closes|^not well-formed XML/);
    expect(refusal(() => read('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>')).reason).toMatch(/DOCTYPE/);
    expect(refusal(() => read('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')).reason).toBe('XML, but not a camt.054.001.02 or .08 notification');
    expect(refusal(() => read('kund;belopp\n1;2\n', 'bank.csv')).reason).toMatch(/neither a camt\.054 notification \(XML\) nor a BgMax file/);
    expect(refusal(() => read('', 'empty.xml')).reason).toBe('the file is empty');
  });
});

describe('BgMax (Bankgirot, legacy)', () => {
  const good = () =>
    bgmaxFile([
      {
        bankgiro: '54029681',
        date: '20261203',
        payments: [
          { ocr: ocr(10001), amountOre: 358_800, bgcNumber: '000000000101', name: 'Åkesson & Öberg AB' },
          { amountOre: 5_000, bgcNumber: '000000000102', name: 'Utan OCR AB' },
          { ocr: '12345', code: '5', amountOre: 7_000, bgcNumber: '000000000103' },
          { ocr: ocr(10004), amountOre: 2_000, bgcNumber: '000000000104', deduction: true },
        ],
      },
      { bankgiro: '54029681', date: '20261204', payments: [{ ocr: ocr(10002), amountOre: 125_000, bgcNumber: '000000000105', extraReference: ocr(10003) }] },
    ]);

  it('reads payments by their OCR (reference code 2), deposit by deposit, with the payer from the name record', () => {
    const { parsed } = read(good(), 'bgmax.txt');
    expect(parsed.format).toBe('bgmax');
    expect(parsed.payments).toEqual([
      { reference: 'BGC000000000101', amountOre: 358_800, bookingDate: '2026-12-03', payer: 'Åkesson & Öberg AB', ocr: '1000173', noOcrReason: null },
      { reference: 'BGC000000000102', amountOre: 5_000, bookingDate: '2026-12-03', payer: 'Utan OCR AB', ocr: null, noOcrReason: { code: 'bgmax_not_ocr', facts: { referenceCode: '0', reference: null } } },
      { reference: 'BGC000000000103', amountOre: 7_000, bookingDate: '2026-12-03', payer: 'bankgiro 9912346', ocr: null, noOcrReason: { code: 'bgmax_not_ocr', facts: { referenceCode: '5', reference: '12345' } } },
      {
        reference: 'BGC000000000105', amountOre: 125_000, bookingDate: '2026-12-04', payer: 'bankgiro 9912346', ocr: null, noOcrReason: null,
        parts: [
          { reference: 'BGC000000000105', amountOre: null, ocr: '1000272', noOcrReason: null },
          { reference: 'BGC000000000105-2', amountOre: null, ocr: '1000371', noOcrReason: null },
        ],
      },
    ]);
    expect(parsed.ignored).toEqual([{ reference: 'BGC000000000104', amountOre: -2_000, reason: { code: 'bgmax_deduction', facts: { deductionCode: '1', reference: ocr(10004) } } }]);
  });

  it('refuses a file whose deposit or end record disagrees, for another bankgiro, or cut short', () => {
    const dep = (over: object) => [{ bankgiro: '54029681', date: '20261203', payments: [{ ocr: ocr(10001), amountOre: 100, bgcNumber: '000000000201' }], ...over }];
    expect(refusal(() => read(bgmaxFile(dep({ saysTotalOre: 101 })))).message).toBe('bank.xml, line 4: the deposit says 1.01 but its payments sum to 1.00; the file was refused whole, nothing was recorded');
    expect(refusal(() => read(bgmaxFile(dep({ saysCount: 2 })))).reason).toBe('the deposit says 2 payments but holds 1');
    expect(refusal(() => read(bgmaxFile(dep({}), { endSays: { payment: 3 } }))).reason).toBe('the end record says 3 payment records but the file holds 1');
    expect(refusal(() => read(bgmaxFile(dep({ bankgiro: '9912346' })))).reason).toBe("the deposit is for bankgiro 9912346, not the seller's 5402-9681");
    expect(refusal(() => read(bgmaxFile(dep({ currency: 'EUR' })))).reason).toBe('currency "EUR", not SEK');
    const lines = bgmaxFile(dep({})).split('\r\n');
    expect(refusal(() => read(lines.slice(0, 4).join('\r\n'))).reason).toBe('no end record (70): the file is cut short');
    expect(refusal(() => read(lines.map((l, i) => (i === 2 ? l.slice(0, 79) : l)).join('\r\n'))).reason).toBe('a BgMax record is 80 characters, this one is 79');
    expect(refusal(() => read(bgmaxFile(dep({}), { test: true }))).reason).toMatch(/a test file/);
  });
});
