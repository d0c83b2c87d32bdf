import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoResult } from '../../demo/run-demo';
import { DATA_DIR, DEFAULT_OUT_DIR } from '../../infra/paths';
import { parseSie } from '../books/sie-parser';
import { runCli, type CliResult } from '../support/cli-runner';
import { rowsOf } from '../support/demo-usage';
import { processesUsing } from '../dev/dev-process';
import { waitFor } from '../support/wait';

// The README's first command, `month-close demo`, run as a user runs it (bin/month-close.js), small:
// 12 customers, a size whose data generation once crashed. It starts its own embedded PostgreSQL
// and Temporal dev server; its state and files go to a temp dir (MONTH_CLOSE_DATA_DIR,
// MONTH_CLOSE_OUT_DIR), never the checkout's out/ or .data/demo.

const CUSTOMERS = 12;

let root: string;
let dataDir: string;
let outDir: string;
let run: CliResult;
let result: DemoResult;
let seconds: number;
const checkoutBefore = { out: listing(DEFAULT_OUT_DIR), demoData: listing(path.join(DATA_DIR, 'demo')) };

function listing(dir: string): string[] | null {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : null;
}

const filesIn = (sub: string) => fs.readdirSync(path.join(outDir, sub)).sort();

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-run-test-'));
  dataDir = path.join(root, 'data');
  outDir = path.join(root, 'out');
  const started = Date.now();
  run = await runCli(['demo', '--customers', String(CUSTOMERS), '--json'], {
    ...process.env,
    MONTH_CLOSE_DATA_DIR: dataDir,
    MONTH_CLOSE_OUT_DIR: outDir,
    // Embedded services only, whatever the developer's shell points at.
    TEMPORAL_ADDRESS: '',
    DATABASE_URL: '',
    SMTP_HOST: '',
    LOG_LEVEL: 'warn',
  });
  seconds = (Date.now() - started) / 1000;
  if (run.code !== 0) throw new Error(`demo exited ${run.code} after ${seconds} s:\n${run.stderr.slice(-3000)}`);
  result = JSON.parse(run.stdout) as DemoResult;
}, 300_000);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe(`month-close demo --customers ${CUSTOMERS} --json`, () => {
  it('exits 0, leaves no process running on its data dir and does not touch the checkout', async () => {
    expect(run.code).toBe(0);
    await waitFor(() => processesUsing(dataDir).length === 0, 15_000, 'nothing left on the data dir').catch(() => undefined);
    expect(processesUsing(dataDir)).toEqual([]);
    expect(listing(DEFAULT_OUT_DIR)).toEqual(checkoutBefore.out);
    expect(listing(path.join(DATA_DIR, 'demo'))).toEqual(checkoutBefore.demoData);
    expect(filesIn('.')).toEqual(expect.arrayContaining(['bank', 'books', 'einvoices', 'input', 'invoices', 'mail', 'webhooks']));
    process.stdout.write(`demo --customers ${CUSTOMERS}: ${seconds.toFixed(1)} s\n`);
  });

  it('writes one PDF per invoiced customer and per credit note, as the result says', () => {
    const invoiced = result.status.customers.filter((c) => c.invoice_number !== null);
    expect(invoiced.length).toBeGreaterThan(CUSTOMERS / 2);
    expect(result.status.customers).toHaveLength(CUSTOMERS);
    const creditNotes = invoiced.flatMap((c) => (c.credited_by ?? []).map((k) => `${k}-${c.customer_id}.pdf`));
    expect(creditNotes).toHaveLength(1);
    expect(filesIn('invoices')).toEqual([...invoiced.map((c) => `${c.invoice_number}-${c.customer_id}.pdf`), ...creditNotes].sort());
    expect(result.pdfs).toBe(filesIn('invoices').length);
    for (const f of filesIn('invoices')) expect(fs.readFileSync(path.join(outDir, 'invoices', f)).subarray(0, 5).toString()).toBe('%PDF-');
    expect(run.stderr).toContain(`(${result.pdfs} invoices and credit notes)`);
  });

  it("e-mails each invoice to its customer's billing address, except the one that bounced", () => {
    const customers = new Map(rowsOf(path.join(outDir, 'input', 'customers.csv')).map((c) => [c.customer_id!, c]));
    const mails = filesIn('mail').map((f) => ({ to: f.replace(/^\d+-/, '').replace(/\.eml$/, ''), text: fs.readFileSync(path.join(outDir, 'mail', f), 'utf8') }));
    expect(run.stderr).toContain(`(${mails.length} messages, PDFs attached)`);
    const bounced = /^Import customers: (\S+)'s billing e-mail mistyped as (\S+) /m.exec(run.stderr);
    expect(bounced, 'the mistyped customer is named').not.toBeNull();
    for (const c of result.status.customers.filter((c) => c.invoice_number !== null)) {
      const sent = mails.some((m) => m.to === customers.get(c.customer_id)!.billing_email && m.text.includes(c.invoice_number!));
      expect(sent, `${c.invoice_number} to ${c.customer_id}`).toBe(c.customer_id !== bounced![1]);
    }
  });

  it('lists the bounced e-mail with its delivery ids for an operator to send again', () => {
    expect(result.bouncedDeliveries.length).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/^Bounced e-mail \(550, \S+\.invalid\), address since corrected to \S+:$/m);
    for (const id of result.bouncedDeliveries) expect(run.stderr).toContain(`  delivery ${id}: month-close deliveries resend ${id} --by NAME`);
  });

  it('names the customer whose close failed, with its reason, and the re-run after finance corrected it', () => {
    const withoutVat = rowsOf(path.join(outDir, 'input', 'customers.csv')).filter((c) => c.vat_number === '').map((c) => c.customer_id);
    expect(withoutVat).toHaveLength(1);
    expect(result.books.corrected.map((c) => c.customerId)).toEqual(withoutVat);
    expect(result.books.corrected[0]!.reason).toMatch(/no VAT number/);
    expect(run.stderr).toContain('Failed in the close (each with its next step):');
    expect(run.stderr).toMatch(new RegExp(`^  ${withoutVat[0]}: customer ${withoutVat[0]} cannot be invoiced: no VAT number`, 'm'));
    const invoiceNumber = result.books.corrected[0]!.invoiceNumber;
    expect(invoiceNumber).toMatch(/^F\d+$/);
    expect(result.status.customers.find((c) => c.customer_id === withoutVat[0])!.invoice_number).toBe(invoiceNumber);
  });

  it('imports the camt.054 it wrote and prints the receivables', () => {
    const bank = filesIn('bank');
    expect(bank).toHaveLength(1);
    expect(bank[0]).toMatch(/^camt054-\d{4}-\d{2}-\d{2}\.xml$/);
    expect(fs.readFileSync(path.join(outDir, 'bank', bank[0]!), 'utf8')).toContain('camt.054.001.08');
    const imported = /^Bank file .*camt054-.*imported: (\d+) matched \((\d+) paid, (\d+) partly, (\d+) overpaid\), (\d+) unmatched/m.exec(run.stderr);
    expect(imported, run.stderr).not.toBeNull();
    expect(Number(imported![1])).toBeGreaterThan(0);
    expect(Number(imported![5])).toBe(1); // the OCR nobody has
    expect(run.stderr).toMatch(/^The same file again: \d+ duplicates, 0 new/m);
    // Amounts in sv-SE: '41 493,50 kr' with no-break spaces, '−' for minus.
    const sek = '[−-]?[\\d\\u00a0]+,\\d{2}\\u00a0kr';
    expect(run.stderr).toMatch(new RegExp(`^Receivables: \\d+ open invoices, ${sek} not yet due, ${sek} overdue; credit balances ${sek}; on 1510 ${sek}; 1 unmatched payment`, 'm'));
  });

  it('exports the books as a SIE file that parses, with invoice (B) and payment (C) vouchers, as the result says', () => {
    const books = filesIn('books');
    expect(books).toHaveLength(1);
    expect(result.books.file).toBe(path.join(outDir, 'books', books[0]!));
    const sie = parseSie(fs.readFileSync(result.books.file!));
    const series = new Set(sie.vouchers.map((v) => v.series));
    expect([...series].sort()).toEqual(['B', 'C']);
    expect(sie.vouchers).toHaveLength(result.books.vouchers);
    const invoices = sie.vouchers.filter((v) => v.series === 'B').map((v) => v.number);
    expect(Math.min(...invoices)).toBe(result.books.firstNumber);
    expect(Math.max(...invoices)).toBe(result.books.lastNumber);
    for (const v of sie.vouchers) expect(v.trans.reduce((s, t) => s + t.ore, 0), `${v.series}${v.number}`).toBe(0);
    expect(result.books.report.complete).toBe(true);
    expect(result.books.report.lock).not.toBeNull();
  });

  it('agrees with itself: the totals printed are the ones in --json', () => {
    const byArticle = Object.values(result.totalsByArticle);
    expect(byArticle.reduce((s, a) => s + a.amountOre, 0)).toBeGreaterThan(0);
    expect(result.invoicedTotalOre).toBe(Number(result.books.report.totals.total_ore));
    const states = result.status.customers.reduce<Record<string, number>>((n, c) => ({ ...n, [c.state]: (n[c.state] ?? 0) + 1 }), {});
    for (const [state, n] of Object.entries(states)) expect(run.stderr).toMatch(new RegExp(`^  ${state} +${n}$`, 'm'));
    expect(states.nothing_to_bill).toBe(1);
    expect(run.stderr).toContain(`in ${path.join(outDir, 'einvoices')}/`);
    expect(filesIn('einvoices')).toHaveLength(result.pdfs);
  });
});
