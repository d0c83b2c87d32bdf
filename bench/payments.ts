import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ocrFromBase } from '../billing/ocr';
import { loadConfig } from '../infra/config';
import { createDb, migrate, type Db } from '../infra/db';
import { freePort } from '../devenv/ports';
import { startEmbeddedPostgres } from '../devenv/postgres';
import { camt054Chunks, type CamtPaymentSpec } from '../payments/camt054-writer';
import { readBankFile } from '../payments/read-file';
import { importPaymentFile } from '../store/payments';
import { collectGarbage, mb, peakRssMeter, progress } from './support';

// `payments import` of one camt.054 with N payments against N invoices (issue #22), on an
// embedded PostgreSQL of its own: customers and invoices are inserted directly, the bank file is
// written by the camt.054 writer (one bankgiro deposit per 1,000 payments), then imported the
// way the command does it (read, schema check in its worker thread, match, store). Most payments
// are exact; some partial, some beyond the invoice, some with an unknown OCR.
//
//   npx tsx bench/payments.ts [N=100000]

const N = Number(process.argv[2] ?? 100_000);
const FIRST = 100_001;
const CHUNK = 10_000;

async function seed(db: Db, n: number): Promise<string[]> {
  await db('partners').insert({ partner_id: 'P-BENCH', name: 'Bench Partner AB' });
  await db.raw(
    `INSERT INTO customers (customer_id, name, org_number, vat_number, billing_email, street, postal_code, city, country, partner_id, monthly_billing_from)
     SELECT 'B' || lpad(i::text, 7, '0'), 'Kund ' || i || ' AB', '556123-4567', 'SE556123456701', 'kund' || i || '@example.se', 'Storgatan 1', '411 38', 'Göteborg', 'SE', 'P-BENCH', '2024-01-01'
       FROM generate_series(1, ?) AS i`,
    [n],
  );
  const ocrs: string[] = [];
  const seller = JSON.stringify(loadConfig().seller);
  for (let from = 0; from < n; from += CHUNK) {
    const numbers = Array.from({ length: Math.min(CHUNK, n - from) }, (_, k) => FIRST + from + k);
    const chunkOcrs = numbers.map((num) => ocrFromBase(String(num), { lengthDigit: true }));
    ocrs.push(...chunkOcrs);
    await db.raw(
      `INSERT INTO invoices (kind, series, number, customer_id, period, issue_date, due_date, payment_terms_days, ocr, currency, vat_treatment, buyer, seller, vat_breakdown, net_ore, vat_ore, rounding_ore, total_ore, finalised_by, finalised_at)
       SELECT 'invoice', 'F', num, 'B' || lpad((num - ${FIRST - 1})::text, 7, '0'), '2026-10', '2026-11-01', '2026-12-01', 30, ocr, 'SEK', 'domestic', '{}'::jsonb, ?::jsonb, '[]'::jsonb, 100000, 25000, 0, 125000, 'bench', now()
         FROM unnest(?::bigint[], ?::text[]) AS t(num, ocr)`,
      [seller, numbers, chunkOcrs],
    );
  }
  return ocrs;
}

function paymentOf(i: number, ocrs: string[]): CamtPaymentSpec {
  const base = { reference: `BENCH-${i}`, payer: `Kund ${i + 1} AB` };
  if (i % 50 === 7) return { ...base, amountOre: 99_00, ocr: ocrFromBase(String(900_000_000 + i), { lengthDigit: true }) }; // unknown OCR
  if (i % 20 === 3) return { ...base, amountOre: 60_000, ocr: ocrs[i] }; // partly
  if (i % 50 === 11) return { ...base, amountOre: 130_000, ocr: ocrs[i] }; // beyond
  return { ...base, amountOre: 125_000, ocr: ocrs[i] };
}

async function writeFile(file: string, ocrs: string[]): Promise<number> {
  const out = fs.createWriteStream(file);
  const entries = [];
  for (let from = 0; from < ocrs.length; from += 1_000) {
    entries.push({ reference: `DEP-${from / 1_000 + 1}`, bookingDate: '2026-12-03', payments: Array.from({ length: Math.min(1_000, ocrs.length - from) }, (_, k) => paymentOf(from + k, ocrs)) });
  }
  for (const chunk of camt054Chunks({ version: '08', messageId: `BENCH-${N}`, createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', entries, summary: {} })) {
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return fs.statSync(file).size;
}

export interface PaymentsBenchResult {
  payments: number;
  fileMb: number;
  seconds: number;
  paymentsPerSecond: number;
  peakRssMb: number;
  /** How the peak was measured. */
  peakHow: string;
  /** The process's RSS when the import started (the peak includes it). */
  startRssMb: number;
  matched: number;
  unmatched: number;
}

/** Seeds the invoices and writes the bank file; returns its size. What it used is let go before the import is measured. */
async function prepare(db: Db, n: number, file: string): Promise<number> {
  progress(`seeding ${n} customers and invoices …`);
  return writeFile(file, await seed(db, n));
}

/** Seeds N invoices into `db` (migrated, empty), writes the camt.054, imports it, and measures. */
export async function benchPayments(db: Db, n: number): Promise<PaymentsBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-payments-file-'));
  try {
    const file = path.join(dir, 'camt054.xml');
    const size = await prepare(db, n, file);
    progress(`camt.054 of ${n} payments written (${mb(size)} MB); importing …`);
    collectGarbage(); // the seeding's garbage is not the import's memory
    const meter = peakRssMeter();
    const started = performance.now();
    // As the command does it: the file read into shared memory, then imported.
    const result = await importPaymentFile(db, loadConfig(), file, readBankFile(file));
    const ms = performance.now() - started;
    const peak = meter.stop();
    const stored = (await db('payments').count({ n: '*' }).first())!.n;
    if (Number(stored) !== n || result.payments !== n) throw new Error(`stored ${stored} of ${n} payments`);
    return { payments: n, fileMb: mb(size), seconds: Math.round(ms) / 1000, paymentsPerSecond: Math.round((n / ms) * 1000), peakRssMb: peak.mb, peakHow: peak.how, startRssMb: peak.startMb, matched: result.matched, unmatched: result.unmatched.length };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-payments-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), database: 'month_close' });
  const db = createDb(pg.databaseUrl, { min: 0, max: 4 });
  try {
    await migrate(db);
    const r = await benchPayments(db, N);
    console.log(`payments import, camt.054.001.08 of ${N.toLocaleString('en-US')} payments (${r.fileMb} MB) against ${N.toLocaleString('en-US')} invoices:`);
    console.log(`  ${r.seconds} s: ${r.paymentsPerSecond.toLocaleString('en-US')} payments/s (target ≥ 20,000/s)`);
    console.log(`  matched ${r.matched}, unmatched ${r.unmatched}`);
    console.log(`  peak RSS of the importing process ${r.peakRssMb} MB (${r.peakHow}, ${r.startRssMb} MB when the import started; target ≤ 400 MB; the schema check's worker thread included)`);
  } finally {
    await db.destroy();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
