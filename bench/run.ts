import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDemoData } from '../demo/demo-data';
import { loadConfig } from '../infra/config';
import { startSandbox, type Sandbox } from '../devenv/sandbox';
import { bundleWorkflows } from '../worker/bundle';
import { WORKER_HEAP_LIMIT_MB } from '../worker/processes';
import { benchImportUsage, type UsageBenchResult } from './import-usage';
import { benchPayments, type PaymentsBenchResult } from './payments';
import { benchPlainClose, benchTemporalClose, type CloseBenchContext, type PlainCloseResult, type TemporalCloseResult } from './close';
import { benchSnapshots, type SnapshotBenchResult } from './snapshot';
import { devServerEnv, devServerSettingArgs } from '../devenv/temporal-cli';
import type { Engine } from '../devenv/embedded-services';
import { DEFAULT_HISTORY_SHARDS, DYNAMIC_CONFIG_FILE, TEMPORAL_SERVER_VERSION } from '../devenv/temporal-server';
import { benchOnTheirOwn, type OnTheirOwnResult } from './on-their-own';
import { benchBooks, type BooksBenchResult } from './books';
import { findServicePids, freshDatabase, machineLine, MemorySampler, printTable, progress, round, timed, type MemoryPeaks } from './support';

// `npm run bench`: figures for the import, the usage snapshot and the close of a period, on
// a PostgreSQL and a Temporal dev server of its own (temp dir, removed at the end).
//
//   npx tsx bench/run.ts [--customers 1000] [--import-rows 1000000] [--skip-close]
//                        [--snapshot-events 100000] [--snapshot-customers 10000]
//                        [--concurrency 100] [--activity-slots 40] [--timeout-min 60]
//                        [--workflow-cache N] [--worker-heap MB]
//                        [--skip-temporal] [--skip-plain] [--period 2025-03]
//                        [--own 200] [--books 10000] [--json FILE] [--engine dev|server] [--shards 16]
//
// --engine server: the close runs on the Temporal server on a PostgreSQL of its own
// (infra/temporal-server.ts) instead of the CLI's dev server; its CPU and that of its
// PostgreSQL are reported apart, and per customer in the JSON.
// --workflow-cache N: the worker's maxCachedWorkflows (0: the worker's default).
// --worker-heap MB: the worker process's --max-old-space-size (default: docs/operations.md's
// production setting, WORKER_HEAP_LIMIT_MB; 0: V8's default).
// --own N: section 6, PDF renders, e-mails and webhooks on their own (0 skips it).
// --books N: section 7, `period report` and `books export` for N customers with credits (0 skips it).
// --json FILE: also write the headline figures as one JSON document (interfaces.md,
// "Benchmark output"); MONTH_CLOSE_DEV_SERVER_SETTINGS=none runs the dev server without the
// settings of devenv/temporal-cli.ts, to compare.
//
// --import-rows 0 skips section 1, --payments 0 section 1b, --snapshot-events 0 section 2, --skip-close sections 3-5.
//
// Progress goes to stderr, the tables and the final `BENCH_RESULT {json}` line to stdout.

interface Options {
  customers: number;
  importRows: number;
  payments: number;
  skipClose: boolean;
  skipTemporal: boolean;
  skipPlain: boolean;
  snapshotEvents: number;
  snapshotCustomers: number;
  snapshotEventsPerCustomer: number;
  snapshotConcurrency: number;
  concurrency: number;
  activitySlots: number;
  workflowCache: number;
  workerHeap: number;
  plainSample: number;
  period: string;
  timeoutMin: number;
  own: number;
  books: number;
  json: string | null;
  engine: Engine;
  shards: number;
}

const USAGE = `usage: npm run bench -- [--customers N] [--import-rows N] [--payments N] [--skip-close] [--snapshot-events N]
       [--snapshot-customers N] [--concurrency N] [--activity-slots N] [--workflow-cache N] [--worker-heap MB] [--period YYYY-MM] [--timeout-min N]
       [--skip-temporal] [--skip-plain] [--own N] [--books N] [--json FILE] [--engine dev|server] [--shards N]`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    customers: 1000,
    importRows: 1_000_000,
    payments: 100_000,
    skipClose: false,
    skipTemporal: false,
    skipPlain: false,
    snapshotEvents: 100_000,
    snapshotCustomers: 10_000,
    snapshotEventsPerCustomer: 20,
    snapshotConcurrency: 8,
    concurrency: 100,
    activitySlots: 40,
    workflowCache: 0,
    workerHeap: WORKER_HEAP_LIMIT_MB,
    plainSample: 50,
    period: '2025-03',
    timeoutMin: 60,
    own: 200,
    books: 10_000,
    json: null,
    engine: 'dev',
    shards: DEFAULT_HISTORY_SHARDS,
  };
  const ints: Record<string, keyof Options> = {
    '--customers': 'customers',
    '--import-rows': 'importRows',
    '--payments': 'payments',
    '--snapshot-events': 'snapshotEvents',
    '--snapshot-customers': 'snapshotCustomers',
    '--snapshot-events-per-customer': 'snapshotEventsPerCustomer',
    '--snapshot-concurrency': 'snapshotConcurrency',
    '--concurrency': 'concurrency',
    '--activity-slots': 'activitySlots',
    '--workflow-cache': 'workflowCache',
    '--worker-heap': 'workerHeap',
    '--plain-sample': 'plainSample',
    '--timeout-min': 'timeoutMin',
    '--own': 'own',
    '--books': 'books',
    '--shards': 'shards',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--skip-close') o.skipClose = true;
    else if (flag === '--skip-temporal') o.skipTemporal = true;
    else if (flag === '--skip-plain') o.skipPlain = true;
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (flag === '--json') {
      o.json = inline ?? argv[++i] ?? null;
      if (!o.json) throw new Error('--json wants a file name');
      fs.mkdirSync(path.dirname(path.resolve(o.json)), { recursive: true });
    } else if (flag === '--engine') {
      const engine = inline ?? argv[++i] ?? '';
      if (engine !== 'dev' && engine !== 'server') throw new Error(`--engine wants dev or server, got ${engine}`);
      o.engine = engine;
    } else if (flag === '--period') {
      o.period = inline ?? argv[++i] ?? '';
      if (!/^\d{4}-\d{2}$/.test(o.period)) throw new Error(`--period wants YYYY-MM, got ${o.period}`);
    } else if (flag in ints) {
      const text = inline ?? argv[++i];
      const n = Number(text);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} wants a whole number >= 0, got ${text}`);
      (o as unknown as Record<string, number>)[ints[flag]!] = n;
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (!o.skipClose && o.customers < 10) throw new Error('--customers must be at least 10 (the demo data needs its special customers)');
  return o;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const machine = machineLine();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-bench-'));
  // Run as root, PostgreSQL runs as the 'postgres' user, which must be able to reach its data dir.
  fs.chmodSync(tmpDir, 0o755);
  let services: Sandbox | null = null;
  let sampler: MemorySampler | null = null;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    sampler?.stop();
    progress('Stopping the services and removing the temp dir …');
    await services?.stop().catch((err) => progress(`stopping services: ${(err as Error).message}`));
    fs.rmSync(tmpDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const result: {
    options: Options;
    machine: Record<string, unknown>;
    startupSeconds?: number;
    workflowBundleSeconds?: number;
    idleMemory?: MemoryPeaks;
    importUsage?: UsageBenchResult & { pgRssPeakMb: number; pgPssPeakMb: number };
    snapshot?: SnapshotBenchResult;
    demoData?: { customers: number; usageRows: number; seconds: number };
    temporalClose?: TemporalCloseResult;
    plainClose?: PlainCloseResult;
    priceOfDurability?: { temporalSeconds: number; plainSeconds: number; ratio: number };
    onTheirOwn?: OnTheirOwnResult;
    books?: BooksBenchResult;
    devServerSettings?: string[];
    payments?: PaymentsBenchResult;
  } = {
    options: opts,
    machine: machine.json,
    devServerSettings:
      opts.engine === 'dev'
        ? [...devServerSettingArgs(), ...(devServerEnv().GOMEMLIMIT ? [`GOMEMLIMIT=${devServerEnv().GOMEMLIMIT}`] : [])]
        : [`temporal server ${TEMPORAL_SERVER_VERSION}`, `${opts.shards} history shards`, `dynamic config ${path.relative(process.cwd(), DYNAMIC_CONFIG_FILE)}`],
  };

  try {
    progress(`Bench in ${tmpDir}: starting PostgreSQL and ${opts.engine === 'server' ? `the Temporal server (${opts.shards} shards)` : 'the Temporal dev server'} …`);
    const started = await timed(() => startSandbox({ dataDir: path.join(tmpDir, 'services'), database: 'none', engine: opts.engine, shards: opts.shards }));
    services = started.value;
    result.startupSeconds = round(started.ms / 1000, 1);
    const pids = findServicePids(path.join(tmpDir, 'services'));
    progress(
      `Services up in ${result.startupSeconds} s (Temporal pid ${pids.temporal ?? '?'}, postmaster pid ${pids.postmaster ?? '?'}` +
        `${pids.temporalPostmaster ? `, Temporal's postmaster pid ${pids.temporalPostmaster}` : ''})`,
    );
    sampler = new MemorySampler(pids, 250).start();
    await new Promise((r) => setTimeout(r, 500));
    result.idleMemory = sampler.mark();
    const config = loadConfig();

    // 1. Usage import.
    if (opts.importRows > 0) {
      progress(`1. Usage import of ${opts.importRows.toLocaleString('en-US')} rows (writing the CSV first) …`);
      const { db, drop } = await freshDatabase(services.endpoints.databaseUrl, 'bench_import');
      try {
        sampler.mark();
        const r = await benchImportUsage(db, opts.importRows);
        const mem = sampler.mark();
        result.importUsage = { ...r, pgRssPeakMb: mem.pgRssSumMb, pgPssPeakMb: mem.pgPssSumMb };
      } finally {
        await drop();
      }
      const r = result.importUsage;
      printTable(`1. Usage import (benchImportUsage): ${r.rows.toLocaleString('en-US')} rows, ${r.fileMb} MB CSV`, ['measure', 'value'], [
        ['seconds', r.seconds],
        ['rows/s', r.rowsPerSecond],
        ['accepted / duplicates / rejected', `${r.accepted} / ${r.duplicates} / ${r.rejected}`],
        ['peak RSS MB (baseline)', `${r.peakRssMb} (${r.baselineRssMb})`],
        ['peak heap used MB', r.peakHeapUsedMb],
        ['Node CPU s', r.nodeCpuSeconds],
        ['PostgreSQL peak RSS sum / PSS sum MB', `${r.pgRssPeakMb} / ${r.pgPssPeakMb}`],
      ]);
    } else progress('1. Usage import: skipped (--import-rows 0)');

    // 1b. Payments import (issue #22): one camt.054 of N payments against N invoices.
    if (opts.payments > 0) {
      progress(`1b. Payments import of ${opts.payments.toLocaleString('en-US')} camt.054 payments …`);
      const { db, drop } = await freshDatabase(services.endpoints.databaseUrl, 'bench_payments');
      let r: PaymentsBenchResult;
      try {
        r = await benchPayments(db, opts.payments);
      } finally {
        await drop();
      }
      result.payments = r;
      printTable(`1b. Payments import (bench/payments.ts): ${r.payments.toLocaleString('en-US')} payments, ${r.fileMb} MB camt.054`, ['measure', 'value'], [
        ['seconds', r.seconds],
        ['payments/s (target ≥ 20,000)', r.paymentsPerSecond],
        ['matched / unmatched', `${r.matched} / ${r.unmatched}`],
        [`peak RSS MB of the bench process, ${r.peakHow} (target ≤ 400)`, r.peakRssMb],
        ['RSS MB when the import started (in the peak)', r.startRssMb],
      ]);
    } else progress('1b. Payments import: skipped (--payments 0)');

    // 2. Snapshots.
    if (opts.snapshotEvents === 0) progress('2. Snapshots: skipped (--snapshot-events 0)');
    else {
      progress('2. Snapshots …');
      const { db, drop } = await freshDatabase(services.endpoints.databaseUrl, 'bench_snapshot', { min: 0, max: Math.max(10, opts.snapshotConcurrency + 2) });
      try {
        result.snapshot = await benchSnapshots(db, config, {
          period: opts.period,
          bigCustomerEvents: opts.snapshotEvents,
          customers: opts.snapshotCustomers,
          eventsPerCustomer: opts.snapshotEventsPerCustomer,
          concurrency: opts.snapshotConcurrency,
          runs: 5,
        });
      } finally {
        await drop();
      }
    }

    // 3 and 4. The close of a period, with and without Temporal.
    if (!opts.skipClose) {
      progress(`3. Generating demo data for ${opts.customers} customers (period ${opts.period}) …`);
      const gen = await timed(() => writeDemoData(path.join(tmpDir, 'input'), { customers: opts.customers, period: opts.period }));
      result.demoData = { customers: gen.value.expected.customers, usageRows: gen.value.expected.events, seconds: round(gen.ms / 1000, 1) };
      progress(`  ${gen.value.expected.events.toLocaleString('en-US')} usage rows in ${result.demoData.seconds} s; bundling the workflows …`);
      const bundled = await timed(() => bundleWorkflows(path.join(tmpDir, 'workflow-bundle.js')));
      const workflowBundlePath = bundled.value;
      result.workflowBundleSeconds = round(bundled.ms / 1000, 1);

      const ctx: CloseBenchContext = {
        endpoints: services.endpoints,
        tmpDir,
        baseConfig: config,
        workflowBundlePath,
        sampler,
        pids,
        period: opts.period,
        files: gen.value,
        concurrency: opts.concurrency,
        activitySlots: opts.activitySlots,
        workflowCache: opts.workflowCache > 0 ? opts.workflowCache : undefined,
        workerHeapLimitMb: opts.workerHeap,
        dbPool: 50,
        timeoutMs: opts.timeoutMin * 60_000,
      };
      if (!opts.skipTemporal) result.temporalClose = await benchTemporalClose(ctx);
      if (!opts.skipPlain) result.plainClose = await benchPlainClose(ctx, Math.min(opts.plainSample, opts.customers));
      if (result.temporalClose && result.plainClose) {
        const t = result.temporalClose.seconds.total;
        const p = result.plainClose.seconds;
        result.priceOfDurability = { temporalSeconds: t, plainSeconds: p, ratio: round(t / p, 2) };
        printTable('5. The price of durability', ['', 'seconds', 'customers/s'], [
          ['Temporal: start -> all final + notified (incl. approve-all)', t, result.temporalClose.customersPerSecond],
          ['plain loop, same activities, no Temporal', p, result.plainClose.customersPerSecond],
          ['ratio Temporal / plain', result.priceOfDurability.ratio, null],
        ]);
      }
      if (result.plainClose) printWherePlainTimeGoes(result.plainClose);
    } else progress('3/4. Close: skipped (--skip-close)');

    if (opts.own > 0) {
      progress(`6. PDF renders, e-mails and webhooks on their own (${opts.own} of each) …`);
      result.onTheirOwn = await benchOnTheirOwn(tmpDir, opts.own);
    }
    if (opts.books > 0) result.books = await benchBooks(services.endpoints.databaseUrl, opts.books, tmpDir);
    else progress('7. The books: skipped (--books 0)');

    const machineAtEnd = machineLine();
    result.machine = { ...machine.json, loadAvgAtStart: machine.json.loadAvg, loadAvgAtEnd: machineAtEnd.json.loadAvg };
    console.log('');
    console.log(machineAtEnd.text);
    console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
    if (opts.json) {
      fs.writeFileSync(opts.json, `${JSON.stringify(headline(result), null, 2)}\n`);
      progress(`Figures written to ${opts.json}`);
    }
  } finally {
    await cleanup();
  }
}

/** The figures of interfaces.md "Benchmark output", with what each one is, and the details. */
function headline(r: {
  options: Options;
  machine: Record<string, unknown>;
  temporalClose?: TemporalCloseResult;
  plainClose?: PlainCloseResult;
  priceOfDurability?: { ratio: number };
  onTheirOwn?: OnTheirOwnResult;
  books?: BooksBenchResult;
  devServerSettings?: string[];
}) {
  const t = r.temporalClose;
  const p = r.plainClose;
  const perCustomerMs = (cpuSeconds: number | undefined) => (t && cpuSeconds !== undefined ? round((1000 * cpuSeconds) / t.customers, 1) : null);
  return {
    engine: r.options.engine,
    customers: t?.customers ?? p?.customers ?? r.options.customers,
    temporal_s: t?.seconds.total ?? null,
    plain_s: p?.seconds ?? null,
    temporal_customers_per_s: t?.customersPerSecond ?? null,
    plain_customers_per_s: p?.customersPerSecond ?? null,
    ratio: r.priceOfDurability?.ratio ?? null,
    approve_all_s: t?.seconds.approveAll ?? null,
    approve_all_signalled_s: t?.seconds.approveAllSent ?? null,
    approvals: t?.approved ?? null,
    cpu_ms_per_customer: {
      worker: perCustomerMs(t?.cpu.total.workerSeconds),
      temporal: perCustomerMs(t?.cpu.total.temporalSeconds),
      temporal_postgres: perCustomerMs(t?.cpu.total.temporalPgSeconds),
      postgres: perCustomerMs(t?.cpu.total.pgSeconds),
    },
    peak_rss_mb: { worker: t?.memory.workerRssMb ?? null, temporal: t?.memory.temporalRssMb ?? null, postgres: t?.memory.pgPssSumMb ?? null },
    books: r.books ? { customers: r.books.customers, credit_notes: r.books.creditNotes, period_report_s: r.books.reportSeconds, books_export_s: r.books.exportSeconds } : null,
    on_their_own: r.onTheirOwn
      ? {
          pdf_renders_per_s: r.onTheirOwn.pdfRendersPerSecond,
          emails_per_s: r.onTheirOwn.emailsPerSecond.sequential,
          emails_per_s_8_at_once: r.onTheirOwn.emailsPerSecond.concurrent8,
          webhooks_per_s: r.onTheirOwn.webhooksPerSecond.sequential,
          webhooks_per_s_8_at_once: r.onTheirOwn.webhooksPerSecond.concurrent8,
        }
      : null,
    dev_server_settings: r.devServerSettings ?? [],
    worker_settings: { heap_limit_mb: r.options.workerHeap || null, max_cached_workflows: r.options.workflowCache || null },
    machine: r.machine,
    what: {
      temporal_s: 'monthly close started -> every customer final and notified, approve-all included, through Temporal',
      plain_s: 'the same activities for every customer in a plain in-process loop, no Temporal, same concurrency',
      ratio: 'temporal_s / plain_s: the price of durability in this run',
      approve_all_s: 'approve-all of every waiting draft (signals, then each close recorded its answer)',
      approve_all_signalled_s: "approve-all until every signal was sent: each approval durable in its close's history, not yet recorded by it",
      'peak_rss_mb.worker': 'peak RSS of the worker process (all its threads) during the Temporal close',
      'peak_rss_mb.temporal': 'peak RSS of the Temporal process (the dev server, or the Temporal server with engine server)',
      cpu_ms_per_customer:
        "CPU ms per customer over the Temporal close: the worker, Temporal (dev server incl. its SQLite, or the server), Temporal's own PostgreSQL (engine server), the billing PostgreSQL",
      worker_settings: "the worker process's --max-old-space-size and maxCachedWorkflows (null: the default)",
      'peak_rss_mb.postgres': 'peak PSS sum of the PostgreSQL processes (shared memory counted once)',
    },
  };
}

/** Where the plain loop's time goes: each activity's share of the summed call time. */
function printWherePlainTimeGoes(p: PlainCloseResult): void {
  const rows = Object.entries(p.activities).sort((a, b) => b[1].totalSeconds - a[1].totalSeconds);
  const sum = rows.reduce((a, [, v]) => a + v.totalSeconds, 0) || 1;
  const seq = p.sequentialSample.activities;
  printTable(
    "6a. Where the plain loop's time goes (summed wall time of its calls; calls overlap, so the sum exceeds the run)",
    ['activity', 'share %', 'total s', 'calls', 'seq p50 ms'],
    rows.map(([name, v]) => [name, round((100 * v.totalSeconds) / sum, 1), v.totalSeconds, v.calls, seq[name]?.p50Ms ?? null]),
  );
}


main()
  .then(() => {
    // Everything is closed; should a library still hold a handle, do not hang.
    setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref();
  })
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 3000).unref();
  });
