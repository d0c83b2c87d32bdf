import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatSek } from '../../billing';
import { buildConsole } from '../../web/server';
import { approveReissue, credit, invoicedCustomer } from '../books/support';
import { runCli } from '../support/cli-runner';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCloseTenant } from '../support/seed';
import { login, seedUser, type Session } from './support';

// One ledger of money in the console (issue #23): after a partial credit and a full credit with
// a re-issue, the partner's overview, finance's invoice list and period page and the customer
// page show the money `period report --json` and `invoices list --json` give: invoices net of
// their credit notes, a credited invoice and its re-issue not both counted.

const PERIOD = '2024-11';
const NOW = new Date('2024-12-02T08:00:00+01:00').getTime();
let h: CloseHarness;
let app: FastifyInstance;
let finance: Session;
let partner: Session;
let dir: string;

const plain = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&nbsp;|\u00a0|\u202f/g, ' ').replace(/\s+/g, ' ').trim();
const kr = (ore: number) => plain(formatSek(ore));
/** The text of every element with `class` inside the row that has `attr="value"`. */
function cells(html: string, attr: string, value: string, cls: string): string[] {
  const row = new RegExp(`<tr ${attr}="${value}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
  return [...row.matchAll(new RegExp(`class="[^"]*\\b${cls}\\b[^"]*">([\\s\\S]*?)</td>`, 'g'))].map((m) => plain(m[1]));
}
/** sv-SE kronor text back to öre ("1 234,50 kr" → 123450). */
const ore = (text: string) => Math.round(Number(text.replace(/[^\d,\-−]/g, '').replace('−', '-').replace(',', '.')) * 100);

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date(NOW) });
  await seedCloseTenant(h.db, h.webhook.url, 'Nordic Partner AB');
  await seedUser(h.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  await seedUser(h.db, 'pia@partner.test', 'partner:P-TEST', 'Pia Partner');
  app = await buildConsole({ db: h.db, client: h.client, config: h.config, uiUrl: null, namespace: 'default', now: () => NOW });
  finance = await login(app, 'anna@ekonomi.test');
  partner = await login(app, 'pia@partner.test');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-console-ledger-'));
}, 120_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function get(session: Session, url: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
  expect(res.statusCode, url).toBe(200);
  return res.body;
}

async function cliJson<T>(args: string[]): Promise<T> {
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(h.config));
  const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
  const res = await runCli([...args, '--json'], env);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as T;
}

interface ReportJson {
  totals: { total_ore: number; net_ore: number };
  customers: { customer_id: string; invoice_number: string | null; total_ore: number | null }[];
}
interface ListedJson {
  kind: 'invoice' | 'credit_note';
  number: string | null;
  customer_id: string;
  total_ore: number;
  credits?: string;
}

describe('money from the ledger on every console page', () => {
  it('after a partial credit and a re-issue, the overview, invoice list, period and customer pages agree with the CLI JSON', async () => {
    const a = await invoicedCustomer(h, PERIOD);
    const c = await invoicedCustomer(h, PERIOD);
    await credit(h, a.number, [{ article: 'portal_user', quantity: 1 }]);
    await credit(h, c.number, null, { reissue: true });
    const reissued = await approveReissue(h, PERIOD, c.customerId);

    const report = await cliJson<ReportJson>(['period', 'report', '--period', PERIOD]);
    const listed = await cliJson<ListedJson[]>(['invoices', 'list', '--period', PERIOD]);
    const reported = (id: string) => report.customers.find((r) => r.customer_id === id)!;
    expect(reported(c.customerId).invoice_number).toBe(reissued);
    // Each invoice net of its credit notes, from `invoices list --json`.
    const netOf = (number: string) => listed.filter((i) => i.number === number || i.credits === number).reduce((s, i) => s + i.total_ore, 0);
    expect(netOf(a.number)).toBe(reported(a.customerId).total_ore);
    expect(netOf(c.number)).toBe(0);

    // Finance's invoice list: the period's net total and each invoice after its credit notes.
    const list = await get(finance, `/finance/periods/${PERIOD}/invoices`);
    expect(plain(/id="invoices-net-total">([\s\S]*?)<\/strong>/.exec(list)?.[1] ?? '')).toBe(kr(report.totals.total_ore));
    for (const n of [a.number, c.number, reissued]) expect(cells(list, 'data-number', n, 'net'), n).toEqual([kr(netOf(n))]);
    const netCells = [...list.matchAll(/class="num net">([\s\S]*?)<\/td>/g)].map((m) => plain(m[1])).filter((t) => t !== '–');
    expect(netCells.reduce((s, t) => s + ore(t), 0)).toBe(report.totals.total_ore);

    // Asking for another credit of a partly credited invoice names what is left after credits.
    expect(plain(await get(finance, `/finance/invoices/${a.number}/credit`))).toContain(`: ${kr(netOf(a.number))} efter kreditering.`);

    // The period page.
    const periodPage = await get(finance, `/finance/periods/${PERIOD}`);
    expect(plain(/id="ledger-total">([\s\S]*?)<\/th>/.exec(periodPage)?.[1] ?? '')).toBe(kr(report.totals.total_ore));

    // The customer page: the period's invoices after credits add up to the report's figure.
    for (const customer of [a, c]) {
      const page = await get(finance, `/customers/${customer.customerId}`);
      const nets = [...page.matchAll(/class="num net">([\s\S]*?)<\/td>/g)].map((m) => plain(m[1])).filter((t) => t !== '–');
      expect(nets.reduce((s, t) => s + ore(t), 0), customer.customerId).toBe(reported(customer.customerId).total_ore);
    }

    // The partner's overview: each customer's last invoice as the ledger counts it.
    const overview = await get(partner, '/customers');
    expect(cells(overview, 'data-customer', a.customerId, 'last-net')).toEqual([kr(reported(a.customerId).total_ore!)]);
    expect(cells(overview, 'data-customer', c.customerId, 'last-net')).toEqual([kr(reported(c.customerId).total_ore!)]);
    expect(plain(new RegExp(`<tr data-customer="${c.customerId}">([\\s\\S]*?)</tr>`).exec(overview)![1])).toContain(`${reissued} (${PERIOD})`);
    // Its month so far is what the one-customer preview (the rating path) gives.
    for (const customer of [a, c]) {
      const preview = JSON.parse(await get(partner, `/api/customers/${customer.customerId}/preview`)) as { total_ore: number };
      expect(cells(overview, 'data-customer', customer.customerId, 'so-far'), customer.customerId).toEqual([kr(preview.total_ore)]);
    }
  }, 400_000);
});
