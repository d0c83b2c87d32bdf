import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { statusQuery } from '../../contracts/close-messages';
import { startConsole } from '../../web/server';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCustomer, seedEvents, seedPrices, uid, workedExampleEvents, type EventSpec } from '../support/seed';
import { waitFor } from '../support/wait';
import { launchBrowser, logInPage, logOut } from './browser';
import { PASSWORD, seedFinalInvoice, seedUser } from './support';

// The console in a real browser (Debian's chromium, JavaScript off): finance approves and
// rejects, a partner sees only its own customers, a wrong password and a form without its
// CSRF token are refused. With SCREENSHOTS=1 it also refreshes the screenshots in docs/.

const PERIOD = '2024-11';
const DOCS = path.resolve(__dirname, '../../docs');
let h: CloseHarness;
let served: { url: string; close(): Promise<void> };
let browser: { context: BrowserContext; close(): Promise<void> };
const partnerA = uid('PA');
const partnerB = uid('PB');
const c = { approve: '', reject: '', bigger: '', fourEyes: '', other: '' };

/** The worked example plus `extra` portal users from October on. */
function usage(extra: number): EventSpec[] {
  return [
    ...workedExampleEvents(),
    ...Array.from({ length: extra }, (_, i): EventSpec => ({ at: '2024-10-01T00:00:00+02:00', type: 'user', id: `extra${i}`, action: 'activated', role: 'portal_user' })),
  ];
}

beforeAll(async () => {
  browser = await launchBrowser(); // first: no browser fails the file before anything else
  h = await createCloseHarness();
  await seedPrices(h.db);
  await h.db('partners').insert([{ partner_id: partnerA, name: 'Nordic Partner AB' }, { partner_id: partnerB, name: 'Annan Partner AB' }]);
  c.approve = await seedCustomer(h.db, { partner_id: partnerA, customer_id: uid('C1001'), name: 'Åkesson & Öberg Bygg AB' });
  c.reject = await seedCustomer(h.db, { partner_id: partnerA, customer_id: uid('C1002'), name: 'Lindqvist Redovisning AB' });
  c.bigger = await seedCustomer(h.db, { partner_id: partnerA, customer_id: uid('C1003'), name: 'Sjöberg Fastigheter AB' });
  c.fourEyes = await seedCustomer(h.db, { partner_id: partnerA, customer_id: uid('C1004'), name: 'Östlund Revision AB' });
  c.other = await seedCustomer(h.db, { partner_id: partnerB, customer_id: uid('C2001'), name: 'Främmande Kund AB' });
  await seedEvents(h.db, c.approve, usage(1));
  await seedEvents(h.db, c.reject, usage(0));
  await seedEvents(h.db, c.bigger, usage(12));
  await seedFinalInvoice(h.db, c.approve, '2024-10', { smart: 1, extra_company: 2, superuser: 1, portal_user: 2 });
  await seedFinalInvoice(h.db, c.bigger, '2024-10', { smart: 1, extra_company: 2, portal_user: 5 });
  for (const id of [c.approve, c.reject, c.bigger]) {
    const { handle } = await startCustomerClose(h.client, h.settings, id, PERIOD);
    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 60_000, `${id} awaiting approval`);
  }
  // Four eyes above 1 000 kr while this one draft is reviewed (the worker reads the policy from
  // this config when it reviews a draft; the others were reviewed under the default limit).
  await seedEvents(h.db, c.fourEyes, usage(0));
  const policy = h.config.approvalPolicy;
  h.config.approvalPolicy = { ...policy, fourEyesAboveOre: 100_000 };
  try {
    const { handle } = await startCustomerClose(h.client, h.settings, c.fourEyes, PERIOD);
    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 60_000, 'the four-eyes draft awaiting approval');
  } finally {
    h.config.approvalPolicy = policy;
  }
  expect((await h.db('draft_reviews').where({ customer_id: c.fourEyes }).first()).approvals_needed).toBe(2);
  await seedUser(h.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  await seedUser(h.db, 'bertil@ekonomi.test', 'finance', 'Bertil Controller');
  await seedUser(h.db, 'pia@partner-a.test', `partner:${partnerA}`, 'Pia Partner');
  served = await startConsole({ db: h.db, client: h.client, config: h.config, port: 0 });
});
afterAll(async () => {
  await browser?.close();
  await served?.close();
  await h?.close();
});

const logIn = (email: string, password = PASSWORD) => logInPage(browser.context, served.url, email, password);

/** The visible part of the page (headless chromium has no PDF viewer, so the draft's PDF frame would be blank). */
async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(DOCS, name) });
}

describe('the console in a browser', () => {
  it('refuses a wrong password', async () => {
    const page = await logIn('anna@ekonomi.test', 'inte-rätt-lösenord');
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.textContent('[role=alert]')).resolves.toContain('Fel e-postadress eller lösenord');
    await page.close();
  });

  it('finance opens the queue, opens a draft, approves it and sees it final', async () => {
    const page = await logIn('anna@ekonomi.test');
    expect(new URL(page.url()).pathname).toMatch(/^\/finance\/periods\/\d{4}-\d{2}$/); // the month that ended last
    await page.goto(`${served.url}/finance/periods/${PERIOD}/queue`);
    const rows = await page.locator('tbody tr td:nth-child(2) a').allTextContents();
    // Flagged first (the first invoices, the grown customer with a new article), then the steady one.
    expect(rows).toHaveLength(4);
    expect(rows.at(-1)).toBe(c.approve);
    await expect(page.textContent(`tr:has(a:text-is("${c.fourEyes}")) td.flags`)).resolves.toContain('Fyra ögon');
    await screenshot(page, 'console-queue.png');

    await page.click(`a:text-is("${c.approve}")`);
    await expect(page.textContent('h1')).resolves.toContain('Åkesson & Öberg Bygg AB');
    await expect(page.textContent('#state')).resolves.toBe('Väntar på godkännande');
    // One more portal user than the previous final invoice: +195,00 kr on that line.
    await expect(page.textContent('table')).resolves.toContain('+195,00\u00a0kr');
    await screenshot(page, 'console-draft.png');
    // The draft PDF shown inline is served to finance as a PDF.
    const pdf = await page.request.get(`${served.url}${await page.getAttribute('iframe.pdf', 'src')}`);
    expect([pdf.status(), pdf.headers()['content-type'], (await pdf.body()).subarray(0, 5).toString()]).toEqual([200, 'application/pdf', '%PDF-']);

    await page.click('button:text-is("Godkänn utkast 1")');
    await expect(page.textContent('.flash.ok')).resolves.toContain('Utkast 1 godkänt av Anna Ekonom');
    // The page reloads itself (meta refresh) while the invoice is being finalised; wait for it.
    await waitFor(async () => {
      await page.reload();
      return (await page.textContent('#state')) === 'Obetald';
    }, 30_000, 'the invoice to be final');
    await expect(page.textContent('main p')).resolves.toMatch(/faktura F\d+/);
    const approval = await h.db('approvals').where({ customer_id: c.approve }).first();
    expect([approval.decision, approval.decided_by, approval.via]).toEqual(['approved', 'Anna Ekonom', 'update']);
    await logOut(page);
  });

  it('a four-eyes draft takes two finance users: "1 av 2" at once after the first, who has no live button left', async () => {
    const draftUrl = `${served.url}/finance/periods/${PERIOD}/drafts/${c.fourEyes}`;
    const anna = await logIn('anna@ekonomi.test');
    await anna.goto(draftUrl);
    await expect(anna.textContent('ul.flags')).resolves.toContain('Fyra ögon');
    await anna.click('button:text-is("Godkänn utkast 1")');
    await expect(anna.textContent('.flash.ok')).resolves.toContain('det kräver ett andra godkännande av en annan person');
    // On the page the approval lands on, not after the workflow has written its request log.
    await expect(anna.textContent('#approvals')).resolves.toContain('1 av 2 godkännanden (Anna Ekonom): kräver ett andra godkännande');
    expect(await anna.isDisabled('button:text-is("Godkänn utkast 1")')).toBe(true);
    await expect(anna.textContent('#approved-by-me')).resolves.toContain('Du har redan godkänt utkastet');
    await expect(anna.textContent('#state')).resolves.toBe('Väntar på godkännande');
    await logOut(anna);

    const bertil = await logIn('bertil@ekonomi.test');
    await bertil.goto(draftUrl);
    await bertil.click('button:text-is("Godkänn utkast 1")');
    await expect(bertil.textContent('.flash.ok')).resolves.toContain('Utkast 1 godkänt av Bertil Controller; fakturan slutförs.');
    await waitFor(async () => {
      await bertil.reload();
      return (await bertil.textContent('#state')) === 'Obetald';
    }, 30_000, 'the four-eyes invoice to be final');
    const approvals = await h.db('approvals').where({ customer_id: c.fourEyes }).orderBy('decided_at');
    expect(approvals.map((a) => [a.decided_by, a.via])).toEqual([['Anna Ekonom', 'update'], ['Bertil Controller', 'update']]);
    await logOut(bertil);
  });

  it('finance rejects a draft with a reason', async () => {
    const page = await logIn('anna@ekonomi.test');
    await page.goto(`${served.url}/finance/periods/${PERIOD}/drafts/${c.reject}`);
    // Free text is one line without control characters, as in the imports (issue 19).
    await page.fill('#reason', 'p2 slutade\ni oktober');
    await page.click('button:text-is("Avvisa")');
    await expect(page.textContent('.flash.error')).resolves.toMatch(/Motiveringen innehåller en radbrytning \(U\+000[AD]\) vid tecken 11/);
    expect(await h.db('approvals').where({ customer_id: c.reject }).first()).toBeUndefined();
    await page.fill('#reason', 'p2 slutade i oktober');
    await page.click('button:text-is("Avvisa")');
    await expect(page.textContent('.flash.ok')).resolves.toContain('Utkast 1 avvisat');
    await waitFor(async () => {
      await page.reload();
      return (await page.textContent('#state')) === 'Avvisad';
    }, 30_000, 'the draft to be rejected');
    await expect(page.textContent('main')).resolves.toContain('p2 slutade i oktober');
    const decision = await h.db('approvals').where({ customer_id: c.reject }).first();
    expect([decision.decision, decision.decided_by, decision.reason]).toEqual(['rejected', 'Anna Ekonom', 'p2 slutade i oktober']);
    await page.goto(`${served.url}/finance/periods/${PERIOD}`);
    await expect(page.textContent('main')).resolves.toMatch(/Avvisad\s*1/);
    await screenshot(page, 'console-period.png');
    await logOut(page);
  });

  it("a partner sees only its own customers; another partner's customer is 404, also by URL", async () => {
    const page = await logIn('pia@partner-a.test');
    expect(new URL(page.url()).pathname).toBe('/customers');
    const listed = await page.locator('tbody tr td:first-child a').allTextContents();
    expect(listed.sort()).toEqual([c.approve, c.reject, c.bigger, c.fourEyes].sort());
    await page.click(`a:text-is("${c.approve}")`);
    await expect(page.textContent('main')).resolves.toContain('Det här faktureras för');
    await expect(page.textContent('main')).resolves.toContain('OneStop Reporting - Smart');
    await screenshot(page, 'console-partner.png');
    const foreign = await page.goto(`${served.url}/customers/${c.other}`);
    expect(foreign?.status()).toBe(404);
    await expect(page.textContent('main')).resolves.not.toContain('Främmande Kund AB');
    const finance = await page.goto(`${served.url}/finance/periods/${PERIOD}/queue`);
    expect(finance?.status()).toBe(403);
    await logOut(page);
  });

  it('a form posted without its CSRF token is refused', async () => {
    const page = await logIn('anna@ekonomi.test');
    await page.goto(`${served.url}/finance/periods/${PERIOD}/drafts/${c.bigger}`);
    // As a forged form would arrive: the same form, without the hidden token.
    await page.locator('form[action$="/approve"] input[name=_csrf]').evaluate((input) => input.remove());
    const [response] = await Promise.all([page.waitForNavigation(), page.click('button:text-is("Godkänn utkast 1")')]);
    expect(response?.status()).toBe(403);
    await expect(page.textContent('main')).resolves.toContain('saknar en giltig säkerhetstoken (CSRF)');
    expect(await h.db('approvals').where({ customer_id: c.bigger })).toHaveLength(0);
    await page.close();
  });
});
