import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays, stockholmDate } from '../../billing';
import { formatSek } from '../../billing/format';
import { ocrFromBase } from '../../billing/ocr';
import { camt054Xml } from '../../payments/camt054-writer';
import { importPaymentFile } from '../../store/payments';
import type { ReceivablesJson } from '../../store/receivables';
import { startConsole } from '../../web/server';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { runCli } from '../support/cli-runner';
import { seedCustomer, uid } from '../support/seed';
import { seedInvoice } from '../payments/seed-invoices';
import { launchBrowser, logInPage, logOut } from './browser';
import { PASSWORD, seedUser } from './support';

// Receivables in the console (issue #22), in Debian's chromium with JavaScript off: finance's
// "Kundfordringar" with the ageing buckets the CLI prints, an unmatched payment booked by hand
// after a confirmation, disputes; the customer admin and the partner see paid and due of their
// own invoices only; 390 px; no English code on any page reached by links.

let h: CloseHarness;
let served: { url: string; close(): Promise<void> };
let browser: { context: BrowserContext; close(): Promise<void> };
let cliDir: string;
const partnerA = uid('PA');
const partnerB = uid('PB');
const c = { a1: '', a2: '', b: '' };
const inv = { overdue: '', partly: '', assignable: '', paidB: '', openB: '' };
const today = stockholmDate(Date.now());

async function invoice(number: number, customerId: string, totalOre: number, dueDate: string, period = '2026-10') {
  // As the close stores the buyer: its name and its partner at issue (the partner's scope).
  const customer = await h.db('customers').where({ customer_id: customerId }).first('name', 'partner_id');
  return seedInvoice(h.db, { number, totalOre, dueDate, customerId, period, buyer: { customerId, name: customer.name, partnerId: customer.partner_id } });
}

beforeAll(async () => {
  browser = await launchBrowser();
  h = await createCloseHarness();
  await h.db('partners').insert([{ partner_id: partnerA, name: 'Nordic Partner AB' }, { partner_id: partnerB, name: 'Annan Partner AB' }]);
  c.a1 = await seedCustomer(h.db, { partner_id: partnerA, customer_id: uid('C31'), name: 'Åkesson & Öberg Bygg AB' });
  c.a2 = await seedCustomer(h.db, { partner_id: partnerA, customer_id: uid('C32'), name: 'Lindqvist Redovisning AB' });
  c.b = await seedCustomer(h.db, { partner_id: partnerB, customer_id: uid('C33'), name: 'Främmande Kund AB' });
  const overdue = await invoice(71001, c.a1, 125_000, addDays(today, -45), '2026-09');
  const partly = await invoice(71002, c.a1, 50_000, addDays(today, 10));
  const assignable = await invoice(71003, c.a2, 80_000, addDays(today, -100));
  const paidB = await invoice(71004, c.b, 30_000, addDays(today, -5));
  const openB = await invoice(71005, c.b, 40_000, addDays(today, -20), '2026-09');
  Object.assign(inv, { overdue: overdue.number, partly: partly.number, assignable: assignable.number, paidB: paidB.number, openB: openB.number });
  const camt = camt054Xml({
    version: '08', messageId: 'RECV-1', createdAt: `${today}T06:00:00`, bankgiro: '54029681',
    entries: [{ reference: 'DEP-1', bookingDate: today, payments: [
      { reference: 'P-PART', amountOre: 20_000, payer: 'Åkesson & Öberg Bygg AB', ocr: partly.ocr },
      { reference: 'P-FULL', amountOre: 30_000, payer: 'Främmande Kund AB', ocr: paidB.ocr },
      { reference: 'P-OKAND', amountOre: 80_000, payer: 'Lindqvist Redovisning', ocr: ocrFromBase('99999', { lengthDigit: true }) },
      { reference: 'P-UTAN', amountOre: 1_500, payer: 'Utan Referens AB' },
    ] }],
  });
  const imported = await importPaymentFile(h.db, h.config, 'camt.xml', Buffer.from(camt));
  expect(imported).toMatchObject({ matched: 2, duplicates: 0 });
  expect(imported.unmatched.map((u) => u.reference)).toEqual(['P-OKAND', 'P-UTAN']);
  await seedUser(h.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  await seedUser(h.db, 'olle@drift.test', 'operator', 'Olle Operatör');
  await seedUser(h.db, 'pia@partner-a.test', `partner:${partnerA}`, 'Pia Partner');
  await seedUser(h.db, 'kim@kund.test', `customer_admin:${c.a1}`, 'Kim Kundadmin');
  served = await startConsole({ db: h.db, client: h.client, config: h.config, port: 0 });
  cliDir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-recv-'));
  fs.writeFileSync(path.join(cliDir, 'config.json'), JSON.stringify(h.config));
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await served?.close();
  await h?.close();
  if (cliDir) fs.rmSync(cliDir, { recursive: true, force: true });
});

const logIn = (email: string, viewport?: { width: number; height: number }) => logInPage(browser.context, served.url, email, PASSWORD, viewport);

const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ').replace('−', '-');
const text = async (page: Page, selector = 'body') => plain(await page.innerText(selector));
const kr = (ore: number) => plain(formatSek(ore));
/** The cells of the row of `table` whose first cell is `first`. */
async function row(page: Page, table: string, first: string): Promise<string[]> {
  const rows = (await page.locator(`table.${table} tbody tr`).allInnerTexts()).map((r) => plain(r).split('\t').map((s) => s.trim()));
  const found = rows.find((r) => r[0] === first);
  if (!found) throw new Error(`no row ${first} in table.${table}: ${rows.map((r) => r[0]).join(', ')}`);
  return found;
}

/** On a customer's page: an invoice's due date, status, paid and remaining. */
async function invoiceCells(page: Page, number: string): Promise<string[]> {
  const cell = (name: string) => text(page, `table.customer-invoices tr[data-number="${number}"] td.${name}`);
  return [await cell('due'), await cell('status'), await cell('paid'), await cell('remaining')];
}

async function receivablesCli(): Promise<ReceivablesJson> {
  const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: path.join(cliDir, 'config.json'), LOG_LEVEL: 'warn' };
  const r = await runCli(['receivables', 'list', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ReceivablesJson;
}

async function bucketsOnPage(page: Page) {
  const cell = (key: string) => text(page, `#buckets td[data-bucket="${key}"]`);
  return { not_due: await cell('not_due'), '1-30': await cell('1-30'), '31-60': await cell('31-60'), '61-90': await cell('61-90'), over_90: await cell('over_90'), total: await text(page, '#total-1510') };
}

const cliBuckets = (r: ReceivablesJson) => ({ not_due: kr(r.buckets.not_due), '1-30': kr(r.buckets['1-30']), '31-60': kr(r.buckets['31-60']), '61-90': kr(r.buckets['61-90']), over_90: kr(r.buckets.over_90), total: kr(r.total_ore) });

describe('finance: Kundfordringar', () => {
  it('shows the overdue invoice with days and status in Swedish, and bucket totals equal to `receivables list --json`', async () => {
    const page = await logIn('anna@ekonomi.test');
    await Promise.all([page.waitForLoadState('load'), page.click('header a:text-is("Kundfordringar")')]);
    expect(new URL(page.url()).pathname).toBe('/finance/receivables');
    expect(await row(page, 'receivables', inv.overdue)).toEqual([inv.overdue, `${c.a1} Åkesson & Öberg Bygg AB`, addDays(today, -45), kr(125_000), '–', kr(0), kr(125_000), '45', 'Förfallen']);
    expect(await row(page, 'receivables', inv.partly)).toEqual([inv.partly, `${c.a1} Åkesson & Öberg Bygg AB`, addDays(today, 10), kr(50_000), '–', kr(20_000), kr(30_000), '–', 'Delbetald']);
    // Paid in full by its OCR: not a receivable.
    await expect(text(page, 'table.receivables')).resolves.not.toContain(inv.paidB);

    const cli = await receivablesCli();
    expect(cli.buckets).toEqual({ not_due: 30_000, '1-30': 40_000, '31-60': 125_000, '61-90': 0, over_90: 80_000 });
    expect(await bucketsOnPage(page)).toEqual(cliBuckets(cli));

    // Filters: overdue only, one customer, a search by name.
    await page.check('input[name=forfallna]');
    await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type=submit]')]);
    const numbers = () => page.locator('table.receivables tbody tr td:first-child a').allTextContents();
    expect((await numbers()).sort()).toEqual([inv.overdue, inv.assignable, inv.openB].sort());
    // The filter's count and sum (PostgreSQL's aggregates) are the CLI's `--overdue` list's.
    const overdueCli = cli.invoices.filter((r) => r.days_overdue > 0);
    await expect(text(page, '#matching')).resolves.toBe(`${overdueCli.length} öppna fakturor i urvalet, kvar att betala ${kr(overdueCli.reduce((s, r) => s + r.remaining_ore, 0))}.`);
    // In the order the page promises: most days overdue first.
    expect(await numbers()).toEqual(overdueCli.sort((a, b) => b.days_overdue - a.days_overdue).map((r) => r.number));
    await page.goto(`${served.url}/finance/receivables?kund=${c.a1}`);
    expect((await numbers()).sort()).toEqual([inv.overdue, inv.partly].sort());
    await page.goto(`${served.url}/finance/receivables?q=${encodeURIComponent('främmande')}`);
    expect(await numbers()).toEqual([inv.openB]);
    await expect(text(page, '#matching')).resolves.toBe(`1 öppen faktura i urvalet, kvar att betala ${kr(40_000)}.`);
    // Whatever the filter, the buckets are the whole book's.
    expect(await bucketsOnPage(page)).toEqual(cliBuckets(cli));

    // The unmatched payments, with the reason in Swedish.
    await page.goto(`${served.url}/finance/receivables`);
    const okand = await row(page, 'unmatched', 'P-OKAND');
    expect(okand.slice(0, 5)).toEqual(['P-OKAND', 'Lindqvist Redovisning', kr(80_000), today, `Ingen faktura har OCR-numret ${ocrFromBase('99999', { lengthDigit: true })}`]);
    expect((await row(page, 'unmatched', 'P-UTAN'))[4]).toBe('Inget OCR-nummer angivet');
    await logOut(page);
  });

  it('assigns an unmatched payment after a confirmation (a wrong number answers in Swedish), and the invoice turns Betald', async () => {
    const page = await logIn('anna@ekonomi.test');
    await page.goto(`${served.url}/finance/receivables`);
    const form = 'table.unmatched tr:has-text("P-OKAND")';
    await page.fill(`${form} input[name=invoice]`, 'F99999');
    await Promise.all([page.waitForLoadState('load'), page.click(`${form} button`)]);
    await expect(text(page, '.flash.error')).resolves.toBe('Det finns ingen faktura med nummer F99999. En inbetalning bokförs mot en faktura (t.ex. F10042), inte mot en kreditfaktura.');
    expect(await h.db('payments').where({ reference: 'P-OKAND' }).first('invoice_id')).toEqual({ invoice_id: null });

    await page.fill(`${form} input[name=invoice]`, inv.assignable.toLowerCase());
    await Promise.all([page.waitForLoadState('load'), page.click(`${form} button`)]);
    await expect(text(page, '#assign-summary')).resolves.toContain(`Bokför inbetalningen P-OKAND (${kr(80_000)} från Lindqvist Redovisning, bokförd av banken ${today}) mot faktura ${inv.assignable}`);
    // Asking books nothing.
    expect(await h.db('payments').where({ reference: 'P-OKAND' }).first('invoice_id')).toEqual({ invoice_id: null });
    await Promise.all([page.waitForLoadState('load'), page.click(`button:text-is("Bekräfta: bokför mot ${inv.assignable}")`)]);
    await expect(text(page, '.flash.ok')).resolves.toBe(`Inbetalningen P-OKAND (${kr(80_000)}) är bokförd mot ${inv.assignable} av Anna Ekonom: betald, kvar att betala ${kr(0)}.`);
    expect(await h.db('payments').where({ reference: 'P-OKAND' }).first('assigned_by')).toEqual({ assigned_by: 'Anna Ekonom' });
    await expect(text(page, 'table.receivables')).resolves.not.toContain(inv.assignable);
    await expect(text(page, 'table.unmatched')).resolves.not.toContain('P-OKAND');

    await page.goto(`${served.url}/finance/receivables/invoices/${inv.assignable}`);
    await expect(text(page, 'h1')).resolves.toBe(`Faktura ${inv.assignable} Betald`);
    await expect(text(page, 'table.payments')).resolves.toContain('för hand av Anna Ekonom');
    // Assigning it again is refused, in Swedish.
    const again = await page.request.post(`${served.url}/finance/receivables/assign`, { form: { reference: 'P-OKAND', invoice: inv.overdue, confirmed: '1', _csrf: await page.inputValue('input[name=_csrf]') } });
    expect(again.status()).toBe(200);
    expect(plain(await again.text())).toContain('Inbetalningen P-OKAND är redan bokförd mot en faktura och kan inte flyttas.');
    // The page still agrees with the CLI after the assignment.
    await page.goto(`${served.url}/finance/receivables`);
    expect(await bucketsOnPage(page)).toEqual(cliBuckets(await receivablesCli()));
    await logOut(page);
  });

  it('disputes an invoice (Bestriden) and resolves it, recorded by the login', async () => {
    const page = await logIn('anna@ekonomi.test');
    await page.goto(`${served.url}/finance/receivables`);
    await Promise.all([page.waitForLoadState('load'), page.click(`table.receivables a:text-is("${inv.overdue}")`)]);
    await page.fill('#reason', 'Kunden bestrider antalet användare');
    await Promise.all([page.waitForLoadState('load'), page.click('button:text-is("Bestrid")')]);
    await expect(text(page, '.flash.ok')).resolves.toContain(`Faktura ${inv.overdue} är bestriden (Anna Ekonom)`);
    await page.goto(`${served.url}/finance/receivables`);
    expect((await row(page, 'receivables', inv.overdue))[8]).toBe('Bestriden');
    const disputes = await h.db('invoice_disputes').select('disputed_by', 'reason', 'resolved_by');
    expect(disputes).toEqual([{ disputed_by: 'Anna Ekonom', reason: 'Kunden bestrider antalet användare', resolved_by: null }]);

    await page.goto(`${served.url}/finance/receivables/invoices/${inv.overdue}`);
    await Promise.all([page.waitForLoadState('load'), page.click('button:text-is("Tvisten är löst")')]);
    await expect(text(page, '.flash.ok')).resolves.toContain(`Tvisten om faktura ${inv.overdue} är löst (Anna Ekonom)`);
    await page.goto(`${served.url}/finance/receivables`);
    expect((await row(page, 'receivables', inv.overdue))[8]).toBe('Förfallen');
    await logOut(page);
  });
});

describe('customers and partners see paid and due of their own invoices', () => {
  it('the customer admin sees its invoices paid and due, nothing of another customer, and no receivables page', async () => {
    const page = await logIn('kim@kund.test');
    expect(new URL(page.url()).pathname).toBe(`/customers/${c.a1}`);
    expect(await invoiceCells(page, inv.overdue)).toEqual([addDays(today, -45), 'Förfallen', kr(0), kr(125_000)]);
    expect(await invoiceCells(page, inv.partly)).toEqual([addDays(today, 10), 'Delbetald', kr(20_000), kr(30_000)]);
    const body = await text(page);
    for (const foreign of [inv.assignable, inv.paidB, inv.openB, c.a2, c.b, 'Lindqvist', 'Främmande']) expect(body).not.toContain(foreign);
    expect((await page.goto(`${served.url}/customers/${c.b}`))?.status()).toBe(404);
    expect((await page.goto(`${served.url}/finance/receivables`))?.status()).toBe(403);
    await logOut(page);
  });

  it('a partner sees the same for the invoices naming it, and not another partner’s', async () => {
    const page = await logIn('pia@partner-a.test');
    await page.goto(`${served.url}/customers/${c.a2}`);
    expect(await invoiceCells(page, inv.assignable)).toEqual([addDays(today, -100), 'Betald', kr(80_000), kr(0)]);
    await page.goto(`${served.url}/customers/${c.a1}`);
    expect(await invoiceCells(page, inv.partly)).toEqual([addDays(today, 10), 'Delbetald', kr(20_000), kr(30_000)]);
    expect((await page.goto(`${served.url}/customers/${c.b}`))?.status()).toBe(404);
    expect((await page.goto(`${served.url}/finance/receivables/invoices/${inv.openB}`))?.status()).toBe(403);
    await logOut(page);
  });
});

describe('phones and Swedish', () => {
  it('at 390 px neither the receivables page, an invoice nor a customer page scrolls sideways', async () => {
    const page = await logIn('anna@ekonomi.test', { width: 390, height: 844 });
    for (const p of ['/finance/receivables', `/finance/receivables/invoices/${inv.partly}`, `/customers/${c.a1}`]) {
      await page.goto(`${served.url}${p}`);
      const widths = await page.evaluate(() => { const d = (globalThis as any).document; return { scroll: d.documentElement.scrollWidth as number, client: d.documentElement.clientWidth as number }; });
      expect(widths.scroll, p).toBeLessThanOrEqual(widths.client);
    }
    await logOut(page);
  });

  /** Codes and English that must never reach a person's screen on these pages. */
  const ENGLISH = ['partly_paid', 'overpaid', 'overdue', 'not_due', 'over_90', 'partly_credited', 'replaced_by', 'no OCR', 'fails its check digits', 'no invoice has', 'unmatched', 'Paid', 'Overdue', 'already'];

  it('every page each role reaches by links shows no English code', async () => {
    for (const email of ['anna@ekonomi.test', 'olle@drift.test', 'pia@partner-a.test', 'kim@kund.test']) {
      const page = await logIn(email);
      const start = new URL(page.url());
      const queue = [start.pathname, ...(email.startsWith('anna') ? ['/finance/receivables', `/finance/receivables/invoices/${inv.partly}`] : [])];
      const seen = new Set<string>();
      const problems: string[] = [];
      while (queue.length && seen.size < 40) {
        const p = queue.shift()!;
        if (seen.has(p)) continue;
        seen.add(p);
        const res = await page.goto(`${served.url}${p}`);
        if (!res || res.status() >= 400) {
          problems.push(`${p}: ${res?.status()}`);
          continue;
        }
        const body = await page.innerText('body');
        for (const code of ENGLISH) if (body.includes(code)) problems.push(`${p}: "${code}"`);
        // An English sentence (a store's refusal, a stored reason) shows by its function words.
        const word = /\b(the|is|are|has|not|with|already|fails|invoice|payment)\b/.exec(body.replace(/\S+@\S+/g, ''));
        if (word) problems.push(`${p}: English "${word[1]}"`);
        for (const href of await page.locator('a[href^="/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!))) {
          // The books' SIE page reads every invoice as a voucher; these test invoices have no lines of a close.
          if (href.startsWith('/documents/') || href.includes('format=csv') || href.startsWith('/finance/books')) continue;
          if (!seen.has(href)) queue.push(href);
        }
      }
      if (email.startsWith('anna')) expect([...seen]).toEqual(expect.arrayContaining(['/finance/receivables', `/finance/receivables/invoices/${inv.partly}`]));
      expect(problems, email).toEqual([]);
      await logOut(page);
    }
  }, 240_000);
});
