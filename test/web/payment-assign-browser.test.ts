import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camt054Xml } from '../../payments/camt054-writer';
import { importPaymentFile } from '../../store/payments';
import { startConsole } from '../../web/server';
import { seedInvoice } from '../payments/seed-invoices';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { launchBrowser, logInPage, logOut } from './browser';
import { PASSWORD, seedUser } from './support';

// Finance books one unmatched payment over several invoices in the console (Chromium, JavaScript
// off): the numbers in the booking field, optionally with amounts in kronor; the confirmation shows
// each part before anything is booked; a request that cannot be met answers in Swedish, unbooked.

let h: CloseHarness;
let served: { url: string; close(): Promise<void> };
let browser: { context: BrowserContext; close(): Promise<void> };
const inv = { a: '', b: '', c: '', foreign: '' };

beforeAll(async () => {
  browser = await launchBrowser();
  h = await createCloseHarness();
  const a = await seedInvoice(h.db, { number: 62001, totalOre: 60_000, dueDate: '2026-12-01', period: '2026-09' });
  const b = await seedInvoice(h.db, { number: 62002, totalOre: 100_000, dueDate: '2026-12-15', customerId: a.customerId, period: '2026-10' });
  const c = await seedInvoice(h.db, { number: 62003, totalOre: 40_000, dueDate: '2026-12-20', customerId: a.customerId, period: '2026-11' });
  const foreign = await seedInvoice(h.db, { number: 62004, totalOre: 10_000, dueDate: '2026-12-01' });
  Object.assign(inv, { a: a.number, b: b.number, c: c.number, foreign: foreign.number });
  const xml = camt054Xml({ version: '08', messageId: 'ASSIGN-1', createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', entries: [{ reference: 'DEP-A', bookingDate: '2026-12-03', payments: [
    { reference: 'P-TWO', amountOre: 120_000, payer: 'Kund Två Fakturor AB' },
    { reference: 'P-NAMED', amountOre: 50_000, payer: 'Kund Med Belopp AB' },
  ] }] });
  await importPaymentFile(h.db, h.config, 'camt.xml', Buffer.from(xml));
  await seedUser(h.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  served = await startConsole({ db: h.db, client: h.client, config: h.config, port: 0 });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await served?.close();
  await h?.close();
});

const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
const text = async (page: Page, selector: string) => plain(await page.innerText(selector));
const parts = async (page: Page) => (await page.locator('table.assign-parts tbody tr').allInnerTexts()).map((r) => plain(r).split('\t').map((s) => s.trim()));
const payments = async (page: Page) => (await page.locator('table.payments tbody tr').allInnerTexts()).map((r) => plain(r).split('\t').map((s) => s.trim()));
async function ask(page: Page, reference: string, invoices: string) {
  await page.goto(`${served.url}/finance/receivables`);
  const form = `table.unmatched tr:has-text("${reference}")`;
  await page.fill(`${form} input[name=invoice]`, invoices);
  await Promise.all([page.waitForLoadState('load'), page.click(`${form} button`)]);
}

describe('finance books one payment over several invoices', () => {
  it('confirms each part (what it had open, its share, what is left) and books them only on confirmation', async () => {
    const page = await logInPage(browser.context, served.url, 'anna@ekonomi.test', PASSWORD);
    // Another customer's invoice among them: refused in Swedish, nothing booked.
    await ask(page, 'P-TWO', `${inv.a} ${inv.foreign}`);
    await expect(text(page, '.flash.error')).resolves.toMatch(/^Fakturorna tillhör olika kunder \(.*\)\. En inbetalning bokförs bara mot en kunds fakturor\.$/);

    await ask(page, 'P-TWO', `${inv.a.toLowerCase()} ${inv.b}`);
    await expect(text(page, '#assign-summary')).resolves.toContain(`Bokför inbetalningen P-TWO (1 200,00 kr från Kund Två Fakturor AB, bokförd av banken 2026-12-03) mot 2 fakturor ${inv.a}, ${inv.b}`);
    expect(await parts(page)).toEqual([
      [inv.a, '2026-12-01', '600,00 kr', '600,00 kr', '0,00 kr', 'Betald'],
      [inv.b, '2026-12-15', '1 000,00 kr', '600,00 kr', '400,00 kr', 'Delbetald'],
    ]);
    expect(await h.db('payments').where({ reference: 'P-TWO' }).select('invoice_id', 'assigned_by')).toEqual([{ invoice_id: null, assigned_by: null }]);
    await Promise.all([page.waitForLoadState('load'), page.click(`button:text-is("Bekräfta: bokför mot ${inv.a} och ${inv.b}")`)]);
    await expect(text(page, '.flash.ok')).resolves.toBe(`Inbetalningen P-TWO (1 200,00 kr) är fördelad av Anna Ekonom: ${inv.a} 600,00 kr (betald, kvar att betala 0,00 kr); ${inv.b} 600,00 kr (delbetald, kvar att betala 400,00 kr).`);
    await expect(text(page, 'table.unmatched')).resolves.not.toContain('P-TWO');
    expect(await h.db('payments').where({ reference: 'P-TWO' }).whereNotNull('invoice_id').orderBy('part').select('part', 'amount_ore', 'assigned_by')).toEqual([
      { part: 1, amount_ore: 60_000, assigned_by: 'Anna Ekonom' },
      { part: 2, amount_ore: 60_000, assigned_by: 'Anna Ekonom' },
    ]);
    // Each invoice's page says which part of which payment it got, and the whole payment.
    await page.goto(`${served.url}/finance/receivables/invoices/${inv.a}`);
    expect(await payments(page)).toEqual([['P-TWO', 'Kund Två Fakturor AB', '2026-12-03', '600,00 kr', 'del 1 av 2 av inbetalning P-TWO (totalt 1 200,00 kr), fördelad för hand av Anna Ekonom']]);
    await page.goto(`${served.url}/finance/receivables/invoices/${inv.b}`);
    expect(await payments(page)).toEqual([['P-TWO', 'Kund Två Fakturor AB', '2026-12-03', '600,00 kr', 'del 2 av 2 av inbetalning P-TWO (totalt 1 200,00 kr), fördelad för hand av Anna Ekonom']]);
    await logOut(page);
  });

  it('takes amounts in kronor for some invoices, the last without one taking the rest; a wrong amount answers in Swedish', async () => {
    const page = await logInPage(browser.context, served.url, 'anna@ekonomi.test', PASSWORD);
    await ask(page, 'P-NAMED', `${inv.c}=600,00 ${inv.b}`);
    await expect(text(page, '.flash.error')).resolves.toBe('De angivna beloppen blir 600,00 kr, mer än inbetalningens 500,00 kr.');
    await ask(page, 'P-NAMED', `${inv.c}=1 00,00`);
    await expect(text(page, '.flash.error')).resolves.toMatch(/går inte att läsa: skriv fakturanummer, och vid behov belopp i kronor/);

    await ask(page, 'P-NAMED', `${inv.c}=150,50 ${inv.b}`);
    expect(await parts(page)).toEqual([
      [inv.c, '2026-12-20', '400,00 kr', '150,50 kr', '249,50 kr', 'Delbetald'],
      [inv.b, '2026-12-15', '400,00 kr', '349,50 kr', '50,50 kr', 'Delbetald'],
    ]);
    await Promise.all([page.waitForLoadState('load'), page.click(`button:text-is("Bekräfta: bokför mot ${inv.c} och ${inv.b}")`)]);
    await expect(text(page, '.flash.ok')).resolves.toContain(`${inv.c} 150,50 kr (delbetald, kvar att betala 249,50 kr); ${inv.b} 349,50 kr (delbetald, kvar att betala 50,50 kr)`);
    await page.goto(`${served.url}/finance/receivables/invoices/${inv.b}`);
    expect(await payments(page)).toEqual([
      ['P-TWO', 'Kund Två Fakturor AB', '2026-12-03', '600,00 kr', 'del 2 av 2 av inbetalning P-TWO (totalt 1 200,00 kr), fördelad för hand av Anna Ekonom'],
      ['P-NAMED', 'Kund Med Belopp AB', '2026-12-03', '349,50 kr', 'del 2 av 2 av inbetalning P-NAMED (totalt 500,00 kr), fördelad för hand av Anna Ekonom'],
    ]);
    await logOut(page);
  });
});
