// The books at scale (issue #21): `period report` and `books export` for N customers (default
// 10,000) with final invoices, one in ten partly credited. Rows are written straight into
// PostgreSQL as finished closes would leave them; the report and the export run in-process
// through the same functions as the CLI. Targets: report ≤ 2 s, export ≤ 5 s.
//   npx tsx bench/books.ts [customers]      (DATABASE_URL: use that server instead of an embedded one)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ARTICLE_INFO } from '../billing/articles';
import { booksSettings, exportBooks, rewriteBatch } from '../books/export';
import { periodReport } from '../books/period-report';
import { loadConfig } from '../infra/config';
import type { Db } from '../infra/db';
import { freePort } from '../devenv/ports';
import { startEmbeddedPostgres } from '../devenv/postgres';
import { freshDatabase, printTable, progress, round, timed } from './support';

export interface BooksBenchResult {
  customers: number;
  creditNotes: number;
  reportSeconds: number;
  exportSeconds: number;
  exportVouchers: number;
  exportMb: number;
  rewriteSeconds: number;
}

const PERIOD = '2024-11';

/** Customers with a final invoice each (3 lines, 25 % moms) and every tenth a credit note of one portal user. */
async function seedBooks(db: Db, customers: number): Promise<void> {
  const line = (article: keyof typeof ARTICLE_INFO) => `'${ARTICLE_INFO[article].description}', '${ARTICLE_INFO[article].legacyDescription}'`;
  await db.raw(`
    INSERT INTO partners (partner_id, name) VALUES ('P1', 'Bench Partner AB');
    INSERT INTO customers (customer_id, name, org_number, vat_number, billing_email, street, postal_code, city, country, partner_id, monthly_billing_from)
      SELECT 'C' || lpad(i::text, 6, '0'), 'Kund ' || i || ' Åkerö AB', '556123-4567', 'SE556123456701', 'k' || i || '@example.se', 'Storgatan 1', '411 38', 'Göteborg', 'SE', 'P1', '2024-01-01'
        FROM generate_series(1, ${customers}) i;
    INSERT INTO invoices (kind, series, number, customer_id, period, issue_date, due_date, payment_terms_days, ocr, vat_treatment, buyer, seller, vat_breakdown, net_ore, vat_ore, rounding_ore, total_ore, finalised_by, finalised_at)
      SELECT 'invoice', 'F', 10000 + i, 'C' || lpad(i::text, 6, '0'), '${PERIOD}', '2024-12-02', '2025-01-01', 30, (10000 + i)::text || '5', 'domestic',
             jsonb_build_object('name', 'Kund ' || i || ' Åkerö AB'), '{}',
             '[{"vatPercent":25,"vatCategory":"S","baseOre":267000,"vatOre":66750}]', 267000, 66750, 50, 333800, 'Anna Ekonom', now()
        FROM generate_series(1, ${customers}) i;
    INSERT INTO invoice_lines (invoice_id, position, article, description, legacy_description, quantity, unit_price_ore, amount_ore, vat_percent)
      SELECT id, 0, 'smart', ${line('smart')}, 1, 149500, 149500, 25 FROM invoices
      UNION ALL SELECT id, 1, 'extra_company', ${line('extra_company')}, 2, 29500, 59000, 25 FROM invoices
      UNION ALL SELECT id, 2, 'portal_user', ${line('portal_user')}, 3, 19500, 58500, 25 FROM invoices;
    INSERT INTO invoices (kind, series, number, customer_id, period, credit_of, issue_date, due_date, payment_terms_days, ocr, vat_treatment, buyer, seller, vat_breakdown, net_ore, vat_ore, rounding_ore, total_ore, finalised_by, finalised_at)
      SELECT 'credit_note', 'K', row_number() OVER (ORDER BY id), customer_id, period, id, '2024-12-10', '2025-01-09', 30, '0' || id::text || '7', 'domestic', buyer, '{}',
             '[{"vatPercent":25,"vatCategory":"S","baseOre":-19500,"vatOre":-4875}]', -19500, -4875, -25, -24400, 'Anna Ekonom', now()
        FROM invoices WHERE kind = 'invoice' AND number % 10 = 0;
    INSERT INTO invoice_lines (invoice_id, position, article, description, legacy_description, quantity, unit_price_ore, amount_ore, vat_percent)
      SELECT id, 0, 'portal_user', ${line('portal_user')}, -1, 19500, -19500, 25 FROM invoices WHERE kind = 'credit_note';
    INSERT INTO close_runs (customer_id, period, workflow_id, state, invoice_id)
      SELECT customer_id, period, 'close-${PERIOD}-' || customer_id, 'final', id FROM invoices WHERE kind = 'invoice';
    ANALYZE;
  `);
}

export async function benchBooks(serverUrl: string, customers: number, tmpDir: string): Promise<BooksBenchResult> {
  const { db, drop } = await freshDatabase(serverUrl, 'bench_books');
  try {
    progress(`7. The books: seeding ${customers.toLocaleString('en-US')} customers with invoices and credit notes …`);
    await seedBooks(db, customers);
    const creditNotes = Number((await db('invoices').where({ kind: 'credit_note' }).count<{ count: string }[]>('* as count'))[0].count);
    const report = await timed(() => periodReport(db, PERIOD));
    if (!report.value.complete || report.value.customers.length !== customers) throw new Error(`the report is not as seeded: ${JSON.stringify(report.value.counts)}`);
    const settings = booksSettings(loadConfig());
    const exported = await timed(() => exportBooks(db, settings, { today: '2024-12-31', by: 'bench' }));
    const file = path.join(tmpDir, 'bench-books.si');
    fs.writeFileSync(file, exported.value.content!);
    const rewritten = await timed(() => rewriteBatch(db, exported.value.batch!));
    if (!rewritten.value.content!.equals(exported.value.content!)) throw new Error('the batch was not written again byte-identically');
    const r: BooksBenchResult = {
      customers,
      creditNotes,
      reportSeconds: round(report.ms / 1000, 2),
      exportSeconds: round(exported.ms / 1000, 2),
      exportVouchers: exported.value.vouchers,
      exportMb: round(exported.value.content!.length / 1e6, 1),
      rewriteSeconds: round(rewritten.ms / 1000, 2),
    };
    printTable(`7. The books: ${customers.toLocaleString('en-US')} customers, ${creditNotes.toLocaleString('en-US')} credit notes`, ['measure', 'seconds', 'target'], [
      ['period report (every customer in a bucket, totals)', r.reportSeconds, '≤ 2'],
      [`books export (${r.exportVouchers.toLocaleString('en-US')} vouchers, ${r.exportMb} MB SIE)`, r.exportSeconds, '≤ 5'],
      ['the batch written again (--batch)', r.rewriteSeconds, null],
    ]);
    return r;
  } finally {
    await drop();
  }
}

if (require.main === module) {
  const customers = Number(process.argv[2] ?? 10_000);
  void (async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-bench-books-'));
    fs.chmodSync(dataDir, 0o755);
    const pg = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: await freePort(), database: 'bench' });
    try {
      await benchBooks(process.env.DATABASE_URL ?? pg!.databaseUrl, customers, dataDir);
    } finally {
      await pg?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  })().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
