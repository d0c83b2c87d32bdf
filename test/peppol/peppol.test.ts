import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePeriod, roundToKronor, sumOre, vatOf } from '../../billing';
import { rateCredit } from '../../billing/credit';
import type { InvoiceLine, RatedInvoice } from '../../billing/types';
import { writeDemoData } from '../../demo/demo-data';
import { importCustomers, importPartners, importPrices, importUsage } from '../../imports';
import type { InvoiceDocument } from '../../pdf/invoice-document';
import { buildUbl } from '../../peppol/ubl';
import { masterDataProblems } from '../../store/customers';
import { foldBilledUsage, rateCustomer } from '../../store/rating';
import { finalInvoice, WORKED_EXAMPLE } from '../../demo/worked-example-invoice';
import { createTestDatabase } from '../support/database';
import { compiledRules, validatePeppol, validatePeppolMany, type ValidationResult } from '../../devenv/peppol-validation';

// Every e-invoice shape we produce, checked against the UBL 2.1 schema and both official rule
// sets (EN 16931 and Peppol BIS 3.0) from ../shared/peppol: zero fatal asserts allowed.

const timings: { what: string; ms: number }[] = [];

beforeAll(async () => {
  // Compiled once per machine and rules version (cached .sef.json); timed apart from validation.
  await compiledRules('EN16931-UBL-validation.xslt');
  await compiledRules('PEPPOL-EN16931-UBL.xslt');
}, 120_000);

afterAll(() => {
  if (timings.length === 0) return;
  const ms = timings.map((t) => t.ms).sort((a, b) => a - b);
  console.log(`peppol validation: ${ms.length} documents, median ${ms[Math.floor(ms.length / 2)].toFixed(0)} ms, max ${ms[ms.length - 1].toFixed(0)} ms per document`);
});

function expectValid(what: string, r: ValidationResult): void {
  timings.push({ what, ms: r.ms });
  expect({ what, schema: r.schemaErrors, fatal: r.fatal }).toEqual({ what, schema: [], fatal: [] });
}

function line(article: InvoiceLine['article'], quantity: number, unitPriceOre: number, vatPercent = 25, proRata: InvoiceLine['proRata'] = null): InvoiceLine {
  const amountOre = proRata ? Math.round((quantity * unitPriceOre * proRata.billedDays) / proRata.daysInMonth) : quantity * unitPriceOre;
  return { article, description: `OneStop Reporting - ${article}`, legacyDescription: article, quantity, unitPriceOre, amountOre, vatPercent, proRata };
}

/** Totals as rating makes them (VAT per rate half up, öresavrundning to whole kronor). */
function rated(lines: InvoiceLine[], reverse = false): RatedInvoice {
  const netOre = sumOre(lines.map((l) => l.amountOre));
  const vatOre = reverse ? 0 : vatOf(netOre, 25);
  const { roundedOre, roundingOre } = roundToKronor(netOre + vatOre);
  return {
    customerId: 'C-1001',
    period: '2024-11',
    lines,
    vatBreakdown: [reverse ? { vatPercent: 0, vatCategory: 'AE', baseOre: netOre, vatOre: 0 } : { vatPercent: 25, vatCategory: 'S', baseOre: netOre, vatOre }],
    netOre,
    vatOre,
    roundingOre,
    totalOre: roundedOre,
    vatTreatment: reverse ? 'reverse_charge' : 'domestic',
  };
}

function creditDocument(credit: RatedInvoice, number: string): InvoiceDocument {
  return finalInvoice({ number, ocr: '0100115', invoice: credit, creditOf: '10042', creditOfIssueDate: '2024-12-02', creditReason: 'Fel antal portalanvändare' });
}

const REVERSE_BUYER = { ...finalInvoice().buyer, name: 'Müller & Söhne GmbH', country: 'DE', vatNumber: 'DE123456789', orgNumber: 'HRB 12345', street: 'Hauptstraße 5', postalCode: '10115', city: 'Berlin' };

describe('Peppol BIS Billing 3.0 documents', () => {
  const cases: [string, InvoiceDocument][] = [
    ['ordinary invoice (worked example, rounding up +0,50)', finalInvoice()],
    ['rounding down (−0,01)', finalInvoice({ invoice: rated([line('smart', 1, 10_001)]) })],
    ['no rounding', finalInvoice({ invoice: rated([line('smart', 1, 149_600)]) })],
    ['pro rata after a prepaid quarter', finalInvoice({ invoice: rated([line('smart', 1, 149_500, 25, { billedDays: 13, daysInMonth: 30 }), line('extra_company', 2, 29_500, 25, { billedDays: 13, daysInMonth: 30 })]) })],
    ['reverse charge (AE, both VAT numbers)', finalInvoice({ buyer: REVERSE_BUYER, invoice: rated([line('komplett', 1, 299_500, 0), line('portal_user', 3, 19_500, 0)], true) })],
    ['no buyer reference in the customer data', finalInvoice({ buyer: { ...finalInvoice().buyer, buyerReference: null } })],
  ];
  for (const [what, doc] of cases) {
    it(`${what} is valid`, async () => {
      const xml = buildUbl(doc);
      expectValid(what, await validatePeppol(xml));
    });
  }

  it('a partial and then a full credit note are valid CreditNotes that add up to the invoice', async () => {
    const partial = rateCredit('10042', WORKED_EXAMPLE, [], [{ article: 'portal_user', quantity: 1 }]);
    const rest = rateCredit('10042', WORKED_EXAMPLE, [{ number: 'K1', credit: partial }], null);
    const whole = rateCredit('10042', WORKED_EXAMPLE, [], null);
    const xmls = [buildUbl(creditDocument(partial, 'K1')), buildUbl(creditDocument(rest, 'K2')), buildUbl(creditDocument(whole, 'K3'))];
    expect(xmls.every((x) => x.includes('<CreditNote ') && x.includes('<cbc:CreditNoteTypeCode>381<'))).toBe(true);
    const results = await validatePeppolMany(xmls);
    results.forEach((r, i) => expectValid(`credit note ${i + 1}`, r));
    expect(partial.totalOre + rest.totalOre).toBe(-WORKED_EXAMPLE.totalOre);
    expect(whole.totalOre).toBe(-WORKED_EXAMPLE.totalOre);
    expect(xmls[0]).toContain('<cbc:ID>10042</cbc:ID>\n      <cbc:IssueDate>2024-12-02</cbc:IssueDate>');
  });

  it('free text XML 1.0 cannot carry is refused naming the element; line breaks and tabs stay well-formed and valid', async () => {
    const whole = rateCredit('10042', WORKED_EXAMPLE, [], null);
    const withReason = (creditReason: string) => finalInvoice({ number: 'K9', ocr: '0100115', invoice: whole, creditOf: '10042', creditOfIssueDate: '2024-12-02', creditReason });
    // The probe's reason (issue 19): a bell character made K6.xml not well-formed.
    expect(() => buildUbl(withReason('line1\nline2\x07bell'))).toThrow(/cbc:Note contains U\+0007 at character \d+, which XML 1\.0 cannot carry/);
    expect(() => buildUbl(withReason('half a pair \ud800'))).toThrow(/cbc:Note contains U\+D800/);
    expect(() => buildUbl({ ...finalInvoice(), buyer: { ...finalInvoice().buyer, name: 'Bygg\u0000AB' } })).toThrow(/cbc:Name contains U\+0000/);
    const xml = buildUbl(withReason('rad ett\nrad två\tmed tabb & <vinkel>'));
    expect(xml).toContain('<cbc:Note>Orsak: rad ett&#xA;rad två&#x9;med tabb &amp; &lt;vinkel&gt;</cbc:Note>');
    expectValid('credit note with a line break and a tab in its reason', await validatePeppol(xml));
  });

  it('is deterministic: the same document value, also after a JSON round trip, gives the same bytes', () => {
    const doc = finalInvoice();
    expect(buildUbl(JSON.parse(JSON.stringify(doc)) as InvoiceDocument)).toBe(buildUbl(doc));
  });

  it('a broken document fails: no BuyerReference is PEPPOL-EN16931-R003, a wrong PayableAmount BR-CO-16', async () => {
    const xml = buildUbl(finalInvoice());
    const [noReference, wrongTotal] = await validatePeppolMany([
      xml.replace(/\s*<cbc:BuyerReference>[^<]*<\/cbc:BuyerReference>/, ''),
      xml.replace('<cbc:PayableAmount currencyID="SEK">3588.00<', '<cbc:PayableAmount currencyID="SEK">3589.00<'),
    ]);
    expect(noReference.fatal.map((f) => f.split(':')[0])).toContain('PEPPOL-EN16931-R003');
    expect(wrongTotal.fatal.map((f) => f.split(':')[0])).toContain('BR-CO-16');
    expect((await validatePeppol(xml.replace(/(<\/?)cbc:IssueDate>/g, '$1cbc:IssuedDate>'))).schemaErrors.length).toBeGreaterThan(0);
  });
});

describe('every invoice of a demo-sized tenant set', () => {
  let dir: string;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peppol-demo-'));
    database = await createTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rates the demo data as the close does and every document is valid', async () => {
    const period = parsePeriod('2024-11');
    const files = await writeDemoData(dir, { period: period.id, customers: 60 });
    const { db } = database;
    await importPrices(db, files.pricesCsv);
    await importPartners(db, files.partnersCsv);
    await importCustomers(db, files.customersCsv);
    await importUsage(db, files.usageCsv);
    const docs: InvoiceDocument[] = [];
    for (const customerId of await db('customers').orderBy('customer_id').pluck('customer_id')) {
      const { snapshot } = await foldBilledUsage(db, customerId, period);
      const { customer, outcome } = await rateCustomer(db, customerId, period, snapshot);
      if (outcome.kind !== 'invoice' || masterDataProblems(customer).length > 0) continue;
      const n = 10_001 + docs.length;
      docs.push(finalInvoice({ seller: finalInvoice().seller, buyer: customer, period: { id: period.id, firstDay: period.firstDay, lastDay: period.lastDay }, number: `F${n}`, ocr: `${n}`, invoice: outcome.invoice }));
    }
    expect(docs.length).toBeGreaterThan(40);
    expect(docs.some((d) => d.invoice.vatTreatment === 'reverse_charge')).toBe(true);
    expect(docs.some((d) => d.invoice.lines.some((l) => l.proRata))).toBe(true);
    const results = await validatePeppolMany(docs.map(buildUbl));
    results.forEach((r, i) => expectValid(`demo ${docs[i].buyer.customerId}`, r));
  }, 300_000);
});
