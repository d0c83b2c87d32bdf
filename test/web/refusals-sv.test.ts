import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { approveDraft } from '../../client/drafts';
import { statusQuery } from '../../contracts/close-messages';
import { closeWorkflowId } from '../../contracts/workflow-ids';
import { buildConsole } from '../../web/server';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCustomer, seedEvents, seedPrices, uid, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import { login, seedFinalInvoice, seedUser, type Session } from './support';

// Every refusal finance can meet in the console, triggered through the console (fastify.inject,
// real PostgreSQL and Temporal), read back from the page the redirect leads to: the flash is
// Swedish, with no English word and no code in it (issue #23, group 3).

/** English a person must never read, and any snake_case code. */
const ENGLISH = /\b(would|credit|credited|invoice|invoiced|refused|not|already|locked|cannot|approver|draft|nothing|running)\b|\b[a-z]+_[a-z_]+\b/i;
const nb = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

const PERIOD = '2024-11';
let h: CloseHarness;
let app: FastifyInstance;
const ids = { partner: uid('P'), a: '', big: '', first: '' };
const invoices = { a: '', big: '', first: '' };
const sessions: Record<'anna' | 'bertil' | 'nils' | 'partner' | 'admin', Session> = {} as never;

beforeAll(async () => {
  h = await createCloseHarness();
  await seedPrices(h.db);
  ids.a = await seedCustomer(h.db, { partner_id: ids.partner, name: 'Alfa AB' });
  ids.big = await seedCustomer(h.db, { partner_id: ids.partner, name: 'Stora AB' });
  ids.first = await seedCustomer(h.db, { partner_id: ids.partner, name: 'Första AB' });
  for (const c of [ids.a, ids.first]) await seedEvents(h.db, c, workedExampleEvents());
  // Alfa: last month's invoice with one portal user fewer, so this month's draft waits unflagged.
  invoices.a = (await seedFinalInvoice(h.db, ids.a, '2024-10', { smart: 1, extra_company: 2, superuser: 1, portal_user: 1 })).number;
  // Stora: an invoice above the four-eyes limit (300 portal users, 58 500 kr).
  invoices.big = (await seedFinalInvoice(h.db, ids.big, '2024-10', { portal_user: 300 })).number;
  for (const c of [ids.a, ids.first]) {
    const { handle } = await startCustomerClose(h.client, h.settings, c, PERIOD);
    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 60_000, `${c} awaiting approval`);
  }
  // Första: its first invoice made final, as the close issues it, for a credit that is issued.
  await approveDraft(h.client, PERIOD, ids.first, 'Anna Ekonom');
  await waitFor(async () => (await h.db('close_runs').where({ customer_id: ids.first, period: PERIOD }).first())?.state === 'final', 60_000, 'the first invoice final');
  const inv = await h.db('invoices').where({ customer_id: ids.first, period: PERIOD, kind: 'invoice' }).first('series', 'number');
  invoices.first = `${inv.series}${inv.number}`;

  await seedUser(h.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  await seedUser(h.db, 'bertil@ekonomi.test', 'finance', 'Bertil Controller');
  // A finance user whose name the workflows do not know as an approver.
  await seedUser(h.db, 'nils@ekonomi.test', 'operator');
  await h.db('console_users').where({ email: 'nils@ekonomi.test' }).update({ role: 'finance', display_name: 'Nils Okänd' });
  app = await buildConsole({ db: h.db, client: h.client, config: h.config, uiUrl: 'http://ui.test', namespace: 'default', now: () => Date.parse('2026-12-05T10:00:00Z') });
  sessions.anna = await login(app, 'anna@ekonomi.test');
  sessions.bertil = await login(app, 'bertil@ekonomi.test');
  sessions.nils = await login(app, 'nils@ekonomi.test');
  await seedUser(h.db, 'pia@partner.test', `partner:${ids.partner}`);
  await seedUser(h.db, 'ada@alfa.test', `customer_admin:${ids.a}`);
  sessions.partner = await login(app, 'pia@partner.test');
  sessions.admin = await login(app, 'ada@alfa.test');
}, 240_000);

afterAll(async () => {
  await app?.close();
  await h?.close();
});

/** POST as `who`, follow the redirect, and return the flash the page shows (error or ok). */
async function flashAfter(who: keyof typeof sessions, url: string, payload: Record<string, string> = {}): Promise<{ kind: string; text: string }> {
  const s = sessions[who];
  const res = await app.inject({ method: 'POST', url, headers: { cookie: s.cookie }, payload: { ...payload, _csrf: s.csrf } });
  expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(303);
  // The flash travels in the session cookie the answer sets.
  const set = ([] as string[]).concat((res.headers['set-cookie'] as string | string[] | undefined) ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('month_close_session='));
  if (set) s.cookie = set;
  const page = await app.inject({ method: 'GET', url: String(res.headers.location), headers: { cookie: s.cookie } });
  const m = /<div class="flash (ok|error)" role="status">([^<]*)<\/div>/.exec(page.body);
  expect(m, `a flash on ${res.headers.location}`).not.toBeNull();
  const text = nb(m![2]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  return { kind: m![1]!, text };
}

/** The refusal is an error flash in Swedish: no English word, no code. */
function expectSwedishRefusal(flash: { kind: string; text: string }, ...contains: (string | RegExp)[]) {
  expect(flash.kind, flash.text).toBe('error');
  expect(flash.text).not.toMatch(ENGLISH);
  for (const c of contains) typeof c === 'string' ? expect(flash.text).toContain(c) : expect(flash.text).toMatch(c);
}

const credit = (number: string) => `/finance/invoices/${number}/credit`;

describe('credit requests refused by the rules are said in Swedish', () => {
  it('more than invoiced names the article as the invoice line does, the counts and what is left', async () => {
    const flash = await flashAfter('anna', credit(invoices.a), { scope: 'lines', qty_portal_user: '3', reason: 'fel antal' });
    expectSwedishRefusal(flash, 'Krediteringen kan inte begäras', '”OneStop Reporting - Portalanvändare”', '3', `faktura ${invoices.a}`, 'högst 1');
  });

  it('a line the invoice does not have', async () => {
    const flash = await flashAfter('anna', credit(invoices.a), { scope: 'lines', qty_komplett: '1', reason: 'fel rad' });
    expectSwedishRefusal(flash, '”OneStop Reporting - Komplett”', 'ingen rad');
  });

  it('a re-issue of part of an invoice', async () => {
    const flash = await flashAfter('anna', credit(invoices.a), { scope: 'lines', qty_portal_user: '1', reissue: '1', reason: 'fel pris' });
    expectSwedishRefusal(flash, 'rättad faktura', 'hela faktura');
  });

  it('a re-issue in a locked period', async () => {
    await h.db('period_locks').insert({ period: '2024-10', locked_by: 'Cecilia Revisor', reason: 'bokslut', locked_at: new Date('2024-11-20T10:00:00Z') });
    try {
      const flash = await flashAfter('anna', credit(invoices.a), { scope: 'all', reissue: '1', reason: 'fel pris' });
      expectSwedishRefusal(flash, 'perioden 2024-10 är låst av Cecilia Revisor', 'Utfärda en rättad faktura');
    } finally {
      await h.db('period_locks').where({ period: '2024-10' }).delete();
    }
  });

  it('a reason longer than a credit note carries', async () => {
    const flash = await flashAfter('anna', credit(invoices.a), { scope: 'all', reason: 'x'.repeat(600) });
    expectSwedishRefusal(flash, 'Orsaken har 600 tecken; högst 500');
  });
});

describe('credit approvals refused by the workflow are said in Swedish', () => {
  /** The credit's workflow, once its activity has stored the request. */
  const workflowOf = async (invoice: string) => {
    const row = () => h.db('credit_requests as c').join('invoices as i', 'i.id', 'c.invoice_id').whereRaw('i.series || i.number = ?', [invoice]).orderBy('c.id', 'desc').first('c.workflow_id');
    await waitFor(async () => (await row()) !== undefined, 60_000, `the credit request of ${invoice} stored`);
    return (await row()).workflow_id as string;
  };

  it('the requester approving their own credit, then the same person twice under four eyes', async () => {
    expect((await flashAfter('anna', credit(invoices.big), { scope: 'all', reason: 'fel kund' })).kind).toBe('ok');
    const wf = await workflowOf(invoices.big);
    await waitFor(async () => (await h.db('credit_requests').where({ workflow_id: wf }).first())?.status === 'awaiting_approval', 60_000, 'the credit waiting');
    const own = await flashAfter('anna', `/finance/credits/${encodeURIComponent(wf)}/approve`);
    expectSwedishRefusal(own, 'Anna Ekonom har själv begärt detta och får inte godkänna det');
    expect((await flashAfter('bertil', `/finance/credits/${encodeURIComponent(wf)}/approve`)).kind).toBe('ok');
    const twice = await flashAfter('bertil', `/finance/credits/${encodeURIComponent(wf)}/approve`);
    expectSwedishRefusal(twice, 'Bertil Controller har redan godkänt', 'fyra ögon');
  });

  it('an approver the workflow does not know', async () => {
    const wf = await workflowOf(invoices.big);
    expectSwedishRefusal(await flashAfter('nils', `/finance/credits/${encodeURIComponent(wf)}/approve`), 'Nils Okänd är inte en av de godkännare');
  });

  it('a fully credited invoice, and a decision on a credit already issued', async () => {
    expect((await flashAfter('anna', credit(invoices.first), { scope: 'all', reason: 'fel period' })).kind).toBe('ok');
    const wf = await workflowOf(invoices.first);
    await waitFor(async () => (await h.db('credit_requests').where({ workflow_id: wf }).first())?.status === 'awaiting_approval', 60_000, 'the credit waiting');
    expect((await flashAfter('bertil', `/finance/credits/${encodeURIComponent(wf)}/approve`)).kind).toBe('ok');
    await waitFor(async () => (await h.db('credit_requests').where({ workflow_id: wf }).first())?.status === 'final', 60_000, 'the credit note issued');
    const again = await flashAfter('anna', credit(invoices.first), { scope: 'all', reason: 'en gång till' });
    expectSwedishRefusal(again, `faktura ${invoices.first} är redan helt krediterad med K`);
    const decided = await flashAfter('bertil', `/finance/credits/${encodeURIComponent(wf)}/approve`);
    expect(decided.text).not.toMatch(ENGLISH);
    expect(decided.text).toMatch(/Beslutet var redan fattat|kreditfaktura K\d+ är utfärdad/);
  });
});

describe('draft decisions refused are said in Swedish', () => {
  const draft = (customerId: string, period = PERIOD) => `/finance/periods/${period}/drafts/${customerId}`;

  it('an approver the workflow does not know', async () => {
    expectSwedishRefusal(await flashAfter('nils', `${draft(ids.a)}/approve`, { draft_version: '1' }), 'Nils Okänd är inte en av de godkännare');
  });

  it('a draft version that is not the current one', async () => {
    expectSwedishRefusal(await flashAfter('anna', `${draft(ids.a)}/approve`, { draft_version: '7' }), 'utkast 7 är inte det senaste (1)');
  });

  it('a month that has not ended', async () => {
    expectSwedishRefusal(await flashAfter('anna', `${draft(ids.a, '2026-12')}/approve`, { draft_version: '1' }), 'perioden 2026-12 pågår fortfarande', '2027-01-01');
  });

  it('a locked period, one draft and in bulk', async () => {
    await h.db('period_locks').insert({ period: PERIOD, locked_by: 'Cecilia Revisor', reason: null, locked_at: new Date('2024-12-20T10:00:00Z') });
    try {
      expectSwedishRefusal(await flashAfter('anna', `${draft(ids.a)}/approve`, { draft_version: '1' }), 'perioden 2024-11 är låst av Cecilia Revisor', 'Kreditera');
      const bulk = await flashAfter('anna', `/finance/periods/${PERIOD}/queue/approve`, { drafts: `${ids.a}:1`, confirmed: '1' });
      expectSwedishRefusal(bulk, '0 av 1', `${ids.a} (perioden 2024-11 är låst`);
    } finally {
      await h.db('period_locks').where({ period: PERIOD }).delete();
    }
  });

  it('a decision on a draft already rejected, and a recompute with nothing to recompute', async () => {
    expect((await flashAfter('anna', `${draft(ids.a)}/reject`, { draft_version: '1', reason: 'fel antal användare' })).kind).toBe('ok');
    await waitFor(async () => (await h.client.workflow.getHandle(closeWorkflowId(PERIOD, ids.a)).query(statusQuery)).state === 'rejected', 30_000, 'rejected');
    expectSwedishRefusal(await flashAfter('anna', `${draft(ids.a)}/approve`, { draft_version: '1' }), 'inget utkast väntar på beslut (läge: avvisad)');
    // Första's close is final and has ended: nothing runs to recompute.
    expectSwedishRefusal(await flashAfter('anna', `${draft(ids.first)}/recompute`), 'Omräkningen avvisades', 'inget avslut körs');
  });
});

/** What a person reads of a page: text outside tags, <code>, <script> and <style>, entities decoded. */
function readable(html: string): string {
  return nb(
    html
      .replace(/<(script|style|code)\b[^>]*>[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );
}

describe('the pages each role reads after these refusals', () => {
  /** Walks the pages reachable by links from `start` (within `area`) and lists any English word or code a person would read. */
  async function sweep(who: keyof typeof sessions, start: string[], area: RegExp): Promise<{ seen: Set<string>; problems: string[] }> {
    const s = sessions[who];
    const queue = [...start];
    const seen = new Set<string>();
    const problems: string[] = [];
    while (queue.length && seen.size < 80) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await app.inject({ method: 'GET', url: path, headers: { cookie: s.cookie } });
      if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/html')) continue;
      const text = readable(res.body);
      for (const m of text.matchAll(new RegExp(ENGLISH.source, 'gi'))) problems.push(`${path}: "${m[0]}" in "…${text.slice(Math.max(0, m.index - 60), m.index + 60).replace(/\s+/g, ' ')}…"`);
      for (const [, href] of res.body.matchAll(/href="(\/[^"]*)"/g)) {
        const url = href!.replace(/&amp;/g, '&');
        if (url.startsWith('/documents/') || url.includes('format=csv') || url.startsWith('/finance/books')) continue;
        if (area.test(url) && !seen.has(url)) queue.push(url);
      }
    }
    return { seen, problems };
  }

  it('finance: every page reached by links shows no English word and no code outside <code>', async () => {
    const { seen, problems } = await sweep('anna', [`/finance/periods/${PERIOD}`, `/finance/periods/${PERIOD}/audit`, '/finance/credits', '/finance/periods/2024-10/invoices'], /^\/finance/);
    expect(seen.size).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  }, 120_000);

  it('a partner and a customer admin: the same', async () => {
    for (const who of ['partner', 'admin'] as const) {
      const { seen, problems } = await sweep(who, ['/customers', `/customers/${ids.a}`], /^\/customers/);
      expect(seen.size, who).toBeGreaterThan(1);
      expect(problems, who).toEqual([]);
    }
  }, 120_000);
});
