import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeSettings } from '../../client/close';
import { CreditNeverApprovable, requestCredit } from '../../client/credit';
import { creditRequestReads } from '../../store/credits';
import { buildConsole } from '../../web/server';
import { runCli } from '../support/cli-runner';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCustomer, seedPrices } from '../support/seed';
import { login, seedFinalInvoice, seedUser } from '../web/support';

// A credit that needs four eyes, asked for by one of only two configured approvers, could never
// be approved (the requester never approves their own credit): it is refused before anything
// starts, by the client, the CLI (exit 1, the fix as the next step) and the console (Swedish).

const ANNA = 'Anna Ekonom';
const BERTIL = 'Bertil Controller';
const FOUR_EYES_ABOVE = 100_000; // 1 000 kr: the whole invoice (2 112,50 kr) is above, one portal user (243,75 kr) below
let h: CloseHarness;
let app: FastifyInstance;
let dir: string;
let cliEnv: NodeJS.ProcessEnv;
let number = '';

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  // Only two finance approvers; the worker, the CLI and the console read this config.
  h.config.financeApprovers = [ANNA, BERTIL];
  h.config.approvalPolicy = { ...h.config.approvalPolicy, fourEyesAboveOre: FOUR_EYES_ABOVE };
  await seedPrices(h.db);
  const customerId = await seedCustomer(h.db);
  number = (await seedFinalInvoice(h.db, customerId, '2024-11', { smart: 1, portal_user: 1 })).number;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-unapprovable-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(h.config));
  cliEnv = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
  await seedUser(h.db, 'anna@ekonomi.test', 'finance', ANNA);
  app = await buildConsole({ db: h.db, client: h.client, config: h.config, now: () => Date.parse('2024-12-02T08:00:00+01:00') });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const creditRequests = () => h.db('credit_requests').select('workflow_id');
/** sv-SE amounts group digits and end in kr with no-break spaces. */
const spaced = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
const whole = (requestedBy: string) => ({ invoiceNumber: number, requestedBy, reason: 'fel pris', lines: null, reissue: false });

describe('a four-eyes credit that could never be approved', () => {
  it('is refused by the client before anything starts, whatever the spacing or case of the name; a credit others can approve starts', async () => {
    const settings = closeSettings(h.config);
    for (const by of [ANNA, '  anna   EKONOM ']) {
      const refused = await requestCredit(creditRequestReads(h.db), h.client, settings, whole(by)).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(CreditNeverApprovable);
      expect(spaced((refused as Error).message)).toBe(
        `the credit of ${number} for 2 112,50 kr needs 2 approvers other than ${by} (four eyes: above 1 000,00 kr), but only ${BERTIL} is configured besides: it could never be approved, so nothing was started`,
      );
    }
    expect(await creditRequests()).toEqual([]);

    // Below the limit one approver other than Anna is enough (Bertil); someone else may ask for the whole.
    const small = await requestCredit(creditRequestReads(h.db), h.client, settings, { ...whole(ANNA), lines: [{ article: 'portal_user', quantity: 1 }] });
    expect(small.outcome).toBe('started');
    const byOther = await requestCredit(creditRequestReads(h.db), h.client, settings, whole('Olle Operatör'));
    expect(byOther.outcome).toBe('started');
    for (const s of [small, byOther]) await h.client.workflow.getHandle(s.workflowId).terminate('test done');
  });

  it('the CLI exits 1 (the operation was refused) naming the fix, in text and under --json', async () => {
    const before = (await creditRequests()).length;
    const text = await runCli(['invoices', 'credit', number, '--by', BERTIL, '--reason', 'fel pris'], cliEnv);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(spaced(text.stderr)).toContain(`needs 2 approvers other than ${BERTIL} (four eyes: above 1 000,00 kr), but only ${ANNA} is configured besides`);
    expect(text.stderr).toContain('next: add a finance approver to financeApprovers in the configuration');
    expect(text.stderr).toContain('or let someone else request the credit (--by)');

    const json = await runCli(['invoices', 'credit', number, '--by', BERTIL, '--reason', 'fel pris', '--json'], cliEnv);
    expect(json.code).toBe(1);
    const error = JSON.parse(json.stderr.trim().split('\n').pop()!).error;
    expect(error).toMatchObject({ exit_code: 1, kind: 'failed' });
    expect(error.message).toMatch(/it could never be approved, so nothing was started$/);
    expect(error.next).toMatch(/^add a finance approver to financeApprovers/);
    expect((await creditRequests()).length).toBe(before);
  }, 60_000);

  it('the console refuses it with a Swedish message naming the fix, and starts nothing', async () => {
    const before = (await creditRequests()).length;
    const s = await login(app, 'anna@ekonomi.test');
    const form = `/finance/invoices/${number}/credit`;
    const posted = await app.inject({ method: 'POST', url: form, headers: { cookie: s.cookie }, payload: { _csrf: s.csrf, reason: 'fel pris', scope: 'all' } });
    expect([posted.statusCode, posted.headers.location]).toEqual([303, form]);
    // The flash travels in the session cookie the answer sets.
    const set = [posted.headers['set-cookie']].flat().map(String).map((c) => c.split(';')[0]).find((c) => c.startsWith('month_close_session='));
    const page = await app.inject({ method: 'GET', url: form, headers: { cookie: set ?? s.cookie } });
    const shown = spaced(page.body).replace(/&nbsp;|&#160;/g, ' ').replace(/\s+/g, ' ');
    expect(shown).toContain(`Krediteringen av ${number} (2 112,50 kr) kan inte begäras av ${ANNA}: den kräver 2 godkännanden (fyra ögon, över 1 000,00 kr) av någon annan än den som begär, men bara ${BERTIL} finns som annan godkännare.`);
    expect(shown).toContain('Be en annan person begära krediteringen, eller be driften lägga till en godkännare i financeApprovers.');
    expect((await creditRequests()).length).toBe(before);
  });
});
