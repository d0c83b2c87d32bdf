import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { camt054Xml } from '../../payments/camt054-writer';
import { runCli } from '../support/cli-runner';
import { createTestDatabase } from '../support/database';
import { seedInvoice } from './seed-invoices';

// The commands as finance runs them: JSON as the spec's contract, exit 2 for a refused file
// with nothing stored, receivables with ageing buckets and the unmatched payments.

let t: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let env: NodeJS.ProcessEnv;
const run = (args: string[]) => runCli(args, env);

beforeAll(async () => {
  t = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-payments-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(loadConfig()));
  env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('namespace'), DATABASE_URL: t.databaseUrl, MONTH_CLOSE_CONFIG: path.join(dir, 'config.json'), LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  await t?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('payments import and receivables list (CLI)', () => {
  it('imports with the JSON of the contract, refuses a bad file with exit 2, lists receivables by age', async () => {
    const a = await seedInvoice(t.db, { number: 30001, totalOre: 100_000, dueDate: '2020-01-01' });
    const b = await seedInvoice(t.db, { number: 30002, totalOre: 80_000, dueDate: '2099-01-01', customerId: a.customerId, period: '2026-11' });
    const file = path.join(dir, 'camt.xml');
    fs.writeFileSync(file, camt054Xml({ version: '08', messageId: 'M1', createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', entries: [{ reference: 'E1', bookingDate: '2026-12-03', payments: [
      { reference: 'P1', amountOre: 30_000, payer: 'Kund AB', ocr: a.ocr },
      { reference: 'P2', amountOre: 5_000, payer: 'Okänd Betalare AB' },
    ] }, { reference: 'E2', bookingDate: '2026-12-03', cdtDbt: 'DBIT', payments: [{ reference: 'P3', amountOre: 100, payer: 'Bank' }] }] }));
    const r = await run(['payments', 'import', file, '--json']);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ payments: 2, matched: 1, partly_paid: 1, overpaid: 0, duplicates: 0 });
    // The contract's fields as before, and the reason's code beside its English.
    expect(json.unmatched).toEqual([{ reference: 'P2', amount_ore: 5_000, payer: 'Okänd Betalare AB', reason: 'no OCR reference', reason_code: 'no_ocr', booking_date: '2026-12-03' }]);
    expect(json.ignored).toEqual([{ reference: 'P3', amount_ore: 100, reason: 'a debit (only credits are payments)', reason_code: 'debit' }]);

    const text = await run(['payments', 'import', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/2 inbetalningar, 0 matchade mot fakturor .*2 redan inlästa/);

    const bad = path.join(dir, 'bad.xml');
    fs.writeFileSync(bad, fs.readFileSync(file, 'utf8').replace('<NbOfTxs>2</NbOfTxs>', '<NbOfTxs>3</NbOfTxs>'));
    const refused = await run(['payments', 'import', bad, '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/bad\.xml, line \d+: entry E1 says 3 transactions \(Btch\/NbOfTxs\) but holds 2; the file was refused whole, nothing was recorded/);

    const list = await run(['receivables', 'list', '--json']);
    expect(list.code).toBe(0);
    const rec = JSON.parse(list.stdout);
    expect(rec.invoices.map((i: { number: string; status: string; remaining_ore: number }) => [i.number, i.status, i.remaining_ore])).toEqual([['F30001', 'overdue', 70_000], ['F30002', 'final', 80_000]]);
    expect(rec.invoices[0]).toMatchObject({ customer_id: a.customerId, due_date: '2020-01-01', total_ore: 100_000, credited_ore: 0, paid_ore: 30_000 });
    expect(rec.invoices[0].days_overdue).toBeGreaterThan(90);
    expect(rec.buckets).toEqual({ not_due: 80_000, '1-30': 0, '31-60': 0, '61-90': 0, over_90: 70_000 });
    expect(rec.unmatched).toEqual([{ reference: 'P2', amount_ore: 5_000, payer: 'Okänd Betalare AB', reason: 'no OCR reference', reason_code: 'no_ocr', booking_date: '2026-12-03' }]);
    const overdue = JSON.parse((await run(['receivables', 'list', '--overdue', '--json'])).stdout);
    expect(overdue.invoices.map((i: { number: string }) => i.number)).toEqual(['F30001']);

    const assigned = await run(['payments', 'assign', 'P2', '--invoice', b.number, '--by', 'Anna Ekonom']);
    expect(assigned.code).toBe(0);
    expect(assigned.stdout).toMatch(/Inbetalning P2 \(50,00\s*kr\) bokförd mot F30002 av Anna Ekonom: delbetald, kvar att betala 750,00\s*kr/);
    const again = await run(['payments', 'assign', 'P2', '--invoice', b.number, '--by', 'Anna Ekonom']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already booked against F30002/);
    const human = await run(['receivables', 'list', '--customer', a.customerId]);
    expect(human.stdout).toMatch(/F30001 .* Förfallen/);
    expect(human.stdout).toMatch(/Kundfordringar totalt \(konto 1510\): 1\s*450,00\s*kr/);

    // A disputed invoice: recorded with who and why, once; resolved later.
    expect((await run(['receivables', 'dispute', a.number, '--by', 'Anna Ekonom', '--reason', 'fel antal användare'])).code).toBe(0);
    expect((await run(['receivables', 'dispute', a.number, '--by', 'Anna Ekonom', '--reason', 'igen'])).stderr).toMatch(/already disputed/);
    expect((await run(['receivables', 'resolve', a.number, '--by', 'Bertil Controller'])).code).toBe(0);
    expect(await t.db('invoice_disputes').first('disputed_by', 'reason', 'resolved_by')).toEqual({ disputed_by: 'Anna Ekonom', reason: 'fel antal användare', resolved_by: 'Bertil Controller' });
  }, 240_000); // twelve command-line starts on a shared machine
});
