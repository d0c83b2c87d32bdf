// Page timings of the web console for a period of N customers (default 10,000): the review
// queue (first and a middle page), a draft page, the period page and the customer list.
// Data is written straight into PostgreSQL (drafts awaiting approval for 2024-11, final
// invoices for 2024-10), as a finished close would leave it; pages are rendered in-process
// through fastify.inject with a logged-in finance session.
//   npx tsx bench/console-pages.ts [customers]      (DATABASE_URL: use that server instead of an embedded one)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ARTICLE_INFO } from '../billing/articles';
import { loadConfig } from '../infra/config';
import { freePort } from '../devenv/ports';
import { startEmbeddedPostgres } from '../devenv/postgres';
import { putDocument } from '../store/documents';
import { buildConsole } from '../web/server';
import { addUser } from '../web/users';
import { freshDatabase, machineLine, median, printTable, progress } from './support';

const customers = Number(process.argv[2] ?? 10_000);
const RUNS = 20;

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-bench-console-'));
  const pg = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: await freePort(), database: 'bench' });
  const { db, drop } = await freshDatabase(process.env.DATABASE_URL ?? pg!.databaseUrl, 'bench_console');
  try {
    progress(`seeding ${customers} customers with drafts for 2024-11 and invoices for 2024-10`);
    const pdf = await putDocument(db, { content: fs.readFileSync(path.join(__dirname, '../docs/example-invoice.pdf')), contentType: 'application/pdf', fileName: 'utkast.pdf' });
    const line = (article: keyof typeof ARTICLE_INFO, price: number, qty: string) =>
      `jsonb_build_object('article', '${article}', 'description', '${ARTICLE_INFO[article].description}', 'legacyDescription', '${ARTICLE_INFO[article].legacyDescription}', 'quantity', ${qty}, 'unitPriceOre', ${price}, 'amountOre', ${price} * ${qty}, 'vatPercent', 25, 'proRata', null)`;
    await db.raw(`
      INSERT INTO partners (partner_id, name) VALUES ('P1', 'Bench Partner AB');
      INSERT INTO customers (customer_id, name, org_number, vat_number, billing_email, street, postal_code, city, country, partner_id, monthly_billing_from)
        SELECT 'C' || lpad(i::text, 6, '0'), 'Kund ' || i || ' AB', '556123-4567', 'SE556123456701', 'k' || i || '@example.se', 'Storgatan 1', '411 38', 'Göteborg', 'SE', 'P1', '2024-01-01'
          FROM generate_series(1, ${customers}) i;
      INSERT INTO usage_snapshots (customer_id, period, content_hash, snapshot, event_count, max_seq)
        SELECT customer_id, '2024-11', md5(customer_id), '{}'::jsonb, 0, 0 FROM customers;
      INSERT INTO drafts (customer_id, period, version, snapshot_id, status, rated, buyer, net_ore, vat_ore, rounding_ore, total_ore, pdf_sha256, workflow_run_key)
        SELECT s.customer_id, '2024-11', 1, s.id, 'awaiting_approval',
               jsonb_build_object('lines', jsonb_build_array(${line('smart', 149_500, '1')}, ${line('extra_company', 29_500, '2')}, ${line('portal_user', 19_500, '(2 + s.id % 7)')})),
               '{}'::jsonb, 149500 + 59000 + 19500 * (2 + s.id % 7), 0, 0, (149500 + 59000 + 19500 * (2 + s.id % 7)) * 5 / 4, '${pdf}', 'bench-' || s.id
          FROM usage_snapshots s;
      INSERT INTO close_runs (customer_id, period, workflow_id, state) SELECT customer_id, '2024-11', 'close-2024-11-' || customer_id, 'awaiting_approval' FROM customers;
      INSERT INTO invoices (kind, series, number, customer_id, period, issue_date, due_date, payment_terms_days, ocr, vat_treatment, buyer, seller, vat_breakdown, net_ore, vat_ore, rounding_ore, total_ore, finalised_by, finalised_at)
        SELECT 'invoice', 'F', 10000 + i, 'C' || lpad(i::text, 6, '0'), '2024-10', '2024-11-02', '2024-12-02', 30, (10000 + i)::text || '5', 'domestic', jsonb_build_object('customerId', 'C' || lpad(i::text, 6, '0'), 'partnerId', 'P1'), '{}', '[]',
               149500 + 59000 + 19500 * 3, 0, 0, (149500 + 59000 + 19500 * 3) * 5 / 4, 'Anna Ekonom', now()
          FROM generate_series(1, ${customers}) i;
      INSERT INTO invoice_lines (invoice_id, position, article, description, legacy_description, quantity, unit_price_ore, amount_ore, vat_percent)
        SELECT id, 0, 'smart', '${ARTICLE_INFO.smart.description}', '', 1, 149500, 149500, 25 FROM invoices
        UNION ALL SELECT id, 1, 'extra_company', '${ARTICLE_INFO.extra_company.description}', '', 2, 29500, 59000, 25 FROM invoices
        UNION ALL SELECT id, 2, 'portal_user', '${ARTICLE_INFO.portal_user.description}', '', 3, 19500, 58500, 25 FROM invoices;
      ANALYZE;
    `);
    const config = loadConfig();
    await addUser(db, { email: 'anna@ekonomi.test', role: { kind: 'finance' }, password: 'bench-lösenord-12', displayName: config.financeApprovers[0], financeApprovers: config.financeApprovers });
    // A partner of every customer: its pages scope invoices by the partner named on each.
    await addUser(db, { email: 'pia@partner.test', role: { kind: 'partner', partnerId: 'P1' }, password: 'bench-lösenord-12', financeApprovers: config.financeApprovers });
    const app = await buildConsole({ db, config, client: () => Promise.reject(new Error('no Temporal in this bench')) });

    const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0];
    const logIn = async (email: string) => {
      const form = await app.inject({ method: 'GET', url: '/login' });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1];
      return cookieOf(await app.inject({ method: 'POST', url: '/login', headers: { cookie: cookieOf(form) }, payload: { email, password: 'bench-lösenord-12', _csrf: csrf } }));
    };
    const finance = await logIn('anna@ekonomi.test');
    const partner = await logIn('pia@partner.test');

    const middle = Math.floor(customers / 2 / 100);
    const pages: [string, string, string][] = [
      ['queue, first page (100 of the largest changes)', '/finance/periods/2024-11/queue', finance],
      [`queue, page ${middle}`, `/finance/periods/2024-11/queue?page=${middle}`, finance],
      ['draft page', `/finance/periods/2024-11/drafts/C${String(Math.ceil(customers / 3)).padStart(6, '0')}`, finance],
      ['period page (database only, no Temporal visibility)', '/finance/periods/2024-11', finance],
      ['customer list (first 200)', '/customers', finance],
      ["partner's customer list (first 200)", '/customers', partner],
      ["partner's customer page", `/customers/C${String(Math.ceil(customers / 3)).padStart(6, '0')}`, partner],
    ];
    const rows: (string | number)[][] = [];
    for (const [name, url, cookie] of pages) {
      const times: number[] = [];
      let bytes = 0;
      for (let run = 0; run < RUNS + 3; run++) {
        const started = process.hrtime.bigint();
        const res = await app.inject({ method: 'GET', url, headers: { cookie } });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
        bytes = res.body.length;
        if (run >= 3) times.push(ms); // three warm-up requests
      }
      times.sort((a, b) => a - b);
      rows.push([name, Math.round(median(times) * 10) / 10, Math.round(times[Math.floor(times.length * 0.95) - 1] * 10) / 10, Math.round(bytes / 1024)]);
    }
    console.log(machineLine().text);
    printTable(`Console pages, ${customers.toLocaleString('en-US')} customers awaiting approval (${RUNS} runs each)`, ['page', 'median ms', 'p95 ms', 'KiB'], rows);
    await app.close();
  } finally {
    await drop();
    await pg?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
