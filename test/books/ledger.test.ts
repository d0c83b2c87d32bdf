import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatSek } from '../../billing';
import { listInvoicesJson } from '../../store/invoices';
import { periodArticleTotals, periodTotals } from '../../store/ledger';
import { buildConsole } from '../../web/server';
import { runCli } from '../support/cli-runner';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCloseTenant } from '../support/seed';
import { login, seedUser, type Session } from '../web/support';
import { approveReissue, credit, invoicedCustomer, ONE_PORTAL_USER_ORE, WORKED_TOTAL_ORE } from './support';

// One ledger of money (issue #21): after a partial credit, a full credit and a full credit with
// a re-issue, every view shows the same money, net of credit notes, and each invoice says what
// became of it.

const PERIOD = '2024-11';
let h: CloseHarness;
let app: FastifyInstance;
let finance: Session;
let dir: string;

const plain = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&nbsp;|\u00a0|\u202f/g, ' ').replace(/\s+/g, ' ');
const byId = (html: string, id: string) => plain(new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</(?:th|td|span|strong)>`).exec(html)?.[1] ?? '').trim();

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedCloseTenant(h.db, h.webhook.url, 'Partner P-TEST');
  await seedUser(h.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  app = await buildConsole({ db: h.db, client: h.client, config: h.config, uiUrl: null, namespace: 'default', now: () => new Date('2024-12-02T08:00:00+01:00').getTime() });
  finance = await login(app, 'anna@ekonomi.test');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-ledger-'));
}, 120_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('one ledger of money', () => {
  it('partial and full credits and a re-issue: statuses, links both ways, and the same net totals in every view', async () => {
    const a = await invoicedCustomer(h, PERIOD);
    const b = await invoicedCustomer(h, PERIOD);
    const c = await invoicedCustomer(h, PERIOD);
    const kA = await credit(h, a.number, [{ article: 'portal_user', quantity: 1 }]);
    const kB = await credit(h, b.number, null);
    const kC = await credit(h, c.number, null, { reissue: true });

    // While the re-issue's draft waits, its draft page does not call the cancelled invoice final.
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: { cookie: finance.cookie } });
      expect(res.statusCode, url).toBe(200);
      return res.body;
    };
    const reissued = await approveReissue(h, PERIOD, c.customerId, async () => {
      const page = await get(`/finance/periods/${PERIOD}/drafts/${c.customerId}`);
      expect(byId(page, 'state')).toBe('Väntar på godkännande');
      expect(page).not.toContain(`faktura <strong>${c.number}</strong>`);
      expect(plain(page)).toContain(`${c.number} Krediterad krediterad av ${kC}`);
    });

    // invoices list --json: status and links both ways.
    const list = await listInvoicesJson(h.db, PERIOD);
    const one = (n: string) => list.find((i) => i.number === n)!;
    // Issued by the harness's pinned clock (December 2024), so unpaid and past their due date
    // by today's: overdue (payments, issue #22) comes before partly credited or final.
    expect(one(a.number)).toMatchObject({ status: 'overdue', credited_by: [kA], replaced_by: null, paid_ore: 0, remaining_ore: WORKED_TOTAL_ORE + ONE_PORTAL_USER_ORE });
    expect(one(b.number)).toMatchObject({ status: 'credited', credited_by: [kB], replaced_by: null, remaining_ore: 0 });
    expect(one(c.number)).toMatchObject({ status: 'replaced_by', credited_by: [kC], replaced_by: reissued, remaining_ore: 0 });
    expect(one(reissued)).toMatchObject({ status: 'overdue', credited_by: [], replaces: c.number, remaining_ore: WORKED_TOTAL_ORE });
    expect([kA, kB, kC].map((k) => [one(k).kind, one(k).credits])).toEqual([
      ['credit_note', a.number],
      ['credit_note', b.number],
      ['credit_note', c.number],
    ]);

    // The money: the credited invoice and its re-issue are not both counted.
    const expectedNet = WORKED_TOTAL_ORE + ONE_PORTAL_USER_ORE + 0 + WORKED_TOTAL_ORE;
    const totals = await periodTotals(h.db, PERIOD);
    expect(totals).toMatchObject({ invoiced_ore: 4 * WORKED_TOTAL_ORE, total_ore: expectedNet, credited_ore: ONE_PORTAL_USER_ORE - 2 * WORKED_TOTAL_ORE });
    expect(list.filter((i) => i.number).reduce((s, i) => s + i.total_ore, 0)).toBe(expectedNet);
    expect(list.filter((i) => i.kind === 'invoice' && i.number).reduce((s, i) => s + i.remaining_ore!, 0)).toBe(expectedNet);

    // The CLI's invoices list says the same.
    const configFile = path.join(dir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify(h.config));
    const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
    const cli = await runCli(['invoices', 'list', '--period', PERIOD], env);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.replace(/\u00a0|\u202f/g, ' ')).toContain(`net of credit notes ${formatSek(expectedNet).replace(/\u00a0|\u202f/g, ' ')}`);
    expect(cli.stdout).toMatch(new RegExp(`${c.number} .*replaced_by \\(credited by ${kC}; replaced by ${reissued}\\)`));

    // The console's period page: the same total, and per article what the ledger sums.
    const periodPage = await get(`/finance/periods/${PERIOD}`);
    expect(byId(periodPage, 'ledger-total')).toBe(plain(formatSek(expectedNet)).trim());
    expect(byId(periodPage, 'ledger-net')).toBe(plain(formatSek(totals.net_ore)).trim());
    const portal = (await periodArticleTotals(h.db, PERIOD)).get('portal_user')!;
    // Four invoices with two portal users each, less one credited user and two credited in full twice.
    expect(portal.quantity).toBe(4 * 2 - 1 - 2 - 2);
    const row = new RegExp(`data-article="portal_user">([\\s\\S]*?)</tr>`).exec(periodPage)![1];
    expect(plain(row)).toContain(plain(formatSek(portal.amountOre)).trim());
    expect(articleSum(periodPage)).toBe(totals.net_ore);

    // The customer page and the draft page: status and links in Swedish.
    const customerPage = plain(await get(`/customers/${c.customerId}`));
    expect(customerPage).toContain(`${c.number} ${PERIOD}`);
    expect(customerPage).toMatch(new RegExp(`Ersatt krediterad av ${kC} · ersatt av ${reissued}`));
    expect(customerPage).toMatch(new RegExp(`Kreditfaktura krediterar ${c.number}`));
    const draftPage = await get(`/finance/periods/${PERIOD}/drafts/${c.customerId}`);
    expect(byId(draftPage, 'state')).toBe('Förfallen');
    expect(draftPage).toContain(`faktura <strong>${reissued}</strong>`);
    expect(byId(draftPage, 'links')).toBe(`ersätter ${c.number}`);
    const partlyPage = await get(`/finance/periods/${PERIOD}/drafts/${a.customerId}`);
    expect(byId(partlyPage, 'state')).toBe('Förfallen');
  }, 400_000);
});

/** The period page's article amounts added up (öre), from the sv-SE text. */
function articleSum(html: string): number {
  let sum = 0;
  for (const m of html.matchAll(/data-article="[a-z_]+">([\s\S]*?)<\/tr>/g)) {
    const cells = [...m[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => plain(c[1]).trim());
    sum += Math.round(Number(cells[2].replace(/[^\d,\-−]/g, '').replace('−', '-').replace(',', '.')) * 100);
  }
  return sum;
}
