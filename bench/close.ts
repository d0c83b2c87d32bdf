import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createActivities, type Activities } from '../activities';
import { approveAllWaiting } from '../client/drafts';
import { closeSettings, startMonthlyClose } from '../client/close';
import { connectClient } from '../client/connect';
import { importCustomers, importPartners, importPrices, importUsage } from '../imports';
import { startMailCatcher, startWebhookCatcher, type Catcher } from '../devenv/catchers';
import type { AppConfig } from '../infra/config';
import type { Db } from '../infra/db';
import type { Endpoints } from '../infra/endpoints';
import { progressQuery } from '../contracts/close-messages';
import { APPROVED_CLOSE_STEPS } from '../contracts/close-steps';
import { startWorkerProcess, stopWorkerProcess } from '../worker/processes';
import type { DemoDataFiles } from '../demo/demo-data';
import { seedDemoSubscribers } from '../demo/demo-tenant';
import { closeOne, FINANCE_APPROVER, type PlainCounters, type Timings } from './plain-close';
import {
  type BenchPids,
  cpuBetween,
  cpuSnapshot,
  dbWaitSampler,
  freshDatabase,
  loopDelayMonitor,
  MemorySampler,
  now,
  printTable,
  progress,
  promisePool,
  round,
  Semaphore,
  stats,
  ticker,
  timed,
  tracePool,
  type Cell,
  type CpuUse,
  type DbWaits,
  type LoopDelay,
  type MemoryPeaks,
  type PoolTrace,
  type Stats,
} from './support';

// Sections 3 and 4: the close of a whole period, first through Temporal (monthly close,
// approve-all, every customer's close to final and notified), then the same activities
// called in a plain in-process loop, without Temporal, to price durability.

export interface CloseBenchContext {
  endpoints: Endpoints;
  tmpDir: string;
  baseConfig: AppConfig;
  workflowBundlePath: string;
  sampler: MemorySampler;
  pids: BenchPids;
  period: string;
  files: DemoDataFiles;
  concurrency: number;
  activitySlots: number;
  /** The worker's maxCachedWorkflows (undefined: the worker's default). */
  workflowCache?: number;
  /** The worker process's --max-old-space-size (undefined: V8's default). */
  workerHeapLimitMb?: number;
  dbPool: number;
  timeoutMs: number;
}

// ---------------------------------------------------------------- shared set-up

interface Loaded {
  db: Db;
  url: string;
  drop(): Promise<void>;
  mail: Catcher;
  hooks: Catcher & { url: string };
  importSeconds: { prices: number; customers: number; usage: number };
  usageAccepted: number;
}

/** A fresh database with the demo data imported through the real CSV imports, and subscribers. */
async function loadDatabase(ctx: CloseBenchContext, name: string): Promise<Loaded> {
  const { db, url, drop } = await freshDatabase(ctx.endpoints.databaseUrl, name, { min: 0, max: ctx.dbPool });
  const prices = await timed(() => importPrices(db, ctx.files.pricesCsv));
  await importPartners(db, ctx.files.partnersCsv); // customers name their partner
  const customers = await timed(() => importCustomers(db, ctx.files.customersCsv));
  const usage = await timed(() => importUsage(db, ctx.files.usageCsv));
  const mail = await startMailCatcher(path.join(ctx.tmpDir, `${name}-mail`));
  const hooks = await startWebhookCatcher(path.join(ctx.tmpDir, `${name}-webhooks`));
  await seedDemoSubscribers(db, { webhookUrl: hooks.url, financeEmail: ctx.baseConfig.seller.email, secretPrefix: 'bench-secret' });
  return {
    db,
    url,
    drop,
    mail,
    hooks,
    importSeconds: { prices: round(prices.ms / 1000, 2), customers: round(customers.ms / 1000, 2), usage: round(usage.ms / 1000, 2) },
    usageAccepted: usage.value.accepted,
  };
}

// ---------------------------------------------------------------- what the database says

export interface Outcome {
  closes: Record<string, number>;
  invoices: number;
  /** The invoice numbers of the period: gapless means max - min + 1 = count, each once. */
  numbering: { min: number | null; max: number | null; distinct: number; gapless: boolean; counterNext: number | null };
  deliveries: Record<string, number>;
  mailsCaught: number;
  webhooksCaught: number;
}

async function outcome(db: Db, period: string, mail: Catcher, hooks: Catcher): Promise<Outcome> {
  const closes: Record<string, number> = {};
  for (const r of (await db('close_runs').where({ period }).groupBy('state').select('state').count('* as n')) as { state: string; n: string }[]) closes[r.state] = Number(r.n);
  const deliveries: Record<string, number> = {};
  for (const r of (await db('notification_deliveries').where({ period }).groupBy('status').select('status').count('* as n')) as { status: string; n: string }[]) {
    deliveries[r.status] = Number(r.n);
  }
  const invoices = Number((await db('invoices').where({ period }).count('* as n').first())?.n ?? 0);
  const n = (await db('invoices').where({ period, kind: 'invoice' }).min('number as min').max('number as max').countDistinct('number as distinct').first()) as
    | { min: number | null; max: number | null; distinct: string }
    | undefined;
  const counter = (await db('invoice_number_series').first('next_number')) as { next_number: number } | undefined;
  const distinct = Number(n?.distinct ?? 0);
  const numbering = {
    min: n?.min ?? null,
    max: n?.max ?? null,
    distinct,
    gapless: distinct === 0 || (n!.max! - n!.min! + 1 === distinct && distinct === invoices && counter?.next_number === n!.max! + 1),
    counterNext: counter?.next_number ?? null,
  };
  return { closes, invoices, numbering, deliveries, mailsCaught: mail.count(), webhooksCaught: hooks.count() };
}

export type StageName =
  | 'queued: close started -> running'
  | 'running -> awaiting_approval (snapshot, draft, draft PDF)'
  | 'awaiting_approval -> draft_ready delivered'
  | 'awaiting_approval -> approved (finance)'
  | 'approved -> final (decision, finalise, invoice PDF)'
  | 'final -> invoice_final delivered (all)'
  | 'work time (excluding the wait for finance)';

export interface StageReport {
  stages: Record<StageName, Stats>;
  /** Seconds after t0 at which the last customer reached each point. */
  timeline: { firstRunning: number; lastAtRest: number; lastApproved: number; lastFinal: number; lastDelivered: number };
}

/**
 * Per-customer stage durations from what the close recorded: close_run_events (each state
 * change, stamped by PostgreSQL), approvals.decided_at and notification_deliveries.delivered_at.
 */
async function stageReport(db: Db, period: string, t0Ms: number): Promise<StageReport> {
  const firstAt = new Map<string, Map<string, number>>();
  const events = (await db('close_run_events').where({ period }).orderBy('id').select('customer_id', 'state', 'recorded_at')) as { customer_id: string; state: string; recorded_at: Date }[];
  for (const e of events) {
    const m = firstAt.get(e.customer_id) ?? new Map<string, number>();
    if (!m.has(e.state)) m.set(e.state, e.recorded_at.getTime());
    firstAt.set(e.customer_id, m);
  }
  const decided = new Map<string, number>();
  for (const a of (await db('approvals').where({ period, decision: 'approved' }).select('customer_id', 'decided_at')) as { customer_id: string; decided_at: Date }[]) {
    decided.set(a.customer_id, a.decided_at.getTime());
  }
  const delivered = new Map<string, { draft: number; invoice: number }>();
  const rows = (await db('notification_deliveries').where({ period, status: 'delivered' }).select('customer_id', 'event', 'delivered_at')) as { customer_id: string; event: string; delivered_at: Date }[];
  for (const d of rows) {
    const m = delivered.get(d.customer_id) ?? { draft: 0, invoice: 0 };
    if (d.event === 'draft_ready') m.draft = Math.max(m.draft, d.delivered_at.getTime());
    if (d.event === 'invoice_final') m.invoice = Math.max(m.invoice, d.delivered_at.getTime());
    delivered.set(d.customer_id, m);
  }

  const lists: Record<StageName, number[]> = {
    'queued: close started -> running': [],
    'running -> awaiting_approval (snapshot, draft, draft PDF)': [],
    'awaiting_approval -> draft_ready delivered': [],
    'awaiting_approval -> approved (finance)': [],
    'approved -> final (decision, finalise, invoice PDF)': [],
    'final -> invoice_final delivered (all)': [],
    'work time (excluding the wait for finance)': [],
  };
  const timeline = { firstRunning: Infinity, lastAtRest: 0, lastApproved: 0, lastFinal: 0, lastDelivered: 0 };
  for (const [customerId, m] of firstAt) {
    const running = m.get('running');
    const awaiting = m.get('awaiting_approval');
    const final = m.get('final');
    const rest = awaiting ?? m.get('nothing_to_bill') ?? m.get('failed');
    const approved = decided.get(customerId);
    const d = delivered.get(customerId);
    if (running !== undefined) {
      lists['queued: close started -> running'].push(running - t0Ms);
      timeline.firstRunning = Math.min(timeline.firstRunning, running);
    }
    if (rest !== undefined) timeline.lastAtRest = Math.max(timeline.lastAtRest, rest);
    if (running !== undefined && awaiting !== undefined) lists['running -> awaiting_approval (snapshot, draft, draft PDF)'].push(awaiting - running);
    if (awaiting !== undefined && d?.draft) lists['awaiting_approval -> draft_ready delivered'].push(d.draft - awaiting);
    if (awaiting !== undefined && approved !== undefined) lists['awaiting_approval -> approved (finance)'].push(approved - awaiting);
    if (approved !== undefined && final !== undefined) lists['approved -> final (decision, finalise, invoice PDF)'].push(final - approved);
    if (final !== undefined && d?.invoice) lists['final -> invoice_final delivered (all)'].push(d.invoice - final);
    if (running !== undefined && awaiting !== undefined && approved !== undefined && d?.invoice) {
      lists['work time (excluding the wait for finance)'].push(awaiting - running + (d.invoice - approved));
    }
    if (approved !== undefined) timeline.lastApproved = Math.max(timeline.lastApproved, approved);
    if (final !== undefined) timeline.lastFinal = Math.max(timeline.lastFinal, final);
    if (d) timeline.lastDelivered = Math.max(timeline.lastDelivered, d.draft, d.invoice);
  }
  const rel = (ms: number) => (Number.isFinite(ms) && ms > 0 ? round((ms - t0Ms) / 1000, 1) : NaN);
  return {
    stages: Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, stats(v)])) as Record<StageName, Stats>,
    timeline: {
      firstRunning: rel(timeline.firstRunning),
      lastAtRest: rel(timeline.lastAtRest),
      lastApproved: rel(timeline.lastApproved),
      lastFinal: rel(timeline.lastFinal),
      lastDelivered: rel(timeline.lastDelivered),
    },
  };
}

function printStages(title: string, r: StageReport): void {
  printTable(
    title,
    ['stage (per customer)', 'n', 'mean ms', 'p50 ms', 'p95 ms', 'max ms'],
    Object.entries(r.stages).map(([name, s]): Cell[] => [name, s.n, round(s.mean, 0), round(s.p50, 0), round(s.p95, 0), round(s.max, 0)]),
  );
  const t = r.timeline;
  console.log(`  timeline (s after start): first running ${t.firstRunning}, last at rest ${t.lastAtRest}, last approved ${t.lastApproved}, last final ${t.lastFinal}, last delivery ${t.lastDelivered}`);
}

function printCpu(title: string, rows: [string, CpuUse][]): void {
  printTable(
    title,
    ['phase', 'wall s', 'worker CPU s', 'bench CPU s', 'Temporal CPU s', "Temporal's PostgreSQL CPU s", 'PostgreSQL CPU s', 'cores busy', 'other processes CPU s'],
    rows.map(([label, c]) => [label, c.wallSeconds, c.workerSeconds, c.selfSeconds, c.temporalSeconds, c.temporalPgSeconds, c.pgSeconds, c.coresBusy, c.otherSeconds]),
  );
}

export interface Diagnostics {
  loop: LoopDelay;
  db: DbWaits;
}

function printDiagnostics(title: string, rows: [string, Diagnostics][]): void {
  printTable(
    title,
    ['phase', 'loop delay p50 ms', 'p99 ms', 'max ms', 'lock waiters mean/max', 'of which counter row', 'idle in transaction mean/max', 'active mean'],
    rows.map(([label, d]) => [
      label,
      d.loop.p50Ms,
      d.loop.p99Ms,
      d.loop.maxMs,
      `${d.db.lockWaitersMean} / ${d.db.lockWaitersMax}`,
      `${d.db.counterWaitersMean} / ${d.db.counterWaitersMax}`,
      `${d.db.idleInTransactionMean} / ${d.db.idleInTransactionMax}`,
      d.db.activeMean,
    ]),
  );
}

function startDiagnostics(url: string): { stop(): Promise<Diagnostics> } {
  const loop = loopDelayMonitor();
  const waits = dbWaitSampler(url);
  return { stop: async () => ({ loop: loop.stop(), db: await waits.stop() }) };
}

function printPool(p: PoolTrace): void {
  console.log(`  pool integrity: ${p.sharedConnectionQueries === 0 ? 'every connection served one transaction at a time' : `${p.sharedConnectionQueries} queries ran on a connection owned by another transaction`}`);
  for (const e of p.examples) console.log(`    e.g. ${e}`);
}

function printOutcome(o: Outcome): void {
  const closes = Object.entries(o.closes).map(([k, v]) => `${k} ${v}`).join(', ');
  const deliveries = Object.entries(o.deliveries).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`  outcome: closes ${closes}; invoices ${o.invoices}; deliveries ${deliveries}; caught ${o.mailsCaught} e-mails, ${o.webhooksCaught} webhooks`);
  const nb = o.numbering;
  console.log(`  invoice numbers: ${nb.min ?? '-'}..${nb.max ?? '-'}, ${nb.distinct} distinct, counter next ${nb.counterNext ?? '-'}: ${nb.gapless ? 'gapless' : 'NOT GAPLESS'}`);
}

// ---------------------------------------------------------------- 3. through Temporal

export interface TemporalCloseResult {
  customers: number;
  importSeconds: Loaded['importSeconds'];
  seconds: { toAllAtRest: number; approveAllSent: number; approveAll: number; approveToSettled: number; total: number };
  customersPerSecond: number;
  approvalsPerSecond: number;
  approved: number;
  monthly: { runs: number; peakInFlight: number; meanInFlightWhileStarting: number; inFlightSamples: number };
  diagnostics: { drafts: Diagnostics; approveAndFinish: Diagnostics };
  stages: StageReport;
  memory: MemoryPeaks;
  cpu: { drafts: CpuUse; approveAndFinish: CpuUse; total: CpuUse };
  outcome: Outcome;
}

export async function benchTemporalClose(ctx: CloseBenchContext): Promise<TemporalCloseResult> {
  progress(`Close via Temporal: fresh database, importing ${ctx.files.expected.customers} customers / ${ctx.files.expected.events} usage rows …`);
  const loaded = await loadDatabase(ctx, 'bench_close_temporal');
  const { db, mail, hooks } = loaded;
  const config: AppConfig = { ...ctx.baseConfig, maxConcurrentCloses: ctx.concurrency, taskQueue: `bench-${randomBytes(4).toString('hex')}` };
  const cleanups: (() => Promise<unknown>)[] = [() => loaded.drop(), () => hooks.close(), () => mail.close()];
  try {
    progress(`Close via Temporal: starting the worker process (${ctx.activitySlots} activity slots), maxConcurrentCloses ${ctx.concurrency} …`);
    // The worker in a process of its own, as in production: its CPU and memory are its own, not
    // mixed with the catchers' and this harness's (which receive every e-mail and webhook).
    const worker = await startWorkerProcess(
      {
        temporalAddress: ctx.endpoints.temporalAddress,
        namespace: ctx.endpoints.namespace,
        taskQueue: config.taskQueue,
        databaseUrl: loaded.url,
        dbPoolMax: ctx.dbPool,
        config,
        smtp: { host: '127.0.0.1', port: mail.port, secure: false, from: config.seller.email },
        workflowBundlePath: ctx.workflowBundlePath,
        maxConcurrentActivityTaskExecutions: ctx.activitySlots,
        maxCachedWorkflows: ctx.workflowCache,
        heapLimitMb: ctx.workerHeapLimitMb,
      },
      { logLevel: 'error' },
    );
    ctx.pids.worker = worker.pid;
    cleanups.unshift(async () => {
      ctx.pids.worker = null;
      await stopWorkerProcess(worker);
    });
    const { client, close: closeClient } = await connectClient(ctx.endpoints);
    cleanups.unshift(closeClient);

    const count = async (q: string) => Number((await client.workflow.count(q)).count);
    const n = ctx.files.expected.customers;
    ctx.sampler.mark();
    const cpu0 = cpuSnapshot(ctx.pids);
    let diag = startDiagnostics(loaded.url);
    const t0 = Date.now();
    const { handle } = await startMonthlyClose(client, closeSettings(config), ctx.period);
    progress(`Close via Temporal: monthly close ${handle.workflowId} started`);
    // How many customers work at once, asked of the monthly close every second.
    const inFlight: number[] = [];
    let lastProgress = 0;
    const tick1 = ticker(1000, async () => {
      const p = await handle.query(progressQuery).catch(() => null);
      if (!p) return null;
      if (!p.listingDone || p.started < n) inFlight.push(p.inFlight);
      if (Date.now() - lastProgress < 3000) return null;
      lastProgress = Date.now();
      return `  drafts: ${p.started}/${n} started, ${p.atRest} at rest, ${p.inFlight} working (${round((Date.now() - t0) / 1000, 0)} s)`;
    });
    const monthly = await handle.result().finally(() => tick1.stop());
    const tRest = Date.now();
    const cpu1 = cpuSnapshot(ctx.pids);
    const diagDrafts = await diag.stop();
    diag = startDiagnostics(loaded.url);
    progress(`Close via Temporal: all ${monthly.atRest} customers at rest after ${round((tRest - t0) / 1000, 1)} s; approving all waiting drafts …`);

    let approvedSoFar = 0;
    let toApprove = 0;
    const tick2 = ticker(3000, () => `  approve-all: ${approvedSoFar}/${toApprove} (${round((Date.now() - tRest) / 1000, 0)} s)`);
    // Every bench customer is a first invoice (flagged): approve them all, as before the review.
    let tSent = 0;
    const decisions = await approveAllWaiting(db, client, ctx.period, FINANCE_APPROVER, {
      includeFlagged: true,
      onAllSent: (sent) => {
        tSent = Date.now();
        progress(`  approve-all: ${sent} signals sent (each approval in its close's history) after ${round((tSent - tRest) / 1000, 1)} s; waiting for the closes' answers …`);
      },
      onProgress: (done, total) => {
        approvedSoFar = done;
        toApprove = total;
      },
    }).finally(() => tick2.stop());
    const tApproved = Date.now();
    const approved = decisions.filter((d) => d.outcome === 'approved').length;
    progress(`Close via Temporal: ${approved} approved in ${round((tApproved - tRest) / 1000, 1)} s; waiting until every close is final and notified …`);

    const deadline = Date.now() + ctx.timeoutMs;
    let lastLine = 0;
    for (;;) {
      // The database first (cheap); Temporal's visibility only once the database looks settled,
      // since a close records 'final' before it plans and sends the final notices.
      const unsettled = Number((await db('close_runs').where({ period: ctx.period }).whereIn('state', ['running', 'awaiting_approval']).count('* as n').first())?.n ?? 0);
      const pending = Number((await db('notification_deliveries').where({ period: ctx.period, status: 'pending' }).count('* as n').first())?.n ?? 0);
      const checkTemporal = (unsettled === 0 && pending === 0) || Date.now() - lastLine > 3000;
      const running = checkTemporal ? await count(`BillingPeriod = "${ctx.period}" AND ExecutionStatus = "Running"`) : -1;
      if (running === 0 && unsettled === 0 && pending === 0) break;
      if (Date.now() > deadline) throw new Error(`close did not settle within ${ctx.timeoutMs / 1000} s: ${running} workflows running, ${unsettled} unsettled, ${pending} deliveries pending`);
      if (Date.now() - lastLine > 3000) {
        progress(`  finishing: ${running} workflows running, ${unsettled} closes unsettled, ${pending} deliveries pending (${round((Date.now() - tApproved) / 1000, 0)} s)`);
        lastLine = Date.now();
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const tDone = Date.now();
    const cpu2 = cpuSnapshot(ctx.pids);
    const diagFinish = await diag.stop();
    const memory = ctx.sampler.mark();
    progress(`Close via Temporal: settled after ${round((tDone - t0) / 1000, 1)} s`);

    const stages = await stageReport(db, ctx.period, t0);
    const result: TemporalCloseResult = {
      customers: n,
      importSeconds: loaded.importSeconds,
      seconds: {
        toAllAtRest: round((tRest - t0) / 1000, 1),
        approveAllSent: round((tSent - tRest) / 1000, 1),
        approveAll: round((tApproved - tRest) / 1000, 1),
        approveToSettled: round((tDone - tRest) / 1000, 1),
        total: round((tDone - t0) / 1000, 1),
      },
      customersPerSecond: round(n / ((tDone - t0) / 1000), 2),
      approvalsPerSecond: round(approved / Math.max(0.001, (tApproved - tRest) / 1000), 1),
      approved,
      monthly: {
        runs: monthly.runs,
        peakInFlight: monthly.peakInFlight,
        meanInFlightWhileStarting: round(inFlight.reduce((a, b) => a + b, 0) / Math.max(1, inFlight.length), 1),
        inFlightSamples: inFlight.length,
      },
      diagnostics: { drafts: diagDrafts, approveAndFinish: diagFinish },
      stages,
      memory,
      cpu: { drafts: cpuBetween(cpu0, cpu1), approveAndFinish: cpuBetween(cpu1, cpu2), total: cpuBetween(cpu0, cpu2) },
      outcome: await outcome(db, ctx.period, mail, hooks),
    };
    printTable(`3. End-to-end close via Temporal: ${n.toLocaleString('en-US')} customers, period ${ctx.period} (maxConcurrentCloses ${ctx.concurrency}, ${ctx.activitySlots} activity slots)`, ['measure', 'value'], [
      ['import prices / customers / usage s', `${result.importSeconds.prices} / ${result.importSeconds.customers} / ${result.importSeconds.usage}`],
      ['start -> every customer at rest (drafts) s', result.seconds.toAllAtRest],
      [`approve-all: every approval signalled, in its close's history (durable) s`, result.seconds.approveAllSent],
      [`approve-all: ${approved} approved by signals via approveAllWaiting (until each close recorded it) s`, result.seconds.approveAll],
      ['approvals/s', result.approvalsPerSecond],
      ['approve-all start -> all final + notified s', result.seconds.approveToSettled],
      ['start -> all final + notified s', result.seconds.total],
      ['customers/s overall', result.customersPerSecond],
      ['monthly close runs (continue-as-new) / peak in flight', `${monthly.runs} / ${monthly.peakInFlight}`],
      [
        `customers working at once, mean while starting (${result.monthly.inFlightSamples} samples, limit ${ctx.concurrency})`,
        result.monthly.meanInFlightWhileStarting,
      ],
    ]);
    printOutcome(result.outcome);
    printStages('3b. Stage durations via Temporal (from close_run_events, approvals, notification_deliveries)', stages);
    printCpu('3c. CPU via Temporal', [
      ['drafts (start -> all at rest)', result.cpu.drafts],
      ['approve-all -> settled', result.cpu.approveAndFinish],
      ['total', result.cpu.total],
    ]);
    printDiagnostics('3d. Where the time goes via Temporal: event-loop delay of the bench process (catchers), PostgreSQL sessions (sampled every 500 ms)', [
      ['drafts', diagDrafts],
      ['approve-all -> settled', diagFinish],
    ]);
    printTable('3e. Peak memory via Temporal (RSS sampled every 250 ms, PostgreSQL PSS every 2 s)', ['phase', 'process', 'peak MB'], [
      ['close', 'worker process RSS', memory.workerRssMb],
      ['close', 'bench process RSS (catchers, this harness)', memory.selfRssMb],
      ['close', 'Temporal dev server RSS', memory.temporalRssMb],
      ['close', `PostgreSQL RSS, sum of up to ${memory.pgProcessesMax} processes`, memory.pgRssSumMb],
      ['close', 'PostgreSQL PSS sum (shared memory counted once)', memory.pgPssSumMb],
    ]);
    return result;
  } finally {
    for (const c of cleanups) await c().catch((err) => progress(`cleanup: ${(err as Error).message}`));
  }
}

// ---------------------------------------------------------------- 4. the same work without Temporal

export interface PlainCloseResult {
  customers: number;
  concurrency: number;
  seconds: number;
  customersPerSecond: number;
  activitySlots: number;
  retries: number;
  retryReasons: Record<string, number>;
  failReasons: Record<string, number>;
  diagnostics: Diagnostics;
  pool: PoolTrace;
  activities: Record<string, { calls: number; meanMs: number; p50Ms: number; p95Ms: number; totalSeconds: number }>;
  sequentialSample: { customers: number; seconds: number; customersPerSecond: number; activities: Record<string, { calls: number; meanMs: number; p50Ms: number; p95Ms: number }> };
  stages: StageReport;
  memory: MemoryPeaks;
  cpu: CpuUse;
  outcome: Outcome;
}

function activityTable(timings: Timings): Record<string, { calls: number; meanMs: number; p50Ms: number; p95Ms: number; totalSeconds: number }> {
  const order = [...new Set(APPROVED_CLOSE_STEPS)];
  const out: Record<string, { calls: number; meanMs: number; p50Ms: number; p95Ms: number; totalSeconds: number }> = {};
  for (const name of order) {
    const list = timings.get(name);
    if (!list) continue;
    const s = stats(list);
    out[name] = { calls: s.n, meanMs: round(s.mean, 1), p50Ms: round(s.p50, 1), p95Ms: round(s.p95, 1), totalSeconds: round(list.reduce((a, b) => a + b, 0) / 1000, 1) };
  }
  return out;
}

async function customersDue(acts: Activities, period: string): Promise<string[]> {
  const all: string[] = [];
  for (let after: string | null = null; ; ) {
    const page = await acts.listCustomersDue({ period, afterCustomerId: after, limit: 200 });
    all.push(...page);
    if (page.length < 200) return all;
    after = page[page.length - 1]!;
  }
}

export async function benchPlainClose(ctx: CloseBenchContext, sampleCustomers: number): Promise<PlainCloseResult> {
  const smtpFor = (mail: Catcher) => ({ host: '127.0.0.1', port: mail.port, secure: false, from: ctx.baseConfig.seller.email });

  // 4a. A sequential sample: per-activity latency without contention.
  progress(`Plain loop: sequential sample of ${sampleCustomers} customers on a fresh database …`);
  const seq = await loadDatabase(ctx, 'bench_close_plain_seq');
  let sequentialSample: PlainCloseResult['sequentialSample'];
  try {
    const acts = createActivities({ db: seq.db, config: ctx.baseConfig, smtp: smtpFor(seq.mail), temporal: null, now: () => new Date() });
    const ids = (await customersDue(acts, ctx.period)).slice(0, sampleCustomers);
    const timings: Timings = new Map();
    const t = now();
    await promisePool(ids, 1, (id) => closeOne(acts, ctx.period, id, timings, { retries: 0, retryReasons: new Map(), failReasons: new Map() }, new Semaphore(1)));
    const seconds = (now() - t) / 1000;
    const table = activityTable(timings);
    sequentialSample = {
      customers: ids.length,
      seconds: round(seconds, 2),
      customersPerSecond: round(ids.length / seconds, 2),
      activities: Object.fromEntries(Object.entries(table).map(([k, v]) => [k, { calls: v.calls, meanMs: v.meanMs, p50Ms: v.p50Ms, p95Ms: v.p95Ms }])),
    };
  } finally {
    await seq.hooks.close();
    await seq.mail.close();
    await seq.drop();
  }

  // 4b. All customers with the same concurrency as the Temporal close.
  progress(`Plain loop: fresh database, importing ${ctx.files.expected.customers} customers …`);
  const loaded = await loadDatabase(ctx, 'bench_close_plain');
  try {
    const { db, mail, hooks } = loaded;
    const acts = createActivities({ db, config: ctx.baseConfig, smtp: smtpFor(mail), temporal: null, now: () => new Date() });
    const ids = await customersDue(acts, ctx.period);
    const timings: Timings = new Map();
    const counters: PlainCounters = { retries: 0, retryReasons: new Map(), failReasons: new Map() };
    const slots = new Semaphore(ctx.activitySlots);
    let done = 0;
    progress(`Plain loop: closing ${ids.length} customers, ${ctx.concurrency} at a time, ${ctx.activitySlots} activity calls at once, no Temporal …`);
    ctx.sampler.mark();
    const diag = startDiagnostics(loaded.url);
    const poolTrace = tracePool(db);
    const cpu0 = cpuSnapshot(ctx.pids);
    const t0 = Date.now();
    const tick = ticker(3000, () => `  plain: ${done}/${ids.length} customers closed (${round((Date.now() - t0) / 1000, 0)} s)`);
    await promisePool(ids, ctx.concurrency, async (id) => {
      await closeOne(acts, ctx.period, id, timings, counters, slots);
      done += 1;
    }).finally(() => tick.stop());
    const tDone = Date.now();
    const cpu = cpuBetween(cpu0, cpuSnapshot(ctx.pids));
    const diagnostics = await diag.stop();
    const pool = poolTrace.stop();
    const memory = ctx.sampler.mark();
    const seconds = (tDone - t0) / 1000;
    progress(`Plain loop: done in ${round(seconds, 1)} s`);
    const result: PlainCloseResult = {
      customers: ids.length,
      concurrency: ctx.concurrency,
      seconds: round(seconds, 1),
      customersPerSecond: round(ids.length / seconds, 2),
      activitySlots: ctx.activitySlots,
      retries: counters.retries,
      retryReasons: Object.fromEntries(counters.retryReasons),
      failReasons: Object.fromEntries(counters.failReasons),
      diagnostics,
      pool,
      activities: activityTable(timings),
      sequentialSample,
      stages: await stageReport(db, ctx.period, t0),
      memory,
      cpu,
      outcome: await outcome(db, ctx.period, mail, hooks),
    };

    printTable(
      `4. The same close as a plain in-process loop, no Temporal: ${ids.length.toLocaleString('en-US')} customers, ${ctx.concurrency} at a time, ${ctx.activitySlots} activity calls at once`,
      ['measure', 'value'],
      [
        ['start -> all final + notified s', result.seconds],
        ['customers/s', result.customersPerSecond],
        ['retries (transient errors)', result.retries],
        [`sequential sample: ${sequentialSample.customers} customers s`, sequentialSample.seconds],
        ['sequential sample customers/s', sequentialSample.customersPerSecond],
      ],
    );
    printOutcome(result.outcome);
    printPool(result.pool);
    for (const [k, v] of Object.entries(result.failReasons)) console.log(`  failed close x${v}: ${k}`);
    for (const [k, v] of Object.entries(result.retryReasons)) console.log(`  retried call x${v}: ${k}`);
    printTable(
      '4b. Activity latency in the plain loop (wall time per call; "seq" = sequential sample, no contention)',
      ['activity', 'calls', 'seq p50 ms', 'seq mean ms', 'conc. mean ms', 'conc. p95 ms', 'conc. total s'],
      Object.entries(result.activities).map(([name, a]): Cell[] => {
        const s = sequentialSample.activities[name];
        return [name, a.calls, s?.p50Ms ?? null, s?.meanMs ?? null, a.meanMs, a.p95Ms, a.totalSeconds];
      }),
    );
    printStages('4c. Stage durations in the plain loop (same records as the workflow writes)', result.stages);
    printCpu('4d. CPU in the plain loop', [['total', cpu]]);
    printDiagnostics('4e. Where the time goes in the plain loop (event-loop delay; PostgreSQL sessions sampled every 500 ms)', [['plain', diagnostics]]);
    printTable('4f. Peak memory in the plain loop (RSS sampled every 250 ms, PostgreSQL PSS every 2 s)', ['phase', 'process', 'peak MB'], [
      ['plain', 'bench process RSS', memory.selfRssMb],
      ['plain', 'Temporal dev server RSS (idle)', memory.temporalRssMb],
      ['plain', `PostgreSQL RSS, sum of up to ${memory.pgProcessesMax} processes`, memory.pgRssSumMb],
      ['plain', 'PostgreSQL PSS sum (shared memory counted once)', memory.pgPssSumMb],
    ]);
    return result;
  } finally {
    await loaded.hooks.close();
    await loaded.mail.close();
    await loaded.drop();
  }
}
