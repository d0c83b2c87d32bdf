import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { approveDraft } from '../../client/drafts';
import { buildConsole } from '../../web/server';
import { approveSignal, statusQuery, type CustomerCloseInput, type MonthlyCloseInput } from '../../contracts/close-messages';
import { runCli } from '../support/cli-runner';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCloseTenant, seedCustomer, seedEvents, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import { login, seedUser, type Session } from '../web/support';
import { credit, FINANCE, invoicedCustomer, ONE_PORTAL_USER_ORE, SETTLE_MS, WORKED_TOTAL_ORE } from './support';

// The close report and the period lock (issue #21), on the real worker, CLI and console.

let h: CloseHarness;
let app: FastifyInstance;
let finance: Session;
let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedCloseTenant(h.db, h.webhook.url, 'Partner P-TEST');
  await seedUser(h.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
  app = await buildConsole({ db: h.db, client: h.client, config: h.config, uiUrl: null, namespace: 'default', now: () => new Date('2024-12-02T08:00:00+01:00').getTime() });
  finance = await login(app, 'anna@ekonomi.test');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-period-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(h.config));
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
}, 120_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A customer whose close of `period` comes to rest (state as the close records it). */
async function closed(period: string, overrides: Parameters<typeof seedCustomer>[1], events = true): Promise<string> {
  const customerId = await seedCustomer(h.db, overrides);
  if (events) await seedEvents(h.db, customerId, workedExampleEvents());
  const { handle } = await startCustomerClose(h.client, h.settings, customerId, period);
  await waitFor(async () => ['awaiting_approval', 'nothing_to_bill', 'failed', 'final'].includes((await h.db('close_runs').where({ customer_id: customerId, period }).first())?.state), SETTLE_MS, `${customerId} at rest`);
  if ((await h.db('close_runs').where({ customer_id: customerId, period }).first()).state !== 'awaiting_approval') await handle.result().catch(() => undefined);
  return customerId;
}

describe('period report', () => {
  it('puts every customer in force in exactly one bucket with the reason, and is complete only when none is failed or open', async () => {
    const P = '2024-11';
    const from = { monthly_billing_from: '2024-11-01' }; // in force in November, not in October (the lock's month)
    const invoiced = await invoicedCustomer(h, P, from);
    const k = await credit(h, invoiced.number, [{ article: 'portal_user', quantity: 1 }]);
    const nothing = await closed(P, from, false);
    const prepaid = await closed(P, { ...from, prepaid_through: '2024-12-31' });
    const failed = await closed(P, { ...from, vat_number: null });
    const waiting = await closed(P, from);
    const neverRun = await seedCustomer(h.db, from);
    const later = await seedCustomer(h.db, { monthly_billing_from: '2025-01-01' });

    const res = await run('period', 'report', '--period', P, '--json');
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['period', 'complete', 'locked', 'customers', 'totals']));
    expect(Object.keys(report.totals).sort()).toEqual(['credited_ore', 'invoiced_ore', 'net_ore', 'rounding_ore', 'total_ore', 'vat_ore']);
    expect(report).toMatchObject({ period: P, complete: false, locked: false });
    const of = (id: string) => report.customers.filter((c: { customer_id: string }) => c.customer_id === id);
    expect(of(later)).toEqual([]); // billing not in force in the period
    for (const id of [invoiced.customerId, nothing, prepaid, failed, waiting, neverRun]) expect(of(id)).toHaveLength(1);
    expect(of(invoiced.customerId)[0]).toMatchObject({ bucket: 'invoiced', invoice_number: invoiced.number, total_ore: WORKED_TOTAL_ORE + ONE_PORTAL_USER_ORE, reason: `krediterad av ${k}` });
    expect(of(nothing)[0]).toMatchObject({ bucket: 'nothing_to_bill', invoice_number: null, reason: expect.stringMatching(/no active modules, users or extra companies in 2024-11/) });
    expect(of(prepaid)[0]).toMatchObject({ bucket: 'not_due', reason: expect.stringMatching(/prepaid through 2024-12-31/) });
    expect(of(failed)[0]).toMatchObject({ bucket: 'failed', reason: expect.stringMatching(/no VAT number.*customers import FILE.*close rerun --period 2024-11 --customer/) });
    expect(of(waiting)[0]).toMatchObject({ bucket: 'open', reason: 'utkastet väntar på godkännande' });
    expect(of(neverRun)[0]).toMatchObject({ bucket: 'open', reason: 'inget avslut har körts för kunden' });
    expect(report.totals).toEqual({
      invoiced_ore: WORKED_TOTAL_ORE,
      credited_ore: ONE_PORTAL_USER_ORE,
      total_ore: WORKED_TOTAL_ORE + ONE_PORTAL_USER_ORE,
      // The invoice: 2 870 kr + 717,50 moms + 0,50 öresavrundning; the credit: −195 kr − 48,75 moms − 0,25.
      net_ore: 287_000 - 19_500,
      vat_ore: 71_750 - 4_875,
      rounding_ore: 50 - 25,
    });

    // The text says the same in Swedish; the lock is refused, naming what is open.
    const text = await run('period', 'report', '--period', P);
    expect(text.stdout).toMatch(/2024-11 är INTE komplett och inte låst\./);
    for (const label of ['Fakturerad', 'Inget att fakturera', 'Ej aktuell', 'Misslyckad', 'Öppen']) expect(text.stdout).toContain(label);
    expect(text.stdout).toContain('momsregistreringsnummer saknas');
    expect(text.stdout).toContain('förbetald till och med 2024-12-31');
    expect(text.stdout).not.toMatch(/\b(invoiced|nothing_to_bill|not_due|failed|open)\b|no VAT number|no active modules|prepaid through|customers import FILE/);
    const refused = await run('period', 'lock', '--period', P, '--by', FINANCE);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`2024-11 är inte komplett och låses inte: 1 misslyckade (${failed}), 2 öppna (`);
    expect(refused.stderr).toContain(waiting);
    expect(await h.db('period_locks').where({ period: P }).first()).toBeUndefined();

    // The console: the buckets are links, each listing its customers.
    const page = await app.inject({ method: 'GET', url: `/finance/periods/${P}/report`, headers: { cookie: finance.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<strong>Inte komplett<\/strong>/);
    expect(page.body).toMatch(new RegExp(`href="/finance/periods/${P}/report\\?bucket=failed" data-bucket="failed">Misslyckad<b>1</b>`));
    const failedPage = await app.inject({ method: 'GET', url: `/finance/periods/${P}/report?bucket=failed`, headers: { cookie: finance.cookie } });
    expect(failedPage.body).toContain(`/finance/periods/${P}/drafts/${failed}`);
    expect(failedPage.body).not.toContain(`/drafts/${waiting}"`);
  }, 300_000);
});

describe('period lock', () => {
  it('locks only a complete period; afterwards nothing creates, approves, re-runs or re-issues on any path; credit notes still go', async () => {
    const P = '2024-10';
    const x = await invoicedCustomer(h, P);
    const nothing = await closed(P, {}, false);
    const late = await closed(P, {});
    expect((await h.db('close_runs').where({ customer_id: late, period: P }).first()).state).toBe('awaiting_approval');

    // Refused while a draft waits.
    const refused = await run('period', 'lock', '--period', P, '--by', FINANCE);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`1 öppna (${late})`);

    // A lock that lands while a draft waits (a close started in the moment before): the approval
    // signal reaches the workflow, and the issuing step refuses it; no approval, no invoice.
    await h.db('period_locks').insert({ period: P, locked_by: 'Bertil Controller', reason: 'kapplöpning', locked_at: new Date() });
    const lateHandle = h.client.workflow.getHandle(`close-${P}-${late}`);
    await lateHandle.signal(approveSignal, { by: FINANCE });
    await expect(lateHandle.result()).rejects.toThrow();
    const failure = await lateHandle.result().catch((err) => err);
    expect(JSON.stringify(failure.cause?.details ?? failure.details ?? failure.cause)).toContain('PeriodLocked');
    expect(await h.db('approvals').where({ customer_id: late, decision: 'approved' })).toEqual([]);
    expect(await h.db('invoices').where({ customer_id: late })).toEqual([]);
    await h.db('period_locks').where({ period: P }).delete();

    // Unlocked, the late draft is approved; then the period locks, with who and why.
    await startCustomerClose(h.client, h.settings, late, P);
    await waitFor(async () => (await h.client.workflow.getHandle(`close-${P}-${late}`).query(statusQuery).catch(() => null))?.state === 'awaiting_approval', SETTLE_MS, 'late draft');
    await approveDraft(h.client, P, late, FINANCE);
    await h.client.workflow.getHandle(`close-${P}-${late}`).result();
    const locked = await run('period', 'lock', '--period', P, '--by', FINANCE, '--reason', 'Oktober rapporterad');
    expect(locked.code, locked.stderr).toBe(0);
    expect(locked.stdout).toContain(`${P} låst av ${FINANCE} (Oktober rapporterad)`);
    const drafts = await h.db('drafts').where({ period: P }).count<{ count: number }[]>('* as count');

    // CLI: friendly refusals before anything is sent.
    for (const args of [
      ['close', 'rerun', '--period', P, '--customer', x.customerId],
      ['close', 'start', '--period', P],
      ['drafts', 'approve', '--period', P, '--customer', x.customerId, '--by', FINANCE],
      ['drafts', 'recompute', '--period', P, '--customer', x.customerId, '--by', FINANCE],
    ]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/2024-10 är låst av Anna Ekonom .*\(Oktober rapporterad\).*period unlock --period 2024-10/);
    }
    const reissue = await run('invoices', 'credit', x.number, '--by', 'Olle', '--reason', 'fel', '--reissue');
    expect(reissue.code).toBe(2);
    expect(reissue.stderr).toMatch(/2024-10 är låst .*--reissue av .*görs inte/);

    // The console refuses an approval up front, with the same words, and records it.
    const approve = await app.inject({
      method: 'POST',
      url: `/finance/periods/${P}/drafts/${late}/approve`,
      headers: { cookie: finance.cookie },
      payload: { draft_version: '1', _csrf: finance.csrf },
    });
    expect(approve.statusCode).toBe(303);
    const flashed = await app.inject({ method: 'GET', url: `/finance/periods/${P}/drafts/${late}`, headers: { cookie: approve.headers['set-cookie'] ? String(approve.headers['set-cookie']).split(';')[0] : finance.cookie } });
    expect(flashed.body).toMatch(/2024-10 är låst av Anna Ekonom .*godkännandet görs inte/);
    expect((await h.db('console_actions').where({ customer_id: late, period: P }).orderBy('id', 'desc').first()).outcome).toMatch(/^refused: 2024-10 är låst/);

    // A raw workflow start (any client): the customer's close ends at once with the reason.
    const input: CustomerCloseInput = { customerId: x.customerId, period: P, approvers: h.settings.approvers, reminderIntervalMs: h.settings.reminderIntervalMs, reportTo: null };
    const raw = await h.client.workflow.start('customerClose', { workflowId: `raw-${randomBytes(4).toString('hex')}`, taskQueue: h.settings.taskQueue, args: [input] });
    const rawFailure = await raw.result().catch((err) => err);
    expect(String(rawFailure.cause?.message)).toMatch(/2024-10 är låst.*Perioden är låst: rätta med en kreditfaktura/);
    // The monthly close (as the Schedule starts it) ends at its first step.
    const monthly: MonthlyCloseInput = { period: P, approvers: h.settings.approvers, reminderIntervalMs: h.settings.reminderIntervalMs, maxConcurrent: 5 };
    const rawMonthly = await h.client.workflow.start('monthlyClose', { workflowId: `raw-monthly-${randomBytes(4).toString('hex')}`, taskQueue: h.settings.taskQueue, args: [monthly] });
    const monthlyFailure = await rawMonthly.result().catch((err) => err);
    expect(String(monthlyFailure.cause?.cause?.message)).toMatch(/2024-10 är låst .*månadsavslutet görs inte/);
    // Nothing changed: no draft, the closes as they were.
    expect(await h.db('drafts').where({ period: P }).count<{ count: number }[]>('* as count')).toEqual(drafts);
    expect((await h.db('close_runs').where({ customer_id: x.customerId, period: P }).first()).state).toBe('final');
    expect((await h.db('close_runs').where({ customer_id: nothing, period: P }).first()).state).toBe('nothing_to_bill');

    // A credit note still goes, dated the day it is issued.
    const k = await credit(h, x.number, [{ article: 'portal_user', quantity: 1 }]);
    const note = await h.db('invoices').whereRaw("series || number = ?", [k]).first();
    expect(note).toMatchObject({ period: P, issue_date: '2024-12-02', total_ore: ONE_PORTAL_USER_ORE });

    // Unlock needs a reason; who, when and why are kept.
    expect((await run('period', 'unlock', '--period', P, '--by', 'Bertil Controller')).code).toBe(2);
    expect((await run('period', 'unlock', '--period', P, '--by', 'Bertil Controller', '--reason', 'F-faktura ska ställas ut igen')).code).toBe(0);
    const report = JSON.parse((await run('period', 'report', '--period', P, '--json')).stdout);
    expect(report.locked).toBe(false);
    expect(report.lock_history.map((e: { action: string; by: string; reason: string }) => [e.action, e.by, e.reason])).toEqual([
      ['lock', FINANCE, 'Oktober rapporterad'],
      ['unlock', 'Bertil Controller', 'F-faktura ska ställas ut igen'],
    ]);
  }, 400_000);
});
