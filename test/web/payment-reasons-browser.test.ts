import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ocrFromBase } from '../../billing/ocr';
import { camt054Xml } from '../../payments/camt054-writer';
import { startConsole } from '../../web/server';
import { bgmaxFile } from '../payments/bgmax-file';
import { seedInvoice } from '../payments/seed-invoices';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { runCli } from '../support/cli-runner';
import { launchBrowser, logInPage, logOut } from './browser';
import { PASSWORD, seedUser } from './support';

// Every reason a real import gives (camt.054 and BgMax files written by the formats' rules) reads
// as Swedish in `payments import`'s text and on finance's Kundfordringar, from its code and facts;
// `--json` keeps the English it always printed, with the code beside it.

let h: CloseHarness;
let served: { url: string; close(): Promise<void> };
let browser: { context: BrowserContext; close(): Promise<void> };
let dir: string;
let env: NodeJS.ProcessEnv;
const ocr = (n: number) => ocrFromBase(String(n), { lengthDigit: true });
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
const cli = async (args: string[]) => {
  const r = await runCli(args, env);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

/** Per unmatched payment: its reference, code, English and Swedish. */
const unmatched: [reference: string, code: string, english: string, swedish: string][] = [];
/** Per ignored entry: its code and Swedish, as the import's text lists it. */
const ignored: [reference: string, code: string, swedish: string][] = [];
const files: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  h = await createCloseHarness();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-reasons-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(h.config));
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: path.join(dir, 'config.json'), LOG_LEVEL: 'warn' };
  const inv = (number: number, totalOre: number) => seedInvoice(h.db, { number, totalOre, dueDate: '2026-12-01' });
  const [a, b, c, d, e] = [await inv(61001, 100_000), await inv(61002, 10_000), await inv(61003, 20_000), await inv(61004, 50_000), await inv(61005, 30_000)];
  const badCheck = `${a.ocr.slice(0, -1)}${(Number(a.ocr.slice(-1)) + 1) % 10}`;
  const bg = h.config.seller.bankgiro;

  // camt.054: unmatched payments of a booked deposit; a debit, a pending entry and euros ignored.
  const camt = path.join(dir, 'camt.xml');
  fs.writeFileSync(camt, camt054Xml({
    version: '08', messageId: 'REASONS-1', createdAt: '2026-12-04T06:00:00', bankgiro: '54029681',
    entries: [
      { reference: 'E-1', bookingDate: '2026-12-03', payments: [
        { reference: 'C-NO-OCR', amountOre: 1_000, payer: 'Ingen Ref AB' },
        { reference: 'C-CHECK', amountOre: 2_000, payer: 'Fel Siffra AB', ocr: badCheck },
        { reference: 'C-UNKNOWN', amountOre: 3_000, payer: 'Okänd AB', ocr: ocr(99999) },
      ] },
      { reference: 'E-2', bookingDate: '2026-12-03', cdtDbt: 'DBIT', payments: [{ reference: 'C-DEBIT', amountOre: 100, payer: 'Banken' }] },
      { reference: 'E-3', bookingDate: '2026-12-03', status: 'PDNG', payments: [{ reference: 'C-PENDING', amountOre: 200, payer: 'X AB', ocr: a.ocr }] },
      { reference: 'E-4', bookingDate: '2026-12-03', currency: 'EUR', payments: [{ reference: 'C-EUR', amountOre: 300, payer: 'Euro GmbH', ocr: a.ocr }] },
    ],
  }));
  unmatched.push(
    ['C-NO-OCR', 'no_ocr', 'no OCR reference', 'Inget OCR-nummer angivet'],
    ['C-CHECK', 'ocr_check_digits', `OCR ${badCheck} fails its check digits`, `OCR-numret ${badCheck} har fel kontrollsiffra`],
    ['C-UNKNOWN', 'unknown_ocr', `no invoice has OCR ${ocr(99999)}`, `Ingen faktura har OCR-numret ${ocr(99999)}`],
  );
  ignored.push(['C-DEBIT', 'debit', 'En debitering (bara insättningar är inbetalningar)'], ['C-PENDING', 'not_booked', 'Status PDNG, inte bokförd (BOOK)'], ['C-EUR', 'not_sek', 'Valutan EUR, inte SEK']);
  // A notification for an account that is not the bankgiro.
  const iban = path.join(dir, 'iban.xml');
  fs.writeFileSync(iban, camt054Xml({ version: '02', messageId: 'REASONS-2', createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', iban: 'SE4550000000058398257466', entries: [{ reference: 'E-5', bookingDate: '2026-12-03', payments: [{ reference: 'C-IBAN', amountOre: 400, payer: 'Y AB', ocr: a.ocr }] }] }));
  ignored.push(['C-IBAN', 'not_seller_account', `Kontot SE4550000000058398257466 är inte säljarens bankgiro ${bg}`]);

  // BgMax: a reference that is not an OCR, the extra references (22/23) finance must book, a deduction.
  const bgmax = path.join(dir, 'bgmax.txt');
  fs.writeFileSync(bgmax, bgmaxFile([{ bankgiro: '54029681', date: '20261203', payments: [
    { reference: '12345', code: '5', amountOre: 4_000, bgcNumber: '000000000701', name: 'Fri Text AB' },
    { ocr: a.ocr, amountOre: 80_000, bgcNumber: '000000000702', name: 'Avdrag AB', extras: [{ ocr: ocr(49998), amountOre: 20_000, negative: true }] },
    { ocr: b.ocr, amountOre: 5_000, bgcNumber: '000000000703', name: 'Utan Belopp AB', extras: [{ ocr: c.ocr, negative: true }] },
    { ocr: b.ocr, amountOre: 10_000, bgcNumber: '000000000704', name: 'För Mycket AB', extras: [{ ocr: c.ocr, amountOre: 50_000 }] },
    { ocr: d.ocr, amountOre: 25_000, bgcNumber: '000000000705', name: 'Två Fakturor AB', extras: [{ ocr: e.ocr }] },
    { reference: `${d.ocr} ${e.ocr}`, code: '3', amountOre: 15_000, bgcNumber: '000000000706', name: 'Lista AB', extras: [{ ocr: e.ocr, amountOre: 10_000 }] },
    { ocr: a.ocr, amountOre: 500, bgcNumber: '000000000707', deduction: true },
  ] }]), 'latin1');
  unmatched.push(
    ['BGC000000000701', 'bgmax_not_ocr', 'no OCR (BgMax reference code 5, reference "12345")', 'Inget OCR-nummer (BgMax referenskod 5, referens ”12345”)'],
    ['BGC000000000702-2', 'unknown_credit_ocr', `a deducted credit (BgMax record 23) with OCR ${ocr(49998)}, which no credit note of ours has`, `Avdragen kredit (BgMax-post 23) med OCR-numret ${ocr(49998)}, som ingen av våra kreditfakturor har`],
    ['BGC000000000703', 'deducted_without_amount', 'a deducted reference (record 23) without its amount: assign it by hand', 'Avdragen referens (BgMax-post 23) utan belopp: bokför den för hand'],
    ['BGC000000000704', 'references_exceed_payment', 'its extra references (records 22/23) add up to 500.00, more than the payment of 100.00: assign it by hand', 'Extra referenserna (BgMax-post 22/23) summerar till 500,00 kr, mer än inbetalningens 100,00 kr: bokför den för hand'],
    ['BGC000000000705', 'references_without_amounts', `names 2 references (${d.ocr}, ${e.ocr}) without an amount for each, and is not exactly what their invoices have open together: assign it by hand`, `Anger 2 referenser (${d.ocr}, ${e.ocr}) utan belopp för var och en, och är inte exakt vad fakturorna har öppet tillsammans: bokför den för hand`],
    ['BGC000000000706', 'rest_unnamed', 'the part of the payment no extra reference names', 'Den del av inbetalningen som ingen extra referens anger'],
  );
  ignored.push(['BGC000000000707', 'bgmax_deduction', `Ett avdrag (avdragspost, kod 1) på referens ${a.ocr}: bokför det för hand`]);
  files.push(camt, iban, bgmax);

  await seedUser(h.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  served = await startConsole({ db: h.db, client: h.client, config: h.config, port: 0 });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await served?.close();
  await h?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('payment reasons from a real import', () => {
  it("payments import's text gives each reason in Swedish; receivables list --json keeps the English and adds the code", async () => {
    let text = '';
    for (const f of files) text += plain(await cli(['payments', 'import', f])) + '\n';
    for (const [reference, , , swedish] of unmatched) expect(text, reference).toMatch(new RegExp(`${reference} .*${escape(swedish)}`));
    for (const [reference, , swedish] of ignored) expect(text, reference).toMatch(new RegExp(`${reference} .*${escape(swedish)}`));
    expect(text).not.toMatch(/no OCR|fails its|no invoice has|only credits|not booked|assign it by hand|book it by hand|not SEK/);

    const json = JSON.parse(await cli(['receivables', 'list', '--json']));
    expect(json.unmatched.map((u: Record<string, unknown>) => [u.reference, u.reason_code, u.reason])).toEqual(unmatched.map(([reference, code, english]) => [reference, code, english]));
    expect(Object.keys(json.unmatched[0]).sort()).toEqual(['amount_ore', 'booking_date', 'payer', 'reason', 'reason_code', 'reference']);
    const listed = plain(await cli(['receivables', 'list']));
    for (const [reference, , , swedish] of unmatched) expect(listed, reference).toMatch(new RegExp(`${reference} .*${escape(swedish)}`));
  }, 120_000);

  it('Kundfordringar shows each unmatched payment with its reason in Swedish', async () => {
    const page = await logInPage(browser.context, served.url, 'anna@ekonomi.test', PASSWORD);
    await page.goto(`${served.url}/finance/receivables`);
    const rows = (await page.locator('table.unmatched tbody tr').allInnerTexts()).map((r) => plain(r).split('\t').map((s) => s.trim()));
    expect(rows.map((r) => [r[0], r[4]])).toEqual(unmatched.map(([reference, , , swedish]) => [reference, swedish]));
    // The confirmation before booking one says why it was left, in Swedish too.
    const form = 'table.unmatched tr:has-text("BGC000000000704")';
    await page.fill(`${form} input[name=invoice]`, 'F61002');
    await Promise.all([page.waitForLoadState('load'), page.click(`${form} button`)]);
    expect(plain(await page.innerText('body'))).toContain('Extra referenserna (BgMax-post 22/23) summerar till 500,00 kr, mer än inbetalningens 100,00 kr: bokför den för hand');
    await page.goto(`${served.url}/finance/receivables`);
    await logOut(page);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
