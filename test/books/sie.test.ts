import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stockholmDate } from '../../billing';
import { buildConsole } from '../../web/server';
import { login, seedUser } from '../web/support';
import { runCli } from '../support/cli-runner';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCloseTenant } from '../support/seed';
import { credit, invoicedCustomer } from './support';
import { parseSie, type ParsedVoucher } from './sie-parser';

// SIE 4I to bookkeeping (issue #21), read back by the tests' own parser.

const PERIOD = '2024-11';
let h: CloseHarness;
let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedCloseTenant(h.db, h.webhook.url, 'Partner P-TEST');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-sie-'));
  const configFile = path.join(dir, 'config.json');
  // Revenue of Smart on an account of its own (the rest on the BAS defaults).
  fs.writeFileSync(configFile, JSON.stringify({ ...h.config, books: { ...h.config.books, revenueByArticle: { smart: { domestic: 3011 } }, accountNames: { '3011': 'Försäljning Smart, 25 % moms' } } }));
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: h.databaseUrl, MONTH_CLOSE_CONFIG: configFile, LOG_LEVEL: 'warn' };
}, 120_000);
afterAll(async () => {
  await h?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('books export (SIE 4I)', () => {
  it('one balanced voucher per invoice and credit note, amounts to the öre, CP437 and CRLF, exported once, a batch rewritten byte-identically', async () => {
    const domestic = await invoicedCustomer(h, PERIOD); // "Åkesson & Öberg \"Bygg\" AB"
    const k = await credit(h, domestic.number, [{ article: 'portal_user', quantity: 1 }]);
    // An EU buyer: reverse charge, revenue on 3308 and no moms row.
    const rc = await invoicedEuCustomer();

    const out = path.join(dir, 'books', 'first.si');
    const first = await run('books', 'export', '--out', out, '--json', '--by', 'Anna Ekonom');
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout);
    const documents = await h.db('invoices').orderBy('id').select('*');
    expect(result).toEqual({ batch: expect.any(Number), file: out, vouchers: documents.length, first_number: 1, last_number: documents.length, series: { B: { first: 1, last: documents.length, vouchers: documents.length } } });
    const bytes = fs.readFileSync(out);
    const sie = parseSie(bytes);

    // What the spec lists, in order.
    expect(sie.lines.slice(0, 7)).toEqual([
      '#FLAGGA 0',
      expect.stringMatching(/^#PROGRAM "month-close" \d+\.\d+\.\d+$/),
      '#FORMAT PC8',
      `#GEN ${stockholmDate(Date.now()).replace(/-/g, '')}`,
      '#SIETYP 4',
      '#FNAMN "Nordisk Rapportering AB"',
      '#ORGNR 556677-8899',
    ]);
    // #KONTO for exactly the accounts used.
    const used = [...new Set(sie.vouchers.flatMap((v) => v.trans.map((t) => t.account)))].sort();
    expect([...sie.accounts.keys()].sort()).toEqual(used);
    expect(sie.accounts.get(1510)).toBe('Kundfordringar');
    expect(sie.accounts.get(3308)).toBe('Försäljning tjänster till annat EU-land');
    expect(sie.accounts.get(3011)).toBe('Försäljning Smart, 25 % moms');

    // One voucher per document, series B, numbered 1.. without gaps, every one balanced, amounts as invoiced.
    expect(sie.vouchers.map((v) => [v.series, v.number])).toEqual(documents.map((_, i) => ['B', i + 1]));
    for (const v of sie.vouchers) expect(v.trans.reduce((s, t) => s + t.ore, 0), v.text).toBe(0);
    const voucherOf = (n: string) => sie.vouchers.find((v) => v.text.includes(` ${n} `))!;
    for (const d of documents) {
      const v = voucherOf(`${d.series}${d.number}`);
      expect(v.date).toBe(d.issue_date.replace(/-/g, ''));
      expect(sum(v, [1510])).toBe(d.total_ore);
      // Credited amounts: each row plus the invoice's amount is 0 to the öre.
      expect(sum(v, [3001, 3011, 3308]) + d.net_ore).toBe(0);
      expect(sum(v, [2611]) + d.vat_ore).toBe(0);
      expect(sum(v, [3740]) + d.rounding_ore).toBe(0);
    }
    const invoiceVoucher = voucherOf(domestic.number);
    expect(invoiceVoucher.text).toBe(`Faktura ${domestic.number} Åkesson & Öberg "Bygg" AB`);
    expect(sum(invoiceVoucher, [3011])).toBe(-149_500); // Smart on its own account
    const creditVoucher = voucherOf(k);
    expect(creditVoucher.text).toBe(`Kreditfaktura ${k} Åkesson & Öberg "Bygg" AB, kredit av ${domestic.number}`);
    expect(sum(creditVoucher, [1510])).toBe(-24_400); // the signs turned
    const rcVoucher = voucherOf(rc);
    expect(rcVoucher.trans.map((t) => t.account)).not.toContain(2611);
    expect(sum(rcVoucher, [3308])).toBeLessThan(0);

    // Bytes: CP437 single bytes for Å and Ö, no UTF-8, CRLF only, the quote escaped.
    const raw = bytes.toString('latin1');
    expect(raw).toContain('"Faktura ' + domestic.number + ' \x8Fkesson & \x99berg \\"Bygg\\" AB"');
    expect(bytes.includes(Buffer.from([0xc3]))).toBe(false);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(raw).toContain('#TRANS 1510 {} 3588.00\r\n');

    // Export again: nothing new, no file, exit 0.
    const again = path.join(dir, 'books', 'again.si');
    const second = await run('books', 'export', '--out', again, '--json');
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ vouchers: 0, file: null });
    expect(fs.existsSync(again)).toBe(false);

    // The batch written again: byte-identical.
    const rewritten = path.join(dir, 'books', 'rewritten.si');
    const rewrite = await run('books', 'export', '--out', rewritten, '--batch', String(result.batch), '--json');
    expect(rewrite.code, rewrite.stderr).toBe(0);
    expect(fs.readFileSync(rewritten).equals(bytes)).toBe(true);

    // A credit note issued later goes in the next batch only, numbered on.
    const k2 = await credit(h, domestic.number, [{ article: 'superuser', quantity: 1 }]);
    const third = await run('books', 'export', '--out', path.join(dir, 'books', 'third.si'), '--json');
    expect(JSON.parse(third.stdout)).toMatchObject({ vouchers: 1, first_number: documents.length + 1, last_number: documents.length + 1 });
    const next = parseSie(fs.readFileSync(path.join(dir, 'books', 'third.si')));
    expect(next.vouchers.map((v) => v.text)).toEqual([expect.stringContaining(`Kreditfaktura ${k2} `)]);
    expect(await h.db('books_vouchers').count<{ count: number }[]>('* as count')).toEqual([{ count: documents.length + 1 }]);

    // Finance downloads the batch in the console: the same bytes.
    const app = await buildConsole({ db: h.db, client: h.client, config: h.config, uiUrl: null, namespace: 'default' });
    try {
      await seedUser(h.db, 'anna@ekonomi.test', 'finance', 'Anna Ekonom');
      const session = await login(app, 'anna@ekonomi.test');
      const page = await app.inject({ method: 'GET', url: '/finance/books', headers: { cookie: session.cookie } });
      expect(page.body).toMatch(/<p id="pending">0 verifikationer väntar på export\.<\/p>/);
      expect(page.body).toContain(`/finance/books/batches/${result.batch}.si`);
      const download = await app.inject({ method: 'GET', url: `/finance/books/batches/${result.batch}.si`, headers: { cookie: session.cookie } });
      expect(download.statusCode).toBe(200);
      expect(download.rawPayload.equals(bytes)).toBe(true);
    } finally {
      await app.close();
    }

    // The period report shows the same totals as exported.
    const report = JSON.parse((await run('period', 'report', '--period', PERIOD, '--json')).stdout);
    expect(report.exported).toMatchObject({ total_ore: report.totals.total_ore, net_ore: report.totals.net_ore, vat_ore: report.totals.vat_ore, not_exported: 0 });
  }, 400_000);
});

/** An EU (German) business buyer: reverse charge. */
async function invoicedEuCustomer(): Promise<string> {
  const { customerId, number } = await invoicedCustomer(h, PERIOD, { name: 'Müller Steuerberatung GmbH' }, { country: 'DE', vat_number: 'DE123456789' });
  expect((await h.db('invoices').where({ customer_id: customerId }).first('vat_treatment')).vat_treatment).toBe('reverse_charge');
  return number;
}

function sum(v: ParsedVoucher, accounts: number[]): number {
  return v.trans.filter((t) => accounts.includes(t.account)).reduce((s, t) => s + t.ore, 0);
}
