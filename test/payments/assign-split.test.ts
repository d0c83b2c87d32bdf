import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { booksSettings, exportBooks } from '../../books/export';
import { loadConfig } from '../../infra/config';
import { camt054Xml } from '../../payments/camt054-writer';
import { AssignRefused, assignPayment } from '../../store/payment-assign';
import { importPaymentFile } from '../../store/payments';
import { listReceivables } from '../../store/receivables';
import { parseSie } from '../books/sie-parser';
import { runCli } from '../support/cli-runner';
import { createTestDatabase } from '../support/database';
import { seedInvoice } from './seed-invoices';

// One unmatched payment booked by hand over several of a customer's invoices: split in the order
// given (each up to what it has open, the last the rest, an excess the customer's credit balance),
// or by named amounts; each part recorded with who and when and booked as its own series-C
// voucher; a request that cannot be met refused whole, nothing stored.

const config = loadConfig();
let t: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-assign-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: t.databaseUrl, MONTH_CLOSE_CONFIG: path.join(dir, 'config.json'), LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  await t?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

let fileNo = 0;
/** Imports payments without an OCR (unmatched); returns the file's bytes for a re-import. */
async function unmatched(...payments: [reference: string, amountOre: number][]): Promise<Buffer> {
  const bytes = Buffer.from(camt054Xml({ version: '08', messageId: `SPLIT-${++fileNo}`, createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', entries: [{ reference: `DEP-S-${fileNo}`, bookingDate: '2026-12-03', payments: payments.map(([reference, amountOre]) => ({ reference, amountOre, payer: 'Kund Utan OCR AB' })) }] }));
  const r = await importPaymentFile(t.db, config, 'split.xml', bytes);
  expect(r.unmatched.map((u) => u.reference)).toEqual(payments.map(([reference]) => reference));
  return bytes;
}
let periodNo = 0;
/** Invoices of one customer (one a period: a customer has one original invoice per period). */
async function invoices(...totals: number[]) {
  const out: Awaited<ReturnType<typeof seedInvoice>>[] = [];
  for (const totalOre of totals) out.push(await seedInvoice(t.db, { number: 80_000 + ++periodNo, totalOre, dueDate: '2026-12-01', customerId: out[0]?.customerId, period: `20${10 + Math.floor(periodNo / 12)}-${String((periodNo % 12) + 1).padStart(2, '0')}` }));
  return out;
}
const at = new Date('2026-12-04T10:00:00Z');
const share = (invoice: string, amountOre: number | null = null) => ({ invoice, amountOre });
const refusedWith = async (p: Promise<unknown>) => p.then(() => { throw new Error('not refused'); }, (err: unknown) => {
  if (!(err instanceof AssignRefused)) throw err;
  return err;
});

describe('payments assign over several invoices', () => {
  it('splits in the order given, each up to what it has open, the last the rest; each part recorded; a re-import is one duplicate', async () => {
    const [a, b] = await invoices(60_000, 100_000);
    const bytes = await unmatched(['S-1', 120_000]);
    const done = await assignPayment(t.db, { reference: 'S-1', shares: [share(a!.number), share(b!.number)], by: 'Anna Ekonom', now: at });
    expect(done).toEqual({
      reference: 'S-1', amount_ore: 120_000, assigned_by: 'Anna Ekonom',
      parts: [
        { reference: 'S-1', invoice: a!.number, amount_ore: 60_000, outcome: 'paid', remaining_ore: 0, overpaid_ore: 0 },
        { reference: 'S-1', invoice: b!.number, amount_ore: 60_000, outcome: 'partly_paid', remaining_ore: 40_000, overpaid_ore: 0 },
      ],
    });
    // The bank's row as it came, marked assigned; each part a row of its own: who, when, which invoice, how much.
    const rows = await t.db('payments').where({ reference: 'S-1' }).orderBy('part').select('part', 'amount_ore', 'invoice_id', 'customer_id', 'assigned_by', 'assigned_at', 'split_of', 'id');
    expect(rows.map((r) => [r.part, r.amount_ore, r.invoice_id, r.assigned_by])).toEqual([[0, 120_000, null, 'Anna Ekonom'], [1, 60_000, a!.id, 'Anna Ekonom'], [2, 60_000, b!.id, 'Anna Ekonom']]);
    for (const r of rows) expect(new Date(r.assigned_at).toISOString()).toBe(at.toISOString());
    expect(rows.slice(1).map((r) => [r.split_of, r.customer_id])).toEqual([[rows[0].id, a!.customerId], [rows[0].id, a!.customerId]]);

    const rec = await listReceivables(t.db, { today: '2026-12-04' });
    expect(rec.unmatched.map((u) => u.reference)).not.toContain('S-1');
    expect(rec.invoices.find((i) => i.number === b!.number)).toMatchObject({ paid_ore: 60_000, remaining_ore: 40_000, status: 'overdue' });
    expect((await importPaymentFile(t.db, config, 'again.xml', bytes)).duplicates).toBe(1);
    // Assigned in parts is for good: again refused, and the database refuses changing any row of it.
    expect((await refusedWith(assignPayment(t.db, { reference: 'S-1', shares: [share(b!.number)], by: 'Bertil', now: at }))).message).toBe(`payment S-1 is already booked against ${a!.number}, ${b!.number} (assigned by Anna Ekonom)`);
    await expect(t.db('payments').where({ reference: 'S-1', part: 0 }).update({ invoice_id: b!.id })).rejects.toThrow(/only an unmatched payment can be assigned/);
    await expect(t.db('payments').where({ reference: 'S-1', part: 2 }).update({ amount_ore: 1 })).rejects.toThrow(/only an unmatched payment can be assigned/);
  });

  it('the last invoice takes what the others leave, beyond what it has open: the customer\'s credit balance', async () => {
    const [a, b] = await invoices(30_000, 20_000);
    await unmatched(['S-2', 100_000]);
    const done = await assignPayment(t.db, { reference: 'S-2', shares: [share(a!.number), share(b!.number)], by: 'Anna Ekonom', now: at });
    expect(done.parts.map((p) => [p.invoice, p.amount_ore, p.outcome, p.overpaid_ore])).toEqual([[a!.number, 30_000, 'paid', 0], [b!.number, 70_000, 'overpaid', 50_000]]);
    expect((await listReceivables(t.db, { today: '2026-12-04', customerId: a!.customerId })).credit_balances).toEqual([{ customer_id: a!.customerId, amount_ore: 50_000 }]);
  });

  it('named amounts: each invoice its amount, one without an amount what they leave', async () => {
    const [a, b, c] = await invoices(50_000, 50_000, 50_000);
    await unmatched(['S-3', 60_000]);
    const done = await assignPayment(t.db, { reference: 'S-3', shares: [share(a!.number), share(b!.number, 12_345), share(c!.number, 10_000)], by: 'Anna Ekonom', now: at });
    expect(done.parts.map((p) => [p.invoice, p.amount_ore])).toEqual([[a!.number, 37_655], [b!.number, 12_345], [c!.number, 10_000]]);
  });

  it('refuses whole, storing nothing: amounts beyond the payment, another customer, a credited, unknown or credit-note number, one twice, an amount left over, an invoice that would get nothing', async () => {
    const [a, b] = await invoices(40_000, 40_000);
    const [other] = await invoices(10_000);
    const [credited] = await invoices(10_000);
    const note = await seedInvoice(t.db, { number: 1, totalOre: -10_000, dueDate: '2026-12-01', kind: 'credit_note', creditOf: credited!.id, customerId: credited!.customerId });
    await unmatched(['S-4', 50_000]);
    const before = await t.db('payments').orderBy('id').select('*');
    const refusal = async (shares: { invoice: string; amountOre: number | null }[]) => (await refusedWith(assignPayment(t.db, { reference: 'S-4', shares, by: 'Anna Ekonom', now: at }))).message;

    expect(await refusal([share(a!.number, 30_000), share(b!.number, 30_000)])).toBe('the amounts named add up to 600.00, more than the payment of 500.00');
    expect(await refusal([share(a!.number), share(other!.number)])).toBe(`the invoices are of different customers (${a!.number}: ${a!.customerId}, ${other!.number}: ${other!.customerId}): one payment is assigned to one customer's invoices`);
    expect(await refusal([share(a!.number), share(credited!.number)])).toBe(`${credited!.number} is credited in full: nothing is to be paid on it`);
    expect(await refusal([share(a!.number), share('F99999')])).toBe('no invoice F99999 (a payment is assigned to an invoice, not a credit note)');
    expect(await refusal([share(note.number)])).toBe(`no invoice ${note.number} (a payment is assigned to an invoice, not a credit note)`);
    expect(await refusal([share(a!.number), share(b!.number), share(a!.number)])).toBe(`--invoice ${a!.number} is named twice: name each invoice once`);
    expect(await refusal([share(a!.number, 10_000), share(b!.number, 10_000)])).toBe(`the amounts named leave 300.00 of the payment unassigned: the last invoice takes the rest, so leave out the amount of ${b!.number}`);
    expect(await refusal([share(a!.number), share(b!.number, 50_000)])).toBe(`${a!.number} would receive nothing (it has 400.00 open; the invoices before it take the rest of the payment): leave it out or name its amount`);
    expect(await t.db('payments').orderBy('id').select('*')).toEqual(before);
  });

  it('each part is its own series-C voucher (1930 debit, 1510 credit) in the next books export', async () => {
    const exported = await exportBooks(t.db, booksSettings(config), { today: '2026-12-04' });
    const c = parseSie(exported.content!).vouchers.filter((v) => v.series === 'C');
    // S-1 in two parts, S-2 in two, S-3 in three.
    expect(c).toHaveLength(7);
    const s1 = c.filter((v) => v.text.includes('(S-1)'));
    expect(s1.map((v) => v.trans.map((tr) => [tr.account, tr.ore]))).toEqual([[[1930, 60_000], [1510, -60_000]], [[1930, 60_000], [1510, -60_000]]]);
    const booked1510 = parseSie(exported.content!).vouchers.flatMap((v) => v.trans).filter((tr) => tr.account === 1510).reduce((s, tr) => s + tr.ore, 0);
    expect(booked1510).toBe((await listReceivables(t.db, { today: '2026-12-04' })).total_ore);
  });

  it('one invoice credited in full: the payment is the customer\'s credit balance, as when its OCR matched', async () => {
    const [credited] = await invoices(30_000);
    await seedInvoice(t.db, { number: 2, totalOre: -30_000, dueDate: '2026-12-01', kind: 'credit_note', creditOf: credited!.id, customerId: credited!.customerId });
    await unmatched(['S-7', 30_000]);
    const done = await assignPayment(t.db, { reference: 'S-7', shares: [share(credited!.number)], by: 'Anna Ekonom', now: at });
    expect(done.parts.map((p) => [p.invoice, p.amount_ore, p.outcome, p.overpaid_ore])).toEqual([[credited!.number, 30_000, 'overpaid', 30_000]]);
    expect((await listReceivables(t.db, { today: '2026-12-04', customerId: credited!.customerId })).credit_balances).toEqual([{ customer_id: credited!.customerId, amount_ore: 30_000 }]);
  });

  it('the command: repeatable --invoice, an amount in sv-SE kronor, each part in the text and --json; a refusal exits 2 and stores nothing', async () => {
    const [a, b] = await invoices(50_000, 80_000);
    await unmatched(['S-5', 100_000], ['S-6', 20_000]);
    const r = await runCli(['payments', 'assign', 'S-5', '--invoice', a!.number, '--invoice', `${b!.number}=500,00`, '--by', 'Anna Ekonom', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      reference: 'S-5', amount_ore: 100_000, assigned_by: 'Anna Ekonom',
      parts: [
        { reference: 'S-5', invoice: a!.number, amount_ore: 50_000, outcome: 'paid', remaining_ore: 0, overpaid_ore: 0 },
        { reference: 'S-5', invoice: b!.number, amount_ore: 50_000, outcome: 'partly_paid', remaining_ore: 30_000, overpaid_ore: 0 },
      ],
    });
    const refused = await runCli(['payments', 'assign', 'S-6', '--invoice', b!.number, '--invoice', `${a!.number}=1 234,5`, '--by', 'Anna Ekonom'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the amounts named add up to 1234.50, more than the payment of 200.00');
    expect(await t.db('payments').where({ reference: 'S-6' }).first('invoice_id', 'assigned_by')).toEqual({ invoice_id: null, assigned_by: null });
    const text = await runCli(['payments', 'assign', 'S-6', '--invoice', b!.number, '--by', 'Anna Ekonom'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.replace(/\u00a0/g, ' ')).toBe(`Inbetalning S-6 (200,00 kr) bokförd mot ${b!.number} av Anna Ekonom: delbetald, kvar att betala 100,00 kr\n`);
    const syntax = await runCli(['payments', 'assign', 'S-6', '--invoice', `${b!.number}=12.50`, '--by', 'Anna Ekonom'], env);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain(`--invoice "${b!.number}=12.50": write NUMBER or NUMBER=KRONOR, e.g. F10001 or F10001=1234,50`);
  }, 120_000);
});
