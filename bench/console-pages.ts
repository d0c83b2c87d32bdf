// Page timings of the web console for a period of N customers (default 10,000): the review
// queue (first and a middle page, filtered by flag, partner and search), draft pages, the period
// page, the customer list and search, the invoice search and the decision log; every draft has a
// stored review (one in ten flagged), and every customer a portal history (module, companies,
// users) for the month so far a partner's overview rates.
// Data is written straight into PostgreSQL (drafts awaiting approval for 2024-11, final
// invoices for 2024-10), as a finished close would leave it; pages are rendered in-process
// through fastify.inject with a logged-in finance session.
//   npx tsx bench/console-pages.ts [customers]      (DATABASE_URL: use that server instead of an embedded one)
// With --receivables N it seeds only N issued invoices (a partner business's year: N/10 customers
// with ten monthly invoices each, half paid, a fifth partly, some credited or overpaid) and times
// finance's Kundfordringar alone:
//   npx tsx bench/console-pages.ts --receivables 100000
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ARTICLE_INFO } from '../billing/articles';
import { loadConfig } from '../infra/config';
import { freePort } from '../devenv/ports';
import { startEmbeddedPostgres } from '../devenv/postgres';
import { putDocument } from '../store/documents';
import type { Db } from '../infra/db';
import { buildConsole } from '../web/server';
import { addUser } from '../web/users';
import { freshDatabase, machineLine, median, printTable, progress } from './support';

const receivablesArg = process.argv.indexOf('--receivables');
const receivablesOnly = receivablesArg >= 0 ? Number(process.argv[receivablesArg + 1] ?? 100_000) : null;
const customers = Number(receivablesArg >= 0 ? 0 : (process.argv[2] ?? 10_000));
/** The price list in force (öre), so the month so far rates to an invoice. */
const BENCH_PRICES: Record<keyof typeof ARTICLE_INFO, number> = { smart: 149_500, komplett: 299_500, extra_company: 29_500, superuser: 39_500, portal_user: 19_500, archive_user: 9_500 };
const RUNS = 20;

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-bench-console-'));
  const pg = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: await freePort(), database: 'bench' });
  const { db, drop } = await freshDatabase(process.env.DATABASE_URL ?? pg!.databaseUrl, 'bench_console');
  try {
    if (receivablesOnly !== null) await receivablesBench(db, receivablesOnly);
    else await allPages(db);
  } finally {
    await drop();
    await pg?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function allPages(db: Db): Promise<void> {
  {
    progress(`seeding ${customers} customers with drafts for 2024-11 and invoices for 2024-10`);
    const pdf = await putDocument(db, { content: fs.readFileSync(path.join(__dirname, '../docs/example-invoice.pdf')), contentType: 'application/pdf', fileName: 'utkast.pdf' });
    const line = (article: keyof typeof ARTICLE_INFO, price: number, qty: string) =>
      `jsonb_build_object('article', '${article}', 'description', '${ARTICLE_INFO[article].description}', 'legacyDescription', '${ARTICLE_INFO[article].legacyDescription}', 'quantity', ${qty}, 'unitPriceOre', ${price}, 'amountOre', ${price} * ${qty}, 'vatPercent', 25, 'proRata', null)`;
    await db.raw(`
      INSERT INTO partners (partner_id, name) VALUES ('P1', 'Bench Partner AB');
      INSERT INTO price_items (article, description, legacy_description, unit_price_ore, vat_percent, included_quantity, valid_from) VALUES
        ${(Object.keys(ARTICLE_INFO) as (keyof typeof ARTICLE_INFO)[]).map((a) => `('${a}', '${ARTICLE_INFO[a].description}', '${ARTICLE_INFO[a].legacyDescription}', ${BENCH_PRICES[a]}, 25, ${a === 'extra_company' ? 1 : 0}, '2024-01-01')`).join(',\n        ')};
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
      -- The portal history behind the month so far (a partner's overview folds and rates it):
      -- the module, two extra companies and 2-8 portal users per customer.
      INSERT INTO usage_events (event_id, customer_id, occurred_at, subject_type, subject_id, action, role)
        SELECT c.customer_id || '-' || e.kind || '-' || e.n, c.customer_id, timestamptz '2024-01-01 00:00+01' + (e.n || ' days')::interval, e.kind, e.kind || e.n, 'activated',
               CASE WHEN e.kind = 'user' THEN 'portal_user' END
          FROM customers c
          CROSS JOIN LATERAL (
            SELECT 'module' AS kind, 1 AS n, 'smart' AS id
            UNION ALL SELECT 'company', g, NULL FROM generate_series(1, 2) g
            UNION ALL SELECT 'user', g, NULL FROM generate_series(1, 2 + substr(c.customer_id, 2)::int % 7) g
          ) e;
      UPDATE usage_events SET subject_id = 'smart' WHERE subject_type = 'module';
      INSERT INTO close_runs (customer_id, period, workflow_id, state) SELECT customer_id, '2024-11', 'close-2024-11-' || customer_id, 'awaiting_approval' FROM customers;
      INSERT INTO invoices (kind, series, number, customer_id, period, issue_date, due_date, payment_terms_days, ocr, vat_treatment, buyer, seller, vat_breakdown, net_ore, vat_ore, rounding_ore, total_ore, finalised_by, finalised_at)
        SELECT 'invoice', 'F', 10000 + i, 'C' || lpad(i::text, 6, '0'), '2024-10', '2024-11-02', '2024-12-02', 30, (10000 + i)::text || '5', 'domestic', jsonb_build_object('customerId', 'C' || lpad(i::text, 6, '0'), 'partnerId', 'P1'), '{}', '[]',
               149500 + 59000 + 19500 * 3, 0, 0, (149500 + 59000 + 19500 * 3) * 5 / 4, 'Anna Ekonom', now()
          FROM generate_series(1, ${customers}) i;
      INSERT INTO invoice_lines (invoice_id, position, article, description, legacy_description, quantity, unit_price_ore, amount_ore, vat_percent)
        SELECT id, 0, 'smart', '${ARTICLE_INFO.smart.description}', '', 1, 149500, 149500, 25 FROM invoices
        UNION ALL SELECT id, 1, 'extra_company', '${ARTICLE_INFO.extra_company.description}', '', 2, 29500, 59000, 25 FROM invoices
        UNION ALL SELECT id, 2, 'portal_user', '${ARTICLE_INFO.portal_user.description}', '', 3, 19500, 58500, 25 FROM invoices;
    `);
    // A stored review for every draft, as the close's reviewDraft step leaves it: one in ten
    // flagged (a change above the threshold, every fiftieth four eyes too), the rest unflagged.
    await db.raw(`
      INSERT INTO partners (partner_id, name) VALUES ('P2', 'Bench Partner 2 AB'), ('P3', 'Bench Partner 3 AB'), ('P4', 'Bench Partner 4 AB'), ('P5', 'Bench Partner 5 AB');
      UPDATE customers SET partner_id = 'P' || (1 + substr(customer_id, 2)::int % 5);
      INSERT INTO draft_reviews (draft_id, customer_id, period, previous_invoice_id, total_ore, previous_total_ore, change_ore, change_bp, flags, flag_details, explanation, approvals_needed, waits_because, policy_version, escalate_after_ms)
        SELECT d.id, d.customer_id, d.period, i.id, d.total_ore, i.total_ore, d.total_ore - i.total_ore, ((d.total_ore - i.total_ore) * 10000 / i.total_ore)::int,
               CASE WHEN d.id % 50 = 0 THEN ARRAY['change_above_threshold', 'four_eyes'] WHEN d.id % 10 = 0 THEN ARRAY['change_above_threshold'] ELSE ARRAY[]::text[] END,
               CASE WHEN d.id % 10 = 0 THEN jsonb_build_array(jsonb_build_object('code', 'change_above_threshold', 'detail', '+77.1 % (+1 000,00 kr) vs F' || i.number)) ELSE '[]'::jsonb END,
               jsonb_build_object('customer_id', d.customer_id, 'period', d.period, 'previous', jsonb_build_object('number', 'F' || i.number, 'period', '2024-10', 'total_ore', i.total_ore),
                 'total_ore', d.total_ore, 'change_ore', d.total_ore - i.total_ore, 'change_bp', 0, 'lines', '[]'::jsonb,
                 'facts', (SELECT jsonb_agg(jsonb_build_object('kind', 'user_added', 'subject_type', 'user', 'subject_id', 'u' || g, 'detail', 'user added as portal_user')) FROM generate_series(1, 1 + d.id % 7) g)),
               CASE WHEN d.id % 50 = 0 THEN 2 ELSE 1 END,
               CASE WHEN d.id % 10 = 0 THEN 'flagged: change_above_threshold' ELSE '+9.8 % (+494,00 kr) vs F' || i.number || ' is outside ±5 % and ±2 000,00 kr' END,
               'bench', 86400000
          FROM drafts d JOIN invoices i ON i.customer_id = d.customer_id AND i.period = '2024-10';
      ANALYZE;
    `);
    // Payments (issue #22) for the receivables page: half the invoices paid in full, one in five
    // partly, the rest open; 200 payments with an unknown OCR left unmatched.
    await db.raw(`
      INSERT INTO payment_imports (file_name, file_sha256, format, message_id, payments, matched, unmatched, duplicates, ignored)
        VALUES ('bench.xml', md5('bench'), 'camt.054.001.08', 'BENCH', 0, 0, 0, 0, '[]');
      INSERT INTO payments (import_id, reference, amount_ore, booking_date, payer, ocr, invoice_id, customer_id)
        SELECT (SELECT max(id) FROM payment_imports), 'BENCH-' || id, CASE WHEN number % 10 < 5 THEN total_ore ELSE total_ore / 2 END, '2024-12-01', 'Betalare AB', ocr, id, customer_id
          FROM invoices WHERE number % 10 < 7;
      INSERT INTO payments (import_id, reference, amount_ore, booking_date, payer, ocr, unmatched_code, unmatched_facts)
        SELECT (SELECT max(id) FROM payment_imports), 'BENCH-U' || g, 10000 + g, '2024-12-01', 'Okänd AB', '99999' || g, 'unknown_ocr', jsonb_build_object('ocr', '99999' || g) FROM generate_series(1, 200) g;
      ANALYZE;
    `);
    const { app, logIn } = await consoleWithUsers(db);
    const finance = await logIn('anna@ekonomi.test');
    const partner = await logIn('pia@partner.test');

    const middle = Math.floor(customers / 2 / 100);
    const pages: [string, string, string][] = [
      ['queue, first page (100 of the largest changes)', '/finance/periods/2024-11/queue', finance],
      [`queue, page ${middle}`, `/finance/periods/2024-11/queue?page=${middle}`, finance],
      ['queue, flagged only', '/finance/periods/2024-11/queue?flag=any', finance],
      ['queue, unflagged of one partner, select all', '/finance/periods/2024-11/queue?flag=none&partner=P3&select=all', finance],
      ['queue, search by name', '/finance/periods/2024-11/queue?q=Kund%2012', finance],
      ['draft page', `/finance/periods/2024-11/drafts/C${String(Math.ceil(customers / 3)).padStart(6, '0')}`, finance],
      ['draft page, flagged four eyes', `/finance/periods/2024-11/drafts/C${String(Math.max(50, Math.floor(customers / 100) * 50)).padStart(6, '0')}`, finance],
      ['period page (database only, no Temporal visibility)', '/finance/periods/2024-11', finance],
      ['customer list (first 200)', '/customers', finance],
      ['customer search', '/customers?q=Kund%20777', finance],
      ['invoice search by number', '/finance/periods/2024-11/invoices?q=F10042', finance],
      ['decision log', '/finance/periods/2024-11/audit', finance],
      ['receivables, first page (oldest debts, buckets, unmatched)', '/finance/receivables', finance],
      [`receivables, page ${Math.max(0, Math.floor(customers * 0.5 / 100) - 1)}`, `/finance/receivables?page=${Math.max(0, Math.floor(customers * 0.5 / 100) - 1)}`, finance],
      ['receivables, overdue, search by customer name', '/finance/receivables?forfallna=1&q=Kund%20777', finance],
      ["partner's customer list (first 200)", '/customers', partner],
      ["partner's customer page", `/customers/C${String(Math.ceil(customers / 3)).padStart(6, '0')}`, partner],
    ];
    const rows = await timePages(app, pages, (url, cookie, body) => {
      // The overview must have rated the month so far, not fallen back to "nothing to bill".
      if (cookie === partner && url === '/customers' && body.includes('Inget att fakturera')) throw new Error('the partner overview rated nothing');
    });
    console.log(machineLine().text);
    printTable(`Console pages, ${customers.toLocaleString('en-US')} drafts awaiting approval with stored reviews (${RUNS} runs each)`, ['page', 'median ms', 'p95 ms', 'KiB'], rows);
    reportSlow(rows);
    await app.close();
  }
}

/** The console on `db` with a finance user and a partner (of P1) able to log in. */
async function consoleWithUsers(db: Db) {
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
  return { app, logIn };
}

/** Median and p95 of RUNS requests per page (after three warm-ups), and the page's size. */
async function timePages(app: Awaited<ReturnType<typeof buildConsole>>, pages: [string, string, string][], check: (url: string, cookie: string, body: string) => void = () => undefined): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const [name, url, cookie] of pages) {
    const times: number[] = [];
    let bytes = 0;
    for (let run = 0; run < RUNS + 3; run++) {
      const started = process.hrtime.bigint();
      const res = await app.inject({ method: 'GET', url, headers: { cookie } });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
      check(url, cookie, res.body);
      bytes = res.body.length;
      if (run >= 3) times.push(ms); // three warm-up requests
    }
    times.sort((a, b) => a - b);
    rows.push([name, Math.round(median(times) * 10) / 10, Math.round(times[Math.floor(times.length * 0.95) - 1] * 10) / 10, Math.round(bytes / 1024)]);
  }
  return rows;
}

function reportSlow(rows: (string | number)[][]): void {
  const slow = rows.filter((r) => Number(r[2]) >= 200);
  if (slow.length) console.log(`p95 at or above 200 ms: ${slow.map((r) => r[0]).join('; ')}`);
}

/**
 * Kundfordringar over `n` issued invoices: n/10 customers (five partners) invoiced monthly for
 * the last ten months (issued on the month's first three days, due 30 days later, so the open
 * ones fill every ageing bucket and each due date holds thousands);
 * half paid in full, a fifth partly, one in fifty credited in part, one in a hundred overpaid,
 * the rest open; 200 unmatched payments. Bulk SQL, as a year of closes and imports leaves it.
 */
async function receivablesBench(db: Db, n: number): Promise<void> {
  const started = Date.now();
  const owners = Math.max(1, Math.ceil(n / 10));
  progress(`seeding ${n} issued invoices of ${owners} customers with payments and credit notes`);
  await db.raw(`
    INSERT INTO partners (partner_id, name) SELECT 'P' || p, 'Bench Partner ' || p || ' AB' FROM generate_series(1, 5) p;
    INSERT INTO customers (customer_id, name, org_number, vat_number, billing_email, street, postal_code, city, country, partner_id, monthly_billing_from)
      SELECT 'C' || lpad(i::text, 6, '0'), 'Kund ' || i || ' AB', '556123-4567', 'SE556123456701', 'k' || i || '@example.se', 'Storgatan 1', '411 38', 'Göteborg', 'SE', 'P' || (1 + i % 5), '2024-01-01'
        FROM generate_series(1, ${owners}) i;
    INSERT INTO invoices (kind, series, number, customer_id, period, issue_date, due_date, payment_terms_days, ocr, vat_treatment, buyer, seller, vat_breakdown, net_ore, vat_ore, rounding_ore, total_ore, finalised_by, finalised_at)
      SELECT 'invoice', 'F', 100000 + i, 'C' || lpad((1 + i % ${owners})::text, 6, '0'), to_char(issued - interval '1 month', 'YYYY-MM'),
             issued, issued + 30, 30, (100000 + i)::text || '5', 'domestic',
             jsonb_build_object('customerId', 'C' || lpad((1 + i % ${owners})::text, 6, '0'), 'partnerId', 'P' || (1 + (1 + i % ${owners}) % 5)), '{}', '[]',
             100000 + 19500 * (i % 7), 0, 0, (100000 + 19500 * (i % 7)) * 5 / 4, 'Anna Ekonom', now()
        FROM generate_series(0, ${n - 1}) i
       CROSS JOIN LATERAL (SELECT (date_trunc('month', current_date) - ((9 - i / ${owners}) || ' months')::interval)::date + i % 3 AS issued) d;
    INSERT INTO invoices (kind, series, number, customer_id, period, credit_of, issue_date, due_date, payment_terms_days, ocr, vat_treatment, buyer, seller, vat_breakdown, net_ore, vat_ore, rounding_ore, total_ore, finalised_by, finalised_at)
      SELECT 'credit_note', 'K', number, customer_id, period, id, issue_date, due_date, 30, '0' || number || '5', 'domestic', buyer, '{}', '[]', -20000, -5000, 0, -25000, 'Anna Ekonom', now()
        FROM invoices WHERE kind = 'invoice' AND number % 50 = 7;
    INSERT INTO payment_imports (file_name, file_sha256, format, message_id, payments, matched, unmatched, duplicates, ignored)
      VALUES ('bench.xml', md5('bench'), 'camt.054.001.08', 'BENCH', 0, 0, 0, 0, '[]');
    INSERT INTO payments (import_id, reference, amount_ore, booking_date, payer, ocr, invoice_id, customer_id)
      SELECT (SELECT max(id) FROM payment_imports), 'BENCH-' || id,
             CASE WHEN number % 100 = 3 THEN total_ore + 10000 WHEN number % 10 < 5 THEN total_ore ELSE total_ore / 2 END,
             least(due_date, current_date), 'Betalare AB', ocr, id, customer_id
        FROM invoices WHERE kind = 'invoice' AND number % 10 < 7;
    INSERT INTO payments (import_id, reference, amount_ore, booking_date, payer, ocr, unmatched_code, unmatched_facts)
      SELECT (SELECT max(id) FROM payment_imports), 'BENCH-U' || g, 10000 + g, current_date, 'Okänd AB', '99999' || g, 'unknown_ocr', jsonb_build_object('ocr', '99999' || g) FROM generate_series(1, 200) g;
    ANALYZE;
  `);
  const open = Number((await db.raw('SELECT count(*) AS n FROM invoice_balances WHERE paid_ore < total_ore + credited_ore')).rows[0].n);
  progress(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${open} open invoices`);
  const { app, logIn } = await consoleWithUsers(db);
  const finance = await logIn('anna@ekonomi.test');
  const middle = Math.floor(open / 100 / 2);
  const rows = await timePages(app, [
    ['first page (oldest debts, buckets, 1510, credit balances, unmatched)', '/finance/receivables', finance],
    [`a page in the middle (page ${middle} of ${Math.ceil(open / 100)})`, `/finance/receivables?page=${middle}`, finance],
    ['overdue, search by customer name', '/finance/receivables?forfallna=1&q=Kund%20777', finance],
    ['overdue, search by invoice number', '/finance/receivables?forfallna=1&q=F10042', finance],
    ['one customer', `/finance/receivables?kund=C${String(Math.ceil(owners / 3)).padStart(6, '0')}`, finance],
  ], (url, _cookie, body) => {
    if (!body.includes('id="total-1510"')) throw new Error(`${url} shows no 1510 total`);
  });
  console.log(machineLine().text);
  printTable(`Kundfordringar, ${n.toLocaleString('en-US')} issued invoices, ${open.toLocaleString('en-US')} open (${RUNS} runs each)`, ['page', 'median ms', 'p95 ms', 'KiB'], rows);
  reportSlow(rows);
  await app.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
