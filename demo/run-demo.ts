import fs from 'node:fs';
import path from 'node:path';
import { formatSek, periodContaining, previousPeriod } from '../billing';
import { ARTICLE_INFO } from '../billing/articles';
import { ARTICLES, type Article } from '../billing/types';
import { closeSettings, startMonthlyClose } from '../client/close';
import { countByState, periodStatus, type PeriodStatus } from '../client/status';
import { closeRunsOf } from '../store/close-runs';
import { formatReport, importUsage } from '../imports';
import type { Db } from '../infra/db';
import { DATA_DIR, OUT_DIR } from '../infra/paths';
import { startSandbox, type Sandbox } from '../devenv/sandbox';
import type { DeliveryResender } from '../store/notification-deliveries';
import { isStopping, stopSignalEndsNormally } from '../infra/shutdown';
import { progressQuery } from '../contracts/close-messages';
import { withRemedy } from '../contracts/failures';
import { getDocument } from '../store/documents';
import { periodArticleTotals, periodTotals } from '../store/ledger';
import { addDemoUsers, serveLocalConsole } from '../web/local-console';
import { writeDemoData } from './demo-data';
import { importDemoData, seedDemoSubscribers } from './demo-tenant';
import { demoCreditNote, writeEInvoices } from './corrections-demo';
import { closeTheBooks, type BooksDemoResult } from './books-demo';
import { demoPayments } from './payments-demo';
import { markOutDir, outDirRefusal, shownOut, shownPath } from './out-dir';
import { correctBillingEmail, mistypeBillingEmail, type Misaddressed } from './delivery-demo';
import { closeMonthBefore, reviewAsFinance, reviewSummaryLines, splitUsageAtPeriod, type ReviewResult } from './demo-review';

export interface DemoOptions {
  customers: number;
  keep: boolean;
  period?: string;
  say: (line: string) => void;
  /** "Skicka om" for the kept console, given the catcher's SMTP: wired by the CLI as `serve` and `dev` wire it (demo/ drives the product, it does not reach the worker's senders). */
  deliveryResender?: (db: Db, smtp: Sandbox['smtp']) => DeliveryResender;
}

export interface DemoResult {
  period: string;
  status: PeriodStatus;
  pdfs: number;
  totalsByArticle: Record<Article, { quantity: number; amountOre: number }>;
  invoicedTotalOre: number;
  review: ReviewResult;
  books: BooksDemoResult;
  /** The failed deliveries of the customer whose e-mail bounced, left for an operator to send again. */
  bouncedDeliveries: number[];
}

const FINANCE_APPROVER = 'Anna Ekonom';

/**
 * The main job on embedded services, from nothing: migrate, import a realistic demo tenant
 * set through the real CSV imports, close the previous month, approve as finance, write the
 * PDFs under out/ (MONTH_CLOSE_OUT_DIR) and summarise. Every run starts clean (its own state
 * under .data/demo).
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const say = opts.say;
  const refusal = outDirRefusal();
  if (refusal) throw new Error(refusal);
  const dataDir = path.join(DATA_DIR, 'demo');
  const cleaned = fs.existsSync(dataDir) || fs.existsSync(OUT_DIR);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  markOutDir();
  say(cleaned ? `Starting clean: removed the previous demo state (${shownPath(dataDir)}) and ${shownOut()}.` : 'First run: nothing to clean.');

  const period = opts.period ?? previousPeriod(periodContaining(Date.now())).id;
  say('Starting PostgreSQL and the Temporal dev server …');
  // Ctrl-C at any point stops what has started in reverse order (devenv/sandbox.ts, infra/shutdown.ts).
  const sandbox = await startSandbox({
    dataDir,
    withUi: true,
    dbPool: { min: 0, max: 30 },
    catchers: { mailDir: path.join(OUT_DIR, 'mail'), webhookDir: path.join(OUT_DIR, 'webhooks') },
  });
  const { db, config, endpoints } = sandbox;
  const mail = sandbox.mail!;
  const hooks = sandbox.webhooks!;
  try {
    const client = await sandbox.client();
    say(`Generating ${opts.customers} customers with portal history up to ${period} …`);
    const files = await writeDemoData(path.join(OUT_DIR, 'input'), { customers: opts.customers, period });
    const usage = splitUsageAtPeriod(files.usageCsv, period);
    const label = (what: string) => (what === 'usage' ? 'usage (arrived before the previous close)' : what);
    await importDemoData(db, files, (what, lines) => say(`Import ${label(what)}: ${lines.slice(0, 4).join('\n  ')}`), usage.before);
    await seedDemoSubscribers(db, { webhookUrl: hooks.url, financeEmail: config.seller.email });

    say('Starting the worker (bundling the workflows) …');
    await sandbox.startWorker({ maxConcurrentActivityTaskExecutions: 40 });

    const settings = closeSettings(config);
    const monthBefore = previousPeriod(period).id;
    say(`Closing ${monthBefore} first, so that ${period} has previous final invoices to compare with …`);
    await closeMonthBefore(db, client, settings, monthBefore, FINANCE_APPROVER, say);
    say(`Import usage (arrived after that close): ${formatReport(await importUsage(db, usage.after)).split('\n').slice(0, 4).join('\n  ')}`);
    const inputDir = path.dirname(files.customersCsv);
    const misaddressed = await mistypeBillingEmail(db, { customersCsv: files.customersCsv, invoicedIn: monthBefore, nothingToBill: files.expected.nothingToBill, dir: inputDir });
    if (misaddressed) say(`Import customers: ${misaddressed.customerId}'s billing e-mail mistyped as ${misaddressed.wrong} (its invoice e-mail will bounce) …`);

    const { handle, outcome } = await startMonthlyClose(client, settings, period);
    say(`Monthly close ${handle.workflowId}: ${outcome}`);
    const started = Date.now();
    const ticker = setInterval(async () => {
      const p = await handle.query(progressQuery).catch(() => null);
      if (p) say(`  … ${p.started} started, ${p.atRest} at rest, ${p.inFlight} working (${Math.round((Date.now() - started) / 1000)} s)`);
    }, 3000);
    await handle.result().finally(() => clearInterval(ticker));
    say(`Every customer is at rest after ${((Date.now() - started) / 1000).toFixed(1)} s.`);

    say(`Finance (${FINANCE_APPROVER}) reviews the drafts the policy left …`);
    const review = await reviewAsFinance(db, client, period, FINANCE_APPROVER, config.approvalPolicy.version, say);
    await demoCreditNote(db, client, settings, period, FINANCE_APPROVER, say);
    const bounced = misaddressed ? await correctBillingEmail(db, misaddressed, { period, dir: inputDir }) : [];
    if (misaddressed) say(`Import customers: ${misaddressed.customerId}'s billing e-mail corrected to ${misaddressed.right}; its bounced deliveries (${bounced.join(', ') || 'none'}) wait for an operator to send them again.`);
    // What failed is kept for the summary before finance corrects it.
    const failedInClose = (await periodStatus(await closeRunsOf(db, period), client, period)).customers.filter((c) => c.state === 'failed');
    // The bank pays before the books are closed, so the export carries the payments (series C).
    await demoPayments(db, client, config, period, OUT_DIR, say);
    const books = await closeTheBooks(db, client, settings, config, { period, customersCsv: files.customersCsv, outDir: OUT_DIR, by: FINANCE_APPROVER }, say);
    say(`E-invoices: ${await writeEInvoices(db, period, path.join(OUT_DIR, 'einvoices'))} Peppol BIS 3.0 XML files in ${shownOut('einvoices')}`);

    const pdfs = await writePdfs(db, period, path.join(OUT_DIR, 'invoices'));
    const status = await periodStatus(await closeRunsOf(db, period), client, period);
    const totals = await totalsByArticle(db, period);
    // The ledger's total (store/ledger.ts): invoices net of their credit notes, as the console shows it.
    const invoicedTotalOre = (await periodTotals(db, period)).total_ore;
    say(summary(period, status, totals, Number(invoicedTotalOre), pdfs, mail.count(), hooks.count(), endpoints.uiUrl, opts.keep, failedInClose, books, misaddressed, bounced));
    say(reviewSummaryLines(review).join('\n') + '\n');

    if (opts.keep) {
      // "Skicka om" as `serve` and `dev` wire it: the catcher's SMTP server, the real senders.
      const served = await serveLocalConsole({ db, endpoints, config, resendDeliveries: opts.deliveryResender?.(db, sandbox.smtp) ?? null });
      sandbox.onStop('console', served.close);
      say(`Console    ${served.url}`);
      for (const u of await addDemoUsers(db, config)) say(`  log in as ${u.email} (${u.role}), password ${u.password}`);
      // Until Ctrl-C: the stop handler runs this step first (the result is printed), then
      // stops everything above and exits 0.
      stopSignalEndsNormally();
      await new Promise<void>((resolve) => sandbox.onStop('demo --keep', resolve));
    }
    return { period, status, pdfs, totalsByArticle: totals, invoicedTotalOre: Number(invoicedTotalOre), review, books, bouncedDeliveries: bounced };
  } finally {
    if (!isStopping()) await sandbox.stop();
  }
}

async function writePdfs(db: Db, period: string, dir: string): Promise<number> {
  fs.mkdirSync(dir, { recursive: true });
  const rows = await db('invoices as i').join('invoice_documents as d', 'd.invoice_id', 'i.id').where('i.period', period).select('i.series', 'i.number', 'i.customer_id', 'd.pdf_sha256');
  for (const r of rows) {
    const doc = await getDocument(db, r.pdf_sha256);
    fs.writeFileSync(path.join(dir, `${r.series}${r.number}-${r.customer_id}.pdf`), doc!.content);
  }
  return rows.length;
}

async function totalsByArticle(db: Db, period: string): Promise<Record<Article, { quantity: number; amountOre: number }>> {
  const byArticle = await periodArticleTotals(db, period);
  return Object.fromEntries(ARTICLES.map((a) => [a, byArticle.get(a) ?? { quantity: 0, amountOre: 0 }])) as Record<Article, { quantity: number; amountOre: number }>;
}

function summary(
  period: string,
  status: PeriodStatus,
  totals: Record<Article, { quantity: number; amountOre: number }>,
  invoicedTotalOre: number,
  pdfs: number,
  mails: number,
  hooks: number,
  uiUrl: string | null,
  keep: boolean,
  failedInClose: PeriodStatus['customers'],
  books: BooksDemoResult,
  misaddressed: Misaddressed | null,
  bounced: number[],
): string {
  const counts = countByState(status);
  const articleRows = ARTICLES.map((a) => `  ${ARTICLE_INFO[a].description.padEnd(38)} ${String(totals[a].quantity).padStart(6)}  ${formatSek(totals[a].amountOre).padStart(16)}`);
  const netTotal = ARTICLES.reduce((s, a) => s + totals[a].amountOre, 0);
  const failed = failedInClose;
  const corrected = new Map(books.corrected.map((c) => [c.customerId, c]));
  const r = books.report;
  return [
    '',
    `Monthly close ${period}: summary`,
    '',
    'Per article (final invoices net of credit notes, excl. moms):',
    ...articleRows,
    `  ${'Summa exkl. moms'.padEnd(38)} ${''.padStart(6)}  ${formatSek(netTotal).padStart(16)}`,
    `  ${'Att betala inkl. moms, netto'.padEnd(38)} ${''.padStart(6)}  ${formatSek(invoicedTotalOre).padStart(16)}`,
    '',
    'Per state:',
    ...Object.entries(counts).map(([s, n]) => `  ${s.padEnd(18)} ${n}`),
    '',
    failed.length ? 'Failed in the close (each with its next step):' : 'Failed: none',
    ...failed.map((f) => `  ${f.customer_id}: ${withRemedy(f.reason ?? 'no reason recorded', f.next_step)}`),
    ...failed.filter((f) => corrected.has(f.customer_id)).map((f) => `  ${f.customer_id}: corrected by finance and re-run: invoice ${corrected.get(f.customer_id)!.invoiceNumber ?? 'none'}`),
    '',
    bounced.length ? `Bounced e-mail (550, ${misaddressed!.wrong}), address since corrected to ${misaddressed!.right}:` : 'Bounced e-mail: none',
    ...bounced.map((id) =>
      keep
        ? `  delivery ${id}: the operator's period page in the console, "Skicka om" (or: month-close deliveries resend ${id} --by NAME)`
        : `  delivery ${id}: month-close deliveries resend ${id} --by NAME (or "Skicka om" in the console of demo --keep)`,
    ),
    '',
    `The books (${period}):`,
    `  Period report  ${r.complete ? 'complete' : 'NOT complete'}: ${Object.entries(r.counts).map(([b, n]) => `${b} ${n}`).join(', ')}`,
    `  Net of credits ${formatSek(r.totals.total_ore)} incl. moms (invoiced ${formatSek(r.totals.invoiced_ore)}, credited ${formatSek(r.totals.credited_ore)})`,
    `  Locked         ${r.lock ? `by ${r.lock.by} (${r.lock.reason ?? ''})` : 'no: the period is not complete'}`,
    `  SIE 4I         ${books.file ? `${shownPath(books.file)} (batch ${books.batch}, ${books.vouchers} vouchers B${books.firstNumber}–B${books.lastNumber}, both closed months)` : 'not exported'}`,
    '',
    'Where to look next:',
    `  PDFs          ${shownOut('invoices')} (${pdfs} invoices and credit notes)`,
    `  E-mails       ${shownOut('mail')} (${mails} messages, PDFs attached)`,
    `  Webhooks      ${shownOut('webhooks')} (${hooks} signed POSTs)`,
    `  Input CSVs    ${shownOut('input')}`,
    keep ? `  Temporal UI   ${uiUrl} (until Ctrl-C)` : `  Temporal UI   run 'month-close demo --keep' to browse the workflows at the end`,
    '',
  ].join('\n');
}
