// Crash drill: kill the worker (SIGKILL) during a monthly close of many customers, start it
// again, and prove every customer was closed exactly once.
//
//   npx tsx scripts/kill-worker-during-close.ts [--customers 1000] [--kills 3]
//       [--period 2025-03] [--max-concurrent 50] [--timeout-minutes 20] [--keep-dir]
//
// Everything runs on its own embedded PostgreSQL and Temporal dev server in a temp dir, with
// the demo's generated data imported through the real CSV importers, the demo's subscribers,
// and a mail and a webhook catcher in this process. The worker runs as a child process
// (scripts/worker-child.ts) so it can be killed as a crash would kill it. With --kills K,
// K-1 kills happen while drafts are being made (spread between 20 % and 60 % of the customers
// at rest) and the last one while invoices are being issued (at ~30 % of them issued).
//
// Progress goes to stderr; the summary to stdout, ending with one line `CRASH_RESULT {json}`.
// Exit code 0 only when every check holds.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { approveAllWaiting, waitingDrafts } from '../client/drafts';
import { closeSettings, startMonthlyClose } from '../client/close';
import { connectClient } from '../client/connect';
import { formatReport, importCustomers, importPartners, importPrices, importUsage } from '../imports';
import { startMailCatcher, startWebhookCatcher } from '../infra/catchers';
import { loadConfig, type AppConfig } from '../infra/config';
import { createDb, migrate, type Db } from '../infra/db';
import { startEmbeddedServices } from '../infra/services';
import { emailMessageId } from '../notify/email';
import { progressQuery, type MonthlyProgress } from '../workflows/definitions';
import { closeWorkflowId } from '../workflows/ids';
import { writeDemoData } from '../demo/demo-data';
import { CRASH_WORKER_ENV, type CrashWorkerSettings } from './worker-child';

// ---------------------------------------------------------------- options and output

interface Options {
  customers: number;
  kills: number;
  period: string;
  maxConcurrent: number;
  timeoutMinutes: number;
  keepDir: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string', default: '1000' },
      kills: { type: 'string', default: '3' },
      period: { type: 'string', default: '2025-03' },
      'max-concurrent': { type: 'string', default: '50' },
      'timeout-minutes': { type: 'string', default: '20' },
      'keep-dir': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('usage: npx tsx scripts/kill-worker-during-close.ts [--customers 1000] [--kills 3] [--period 2025-03] [--max-concurrent 50] [--timeout-minutes 20] [--keep-dir]\n');
    process.exit(0);
  }
  const int = (name: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(values.period!)) throw new Error(`--period must be YYYY-MM, got ${values.period}`);
  return {
    customers: int('customers', values.customers!, 10),
    kills: int('kills', values.kills!, 0),
    period: values.period!,
    maxConcurrent: int('max-concurrent', values['max-concurrent']!, 1),
    timeoutMinutes: int('timeout-minutes', values['timeout-minutes']!, 1),
    keepDir: values['keep-dir']!,
  };
}

const T0 = Date.now();
const secs = (ms = Date.now()) => Math.round((ms - T0) / 100) / 10;
function say(line: string): void {
  process.stderr.write(`[crash +${secs().toFixed(1).padStart(6)} s] ${line}\n`);
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const FINANCE_APPROVER = 'Anna Ekonom';
const PROGRESS_EVERY_MS = 5000;
const POLL_MS = 250;

// ---------------------------------------------------------------- cleanup (finally and Ctrl-C)

const cleanups: { name: string; fn: () => Promise<void> | void }[] = [];
let cleanupRun: Promise<void> | null = null;
function onCleanup(name: string, fn: () => Promise<void> | void): void {
  cleanups.push({ name, fn });
}
function runCleanup(): Promise<void> {
  cleanupRun ??= (async () => {
    // A Temporal client call retried after its connection closed throws from a timer; ignore that
    // while shutting down rather than crash before the temp dir is removed.
    process.on('uncaughtException', (err) => {
      if (/Channel has been shut down/.test(err.message)) return;
      say(`uncaught during cleanup: ${err.stack ?? err.message}`);
    });
    for (const c of cleanups.reverse()) {
      if (process.env.CRASH_DEBUG_CLEANUP) say(`cleanup: ${c.name}`);
      try {
        await withTimeout(Promise.resolve().then(c.fn), 30_000, 'timed out after 30 s');
      } catch (err) {
        say(`cleanup of ${c.name} failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleanupRun;
}
let interrupted = false;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
function onStopSignal(sig: NodeJS.Signals): void {
  if (interrupted) return;
  interrupted = true;
  say(`${sig}: stopping the worker child, the catchers and the services, removing the temp dir …`);
  void runCleanup().finally(() => process.exit(130));
}
for (const sig of STOP_SIGNALS) process.on(sig, onStopSignal);

/**
 * infra/shutdown.ts installs a SIGINT/SIGTERM handler when the services start, which stops them
 * and exits, cutting our cleanup short (worker child, temp dir). Leave the stopping to our own
 * handler, which stops the services too (services.stop()); the exit hook of infra/children.ts
 * still kills any server left.
 */
function keepOnlyOurStopHandlers(): void {
  for (const sig of STOP_SIGNALS) {
    for (const l of process.listeners(sig)) if (l !== onStopSignal) process.removeListener(sig, l as (...args: unknown[]) => void);
  }
}

// ---------------------------------------------------------------- the worker child

/** What the worker children logged as failed activity attempts: `activityType: first error line` → count. */
const activityFailures = new Map<string, number>();

/** Forward a child's stderr and tally its `Activity failed` log lines (JSON, see infra/sdk-logger.ts) by type and error. */
function watchWorkerLog(stream: NodeJS.ReadableStream): void {
  const rl = readline.createInterface({ input: stream });
  rl.on('line', (line) => {
    process.stderr.write(line + '\n');
    let entry: { msg?: string; activityType?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line);
    } catch {
      return; // not a log line
    }
    if (entry.msg !== 'Activity failed') return;
    const key = `${entry.activityType ?? '?'}: ${(entry.err?.message ?? '?').replace(/\d{2,}/g, 'N').slice(0, 160)}`;
    activityFailures.set(key, (activityFailures.get(key) ?? 0) + 1);
  });
}

interface WorkerChild {
  generation: number;
  child: ChildProcess;
  pid: number;
  ready: Promise<void>;
  exited: Promise<number | null>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

class WorkerSupervisor {
  current: WorkerChild | null = null;
  /** Every worker process started, so none is left behind. */
  readonly pids: number[] = [];
  private generation = 0;
  constructor(private readonly settings: CrashWorkerSettings) {}

  async launch(): Promise<WorkerChild> {
    this.generation += 1;
    const generation = this.generation;
    // Node itself with tsx's loader, so the child process IS the worker: the tsx CLI would run
    // the worker in a grandchild that survives a SIGKILL of the CLI process.
    const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(__dirname, 'worker-child.ts')], {
      env: { ...process.env, [CRASH_WORKER_ENV]: JSON.stringify(this.settings), LOG_LEVEL: 'warn' },
      // stdin stays open as a lifeline: the child exits when it closes (this process gone).
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error('could not start a worker child process');
    this.pids.push(child.pid);
    watchWorkerLog(child.stderr!);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        const m = /worker-ready pid=(\d+)/.exec(chunk.toString());
        if (!m) return;
        if (Number(m[1]) !== child.pid) reject(new Error(`worker child #${generation}: the worker runs in pid ${m[1]}, not in the child ${child.pid}`));
        else resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`worker child #${generation} exited (${code ?? signal}) before it was ready`)));
    });
    const w: WorkerChild = { generation, child, pid: child.pid, ready, exited };
    this.current = w;
    await withTimeout(ready, 180_000, `worker child #${generation} not ready after 180 s`);
    return w;
  }

  alive(): boolean {
    const c = this.current;
    return c !== null && c.child.exitCode === null && c.child.signalCode === null;
  }

  /** SIGKILL the worker and make sure the process is gone. */
  async kill(): Promise<number> {
    const w = this.current!;
    w.child.kill('SIGKILL');
    await w.exited;
    if (w.child.signalCode !== 'SIGKILL') throw new Error(`worker child pid ${w.pid} ended with ${w.child.exitCode ?? w.child.signalCode}, not SIGKILL`);
    if (processAlive(w.pid)) throw new Error(`worker child pid ${w.pid} still alive after SIGKILL`);
    return w.pid;
  }

  /** Worker processes of this drill still running (the current one included). */
  survivors(): number[] {
    return this.pids.filter(processAlive);
  }

  /** Stop for the cleanup: SIGTERM lets the Temporal runtime shut down (SIGKILL after 15 s); on Ctrl-C, SIGKILL. */
  async stop(graceful: boolean): Promise<void> {
    const w = this.current;
    if (w && this.alive()) {
      w.child.kill(graceful ? 'SIGTERM' : 'SIGKILL');
      const t = setTimeout(() => w.child.kill('SIGKILL'), 15_000);
      await w.exited;
      clearTimeout(t);
    }
    for (const pid of this.survivors()) process.kill(pid, 'SIGKILL'); // never expected; our own children only
  }
}

// ---------------------------------------------------------------- database observations

interface Counts {
  states: Record<string, number>;
  closeRuns: number;
  atRest: number;
  invoices: number;
  deliveries: Record<string, number>;
}

async function counts(db: Db, period: string): Promise<Counts> {
  const [stateRows, inv, del] = await Promise.all([
    db('close_runs').where({ period }).groupBy('state').select('state').count({ n: '*' }),
    db('invoices').where({ period, kind: 'invoice' }).count({ n: '*' }).first(),
    db('notification_deliveries').where({ period }).groupBy('status').select('status').count({ n: '*' }),
  ]);
  const states: Record<string, number> = {};
  for (const r of stateRows as unknown as { state: string; n: string }[]) states[r.state] = Number(r.n);
  const deliveries: Record<string, number> = {};
  for (const r of del as unknown as { status: string; n: string }[]) deliveries[r.status] = Number(r.n);
  const closeRuns = Object.values(states).reduce((s, n) => s + n, 0);
  return { states, closeRuns, atRest: closeRuns - (states.running ?? 0), invoices: Number((inv as { n: string } | undefined)?.n ?? 0), deliveries };
}

function countsLine(c: Counts, total: number): string {
  const st = Object.entries(c.states)
    .sort()
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  const dl = Object.entries(c.deliveries)
    .sort()
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return `closes ${c.closeRuns}/${total} [${st || 'none yet'}], at rest ${c.atRest}, invoices ${c.invoices}, deliveries [${dl || 'none'}]`;
}

async function queryProgress(client: Client, workflowId: string): Promise<MonthlyProgress | null> {
  return Promise.race([
    client.workflow.getHandle(workflowId).query(progressQuery).catch(() => null),
    sleep(1500).then(() => null),
  ]);
}

async function runningWorkflows(client: Client, period: string): Promise<number> {
  return (await client.workflow.count(`BillingPeriod = "${period}" AND ExecutionStatus = "Running"`)).count;
}

// ---------------------------------------------------------------- the drill

interface KillRecord {
  n: number;
  phase: 'drafting' | 'finalising';
  trigger: string;
  atSeconds: number;
  pid: number;
  workerGeneration: number;
  atRest: number;
  invoices: number;
  deliveriesDelivered: number;
  restartedReadyAtSeconds: number;
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const config: AppConfig = { ...loadConfig(), maxConcurrentCloses: opts.maxConcurrent };
  const approver = config.financeApprovers.includes(FINANCE_APPROVER) ? FINANCE_APPROVER : config.financeApprovers[0]!;
  const period = opts.period;
  const deadline = T0 + opts.timeoutMinutes * 60_000;
  const kills: KillRecord[] = [];
  const phaseSeconds: Record<string, number> = {};

  // 1. Services, schema, data, subscribers, catchers --------------------------------------
  // Cleanups run in reverse order; the Temporal client closes last, after the server is gone, so a
  // long poll still pending (the monthly close's result on Ctrl-C) is not retried on a closed channel.
  let closeClient: (() => Promise<void>) | null = null;
  onCleanup('Temporal client', () => closeClient?.());
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-crash-'));
  onCleanup('temp dir', () => {
    if (opts.keepDir) say(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  });
  say(`temp dir ${tmp}; starting PostgreSQL and the Temporal dev server …`);
  const services = await startEmbeddedServices({ dataDir: tmp, withUi: false });
  keepOnlyOurStopHandlers();
  onCleanup('services', () => services.stop());
  const db = createDb(services.endpoints.databaseUrl, { min: 0, max: 10 });
  onCleanup('database pool', () => db.destroy());
  await migrate(db);

  say(`generating ${opts.customers} customers for ${period} and importing them through the CSV importers …`);
  const files = await writeDemoData(path.join(tmp, 'input'), { customers: opts.customers, period });
  for (const [what, run] of [
    ['prices', () => importPrices(db, files.pricesCsv)],
    ['partners', () => importPartners(db, files.partnersCsv)],
    ['customers', () => importCustomers(db, files.customersCsv)],
    ['usage', () => importUsage(db, files.usageCsv)],
  ] as const) {
    const report = await run();
    say(`import ${what}: ${formatReport(report).split('\n')[0]}`);
  }
  const mailDir = path.join(tmp, 'mail');
  const hookDir = path.join(tmp, 'webhooks');
  const mail = await startMailCatcher(mailDir);
  onCleanup('mail catcher', () => mail.close());
  const hooks = await startWebhookCatcher(hookDir);
  onCleanup('webhook catcher', () => hooks.close());
  await seedSubscribers(db, hooks.url, config.seller.email);

  const customersDue = Number(
    ((await db('customers').where('monthly_billing_from', '<=', lastDayOf(period)).count({ n: '*' }).first()) as { n: string }).n,
  );
  const expectedBillable = opts.customers - files.expected.badMasterData.length - files.expected.nothingToBill.length;
  say(`${customersDue} customers due; expected: ${expectedBillable} invoices, failed on master data ${files.expected.badMasterData.join(',')}, nothing to bill ${files.expected.nothingToBill.join(',')}`);

  say('bundling the workflow code once for every worker child …');
  const bundle = await bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, '../workflows/index.ts'), logger: quietLogger });
  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  const connected = await connectClient(services.endpoints);
  const client = connected.client;
  closeClient = connected.close;

  // 2. The worker as a child process ----------------------------------------------------------
  const workers = new WorkerSupervisor({
    temporalAddress: services.endpoints.temporalAddress,
    namespace: services.endpoints.namespace,
    taskQueue: config.taskQueue,
    databaseUrl: services.endpoints.databaseUrl,
    smtpPort: mail.port,
    smtpFrom: config.seller.email,
    workflowBundlePath: bundlePath,
    maxConcurrentActivityTaskExecutions: 40,
    config,
  });
  onCleanup('worker child', () => workers.stop(!interrupted));
  let w = await workers.launch();
  say(`worker child #${w.generation} (pid ${w.child.pid}) ready`);

  const killAndRestart = async (phase: KillRecord['phase'], trigger: string): Promise<void> => {
    const c = await counts(db, period);
    const generation = workers.current!.generation;
    const at = Date.now();
    const pid = await workers.kill();
    say(`KILL #${kills.length + 1} (${phase}, ${trigger}): SIGKILL worker child #${generation} pid ${pid}; ${countsLine(c, opts.customers)}`);
    await sleep(2000);
    w = await workers.launch();
    say(`worker child #${w.generation} (pid ${w.child.pid}) ready, ${((Date.now() - at) / 1000).toFixed(1)} s after the kill`);
    kills.push({
      n: kills.length + 1,
      phase,
      trigger,
      atSeconds: secs(at),
      pid,
      workerGeneration: generation,
      atRest: c.atRest,
      invoices: c.invoices,
      deliveriesDelivered: c.deliveries.delivered ?? 0,
      restartedReadyAtSeconds: secs(),
    });
  };

  // 3a. Drafting: the monthly close, killed at K-1 points ---------------------------------------
  const draftKills = Math.max(0, opts.kills - 1);
  const finalKills = opts.kills > 0 ? 1 : 0;
  const jitter = () => (Math.random() - 0.5) * 0.06;
  const draftFractions = Array.from({ length: draftKills }, (_, i) => (draftKills === 1 ? 0.4 : 0.2 + (0.4 * i) / (draftKills - 1)) + jitter()).map(
    (f) => Math.min(0.95, Math.max(0.05, f)),
  );
  const finalFraction = Math.min(0.95, Math.max(0.05, 0.3 + jitter()));
  say(
    `kill plan: drafting at ${draftFractions.map((f) => `${(f * 100).toFixed(0)} %`).join(', ') || 'no point'} of customers at rest; ` +
      `finalising ${finalKills ? `at ${(finalFraction * 100).toFixed(0)} % of invoices issued` : 'no kill'}`,
  );

  const settings = closeSettings(config);
  const closeStarted = Date.now();
  const { handle, outcome } = await startMonthlyClose(client, settings, period);
  say(`monthly close ${handle.workflowId} ${outcome} (maxConcurrent ${settings.maxConcurrent})`);
  let monthly: { done: boolean; result: MonthlyProgress | null; error: Error | null } = { done: false, result: null, error: null };
  void handle.result().then(
    (result) => void (monthly = { done: true, result, error: null }),
    (error: Error) => void (monthly = { done: true, result: null, error }),
  );
  let lastProgress = 0;
  for (;;) {
    if (interrupted) return 130;
    const c = await counts(db, period);
    const next = draftFractions[0];
    if (next !== undefined && c.atRest >= next * opts.customers && !monthly.done) {
      draftFractions.shift();
      await killAndRestart('drafting', `${c.atRest}/${opts.customers} customers at rest (target ${(next * 100).toFixed(0)} %)`);
      continue;
    }
    if (monthly.done) break;
    if (Date.now() - lastProgress > PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      const p = workers.alive() ? await queryProgress(client, handle.workflowId) : null;
      say(`drafting: ${countsLine(c, opts.customers)}${p ? `; monthly close run ${p.runs}: ${p.started} started, ${p.inFlight} working` : ''}`);
    }
    if (Date.now() > deadline) return await timedOut(db, client, period, 'the monthly close (drafting)', opts, kills);
    await sleep(POLL_MS);
  }
  if (monthly.error) throw new Error(`the monthly close workflow failed: ${monthly.error.message}`);
  phaseSeconds.drafting = Math.round((Date.now() - closeStarted) / 100) / 10;
  const skippedDraftKills = draftFractions.length;
  say(`monthly close complete after ${phaseSeconds.drafting} s: ${JSON.stringify(monthly.result)}${skippedDraftKills ? `; ${skippedDraftKills} drafting kill(s) not reached` : ''}`);

  // 3b. Approve everything; kill once while invoices are being issued ---------------------------
  const approveStarted = Date.now();
  const approvals = { live: 0, approved: 0, duplicate: 0, refused: 0, rounds: 0, errors: 0, done: false, lastError: null as string | null };
  const approveLoop = async () => {
    for (let round = 1; round <= 30 && !interrupted; round++) {
      const waiting = await waitingDrafts(db, period);
      if (waiting.length === 0) break;
      approvals.rounds = round;
      say(`approval round ${round}: approving ${waiting.length} waiting drafts as ${approver} …`);
      try {
        const before = approvals.live;
        const decisions = await approveAllWaiting(db, client, period, approver, { includeFlagged: true, onProgress: (done) => void (approvals.live = before + done) });
        approvals.live = before + decisions.length;
        for (const d of decisions) {
          if (d.outcome === 'approved') approvals.approved += 1;
          else if (d.outcome === 'refused') approvals.refused += 1;
          else approvals.duplicate += 1;
        }
      } catch (err) {
        approvals.errors += 1;
        approvals.lastError = (err as Error).message;
        say(`approval round ${round} stopped: ${(err as Error).message}; trying again`);
      }
      await sleep(2000); // approved drafts leave `awaiting_approval` once their decision is recorded
    }
    approvals.done = true;
  };
  const approving = approveLoop().catch((err: Error) => {
    approvals.done = true;
    approvals.lastError = err.message;
  });

  let finalKillsLeft = finalKills;
  lastProgress = 0;
  for (;;) {
    if (interrupted) return 130;
    const c = await counts(db, period);
    if (finalKillsLeft > 0 && c.invoices >= finalFraction * expectedBillable) {
      finalKillsLeft -= 1;
      await killAndRestart('finalising', `${c.invoices}/${expectedBillable} invoices issued (target ${(finalFraction * 100).toFixed(0)} %)`);
      continue;
    }
    const unsettled = (c.states.running ?? 0) + (c.states.awaiting_approval ?? 0) + (c.states.rejected ?? 0);
    const dbSettled = c.closeRuns === opts.customers && unsettled === 0 && (c.deliveries.pending ?? 0) === 0 && approvals.done;
    if (dbSettled && finalKillsLeft === 0 && (await runningWorkflows(client, period)) === 0) {
      // Settled in the database and no close workflow left running (the last notices sent).
      const again = await counts(db, period);
      if ((again.deliveries.pending ?? 0) === 0) break;
    }
    if (dbSettled && finalKillsLeft > 0) {
      say('every invoice was issued before the finalising kill point was reached');
      finalKillsLeft = 0;
    }
    if (Date.now() - lastProgress > PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      say(`finalising: ${countsLine(c, opts.customers)}; approvals answered ${approvals.live}${approvals.done ? ' (done)' : ''}`);
    }
    if (Date.now() > deadline) return await timedOut(db, client, period, 'finalisation and notifications', opts, kills);
    await sleep(POLL_MS);
  }
  await approving;
  phaseSeconds.finalising = Math.round((Date.now() - approveStarted) / 100) / 10;
  say(`every customer at rest and every notice delivered ${phaseSeconds.finalising} s after the approvals began`);

  // 5. Verify --------------------------------------------------------------------------------
  const v = await verify({ db, client, period, config, files, expectedBillable, customers: opts.customers, mailDir, hookDir });
  const killedPids = new Set(kills.map((k) => k.pid));
  const survivors = workers.survivors().filter((pid) => pid !== workers.current?.pid);
  v.checks.push({
    name: 'every killed worker process is gone',
    ok: survivors.length === 0 && kills.every((k) => !processAlive(k.pid)),
    detail: `killed pids ${[...killedPids].join(', ') || 'none'}; still running besides the current worker: ${survivors.join(', ') || 'none'}`,
  });
  say('reading every close workflow history for what the kills interrupted …');
  const hit = await scanHistories(client, period);
  v.checks.push({
    name: 'the kills hit work in flight',
    ok: kills.length === 0 || hit.activityRetriesAfterTimeout + hit.workflowTaskTimeouts > 0,
    detail: `${hit.activityRetriesAfterTimeout} activity attempts timed out and were retried, ${hit.workflowTaskTimeouts} workflow tasks timed out (${hit.executions} executions read)`,
  });
  const wallSeconds = secs();
  const ok = v.checks.every((c) => c.ok);
  const result = {
    ok,
    customers: opts.customers,
    customersDue,
    period,
    maxConcurrent: opts.maxConcurrent,
    expectedBillable,
    ...v.numbers,
    killsRequested: opts.kills,
    kills,
    approvals: { approved: approvals.approved, duplicate: approvals.duplicate, refused: approvals.refused, rounds: approvals.rounds, errors: approvals.errors },
    phaseSeconds,
    wallSeconds,
    interrupted: hit,
    activityFailuresLogged: Object.fromEntries([...activityFailures].sort((a, b) => b[1] - a[1])),
    failedChecks: v.checks.filter((c) => !c.ok).map((c) => c.name),
  };
  printSummary(result, v.checks, kills);
  process.stdout.write(`CRASH_RESULT ${JSON.stringify(result)}\n`);
  return ok ? 0 : 1;
}

// ---------------------------------------------------------------- verification

interface VerifyInput {
  db: Db;
  client: Client;
  period: string;
  config: AppConfig;
  files: Awaited<ReturnType<typeof writeDemoData>>;
  expectedBillable: number;
  customers: number;
  mailDir: string;
  hookDir: string;
}

async function verify(input: VerifyInput): Promise<{ checks: Check[]; numbers: Record<string, unknown> }> {
  const { db, client, period, config, files, expectedBillable } = input;
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

  // Close states.
  const runs = (await db('close_runs').where({ period }).select('customer_id', 'state', 'invoice_id', 'reason')) as {
    customer_id: string;
    state: string;
    invoice_id: number | null;
    reason: string | null;
  }[];
  const byState = (s: string) => runs.filter((r) => r.state === s).map((r) => r.customer_id);
  const final = byState('final');
  const failed = byState('failed');
  const nothing = byState('nothing_to_bill');
  const other = runs.filter((r) => !['final', 'failed', 'nothing_to_bill'].includes(r.state));
  check('every customer has a close', runs.length === input.customers, `${runs.length} close_runs for ${input.customers} customers`);
  check('customers final == expected billable', final.length === expectedBillable, `${final.length} final, ${expectedBillable} expected`);
  check('failed are exactly the bad-master-data customers', sameSet(failed, files.expected.badMasterData), `failed ${failed.join(',') || 'none'}; expected ${files.expected.badMasterData.join(',')}${failed.length ? ` (${runs.find((r) => r.state === 'failed')?.reason})` : ''}`);
  check('nothing to bill are exactly the expected ones', sameSet(nothing, files.expected.nothingToBill), `nothing_to_bill ${nothing.join(',') || 'none'}; expected ${files.expected.nothingToBill.join(',')}`);
  check('no close left unsettled', other.length === 0, other.length ? other.slice(0, 10).map((r) => `${r.customer_id}:${r.state}`).join(', ') : 'none');

  // Invoices: one per customer, gapless numbers.
  const invoices = (await db('invoices').where({ period, kind: 'invoice' }).orderBy('number').select('id', 'customer_id', 'series', 'number', 'draft_id')) as {
    id: number;
    customer_id: string;
    series: string;
    number: string | number;
    draft_id: number;
  }[];
  const allInvoices = (await db('invoices').orderBy('number').select('series', 'number')) as { series: string; number: string | number }[];
  check('invoices == customers final', invoices.length === final.length, `${invoices.length} invoices, ${final.length} final`);
  const perCustomer = new Map<string, number>();
  for (const i of invoices) perCustomer.set(i.customer_id, (perCustomer.get(i.customer_id) ?? 0) + 1);
  const dupCustomers = [...perCustomer].filter(([, n]) => n > 1);
  check('one invoice per customer', dupCustomers.length === 0, dupCustomers.length ? `duplicates: ${dupCustomers.map(([c, n]) => `${c}×${n}`).join(', ')}` : `${perCustomer.size} customers, no duplicate`);
  const finalSet = new Set(final);
  const invoicedNotFinal = [...perCustomer.keys()].filter((c) => !finalSet.has(c));
  const finalNotInvoiced = final.filter((c) => !perCustomer.has(c));
  check('invoiced customers are exactly the final ones', invoicedNotFinal.length === 0 && finalNotInvoiced.length === 0, `invoiced but not final: ${invoicedNotFinal.join(',') || 'none'}; final without invoice: ${finalNotInvoiced.join(',') || 'none'}`);
  const invoiceIds = new Map(invoices.map((i) => [Number(i.id), i.customer_id]));
  const badLinks = runs.filter((r) => r.state === 'final' && invoiceIds.get(Number(r.invoice_id)) !== r.customer_id);
  check('every final close points at its own invoice', badLinks.length === 0, badLinks.length ? badLinks.slice(0, 10).map((r) => `${r.customer_id}→${r.invoice_id}`).join(', ') : 'all linked');
  const numbers = allInvoices.map((i) => Number(i.number));
  const series = [...new Set(allInvoices.map((i) => i.series))];
  const gaps: string[] = [];
  for (let i = 1; i < numbers.length; i++) if (numbers[i] !== numbers[i - 1]! + 1) gaps.push(`${numbers[i - 1]}→${numbers[i]}`);
  const first = numbers[0] ?? null;
  const last = numbers[numbers.length - 1] ?? null;
  const counter = (await db('invoice_number_series').where({ series: config.invoiceSeries }).first('next_number')) as { next_number: string } | undefined;
  check(
    'invoice numbers contiguous, no gap',
    gaps.length === 0 && series.length <= 1 && (first === null || first === config.firstInvoiceNumber) && (last === null || Number(counter?.next_number) === last + 1),
    `${config.invoiceSeries}${first}…${config.invoiceSeries}${last} (${numbers.length} numbers, series ${series.join(',')}), next number ${counter?.next_number}${gaps.length ? `; gaps: ${gaps.slice(0, 10).join(', ')}` : ''}`,
  );

  // Drafts: one version per customer (a crash must not make a second draft).
  const draftRows = (await db('drafts').where({ period }).groupBy('customer_id').select('customer_id').count({ n: '*' })) as unknown as { customer_id: string; n: string }[];
  const multiDraft = draftRows.filter((r) => Number(r.n) > 1);
  const draftsTotal = draftRows.reduce((s, r) => s + Number(r.n), 0);
  check('one draft per customer', multiDraft.length === 0, multiDraft.length ? multiDraft.slice(0, 10).map((r) => `${r.customer_id}×${r.n}`).join(', ') : `${draftsTotal} drafts`);

  // Notification deliveries: one row per (subject, subscriber, event), each delivered.
  const deliveries = (await db('notification_deliveries as d')
    .join('subscribers as s', 's.id', 'd.subscriber_id')
    .where('d.period', period)
    .select('d.id', 'd.subject_key', 'd.subscriber_id', 'd.event', 'd.status', 'd.idempotency_key', 'd.attempts', 'd.customer_id', 's.channel', 's.role')) as {
    id: number;
    subject_key: string;
    subscriber_id: number;
    event: string;
    status: string;
    idempotency_key: string;
    attempts: number;
    customer_id: string;
    channel: 'email' | 'webhook';
    role: string;
  }[];
  const tripleCount = new Map<string, number>();
  for (const d of deliveries) tripleCount.set(`${d.subject_key}|${d.subscriber_id}|${d.event}`, (tripleCount.get(`${d.subject_key}|${d.subscriber_id}|${d.event}`) ?? 0) + 1);
  const dupTriples = [...tripleCount].filter(([, n]) => n > 1);
  check('one delivery row per (subject, subscriber, event)', dupTriples.length === 0, dupTriples.length ? dupTriples.slice(0, 5).map(([k, n]) => `${k}×${n}`).join(', ') : `${deliveries.length} rows`);
  const notDelivered = deliveries.filter((d) => d.status !== 'delivered');
  check('every delivery delivered', notDelivered.length === 0, notDelivered.length ? `${notDelivered.length} not delivered, e.g. ${notDelivered.slice(0, 5).map((d) => `${d.id}:${d.status}`).join(', ')}` : `${deliveries.length} delivered`);

  // Expected rows: draft_ready to finance per draft; invoice_final to the customer's billing
  // e-mail, the finance subscribers and the partner's webhook subscribers per invoice.
  const financeDraft = Number(((await db('subscribers').where({ role: 'finance', active: true }).whereNull('customer_id').whereRaw(`'draft_ready' = ANY(events)`).count({ n: '*' }).first()) as { n: string }).n);
  const financeFinal = Number(((await db('subscribers').where({ role: 'finance', active: true }).whereNull('customer_id').whereRaw(`'invoice_final' = ANY(events)`).count({ n: '*' }).first()) as { n: string }).n);
  const partnerSubs = new Map<string, number>();
  for (const r of (await db('subscribers').where({ role: 'partner', active: true }).whereRaw(`'invoice_final' = ANY(events)`).groupBy('partner_id').select('partner_id').count({ n: '*' })) as unknown as { partner_id: string; n: string }[]) {
    partnerSubs.set(r.partner_id, Number(r.n));
  }
  const customerRows = (await db('customers').whereIn('customer_id', final).select('customer_id', 'partner_id', 'billing_email')) as { customer_id: string; partner_id: string | null; billing_email: string | null }[];
  let expectedFinal = 0;
  const expectedPer = new Map<string, number>();
  for (const c of customerRows) {
    const n = (c.billing_email ? 1 : 0) + financeFinal + (c.partner_id ? partnerSubs.get(c.partner_id) ?? 0 : 0);
    expectedPer.set(c.customer_id, n);
    expectedFinal += n;
  }
  const finalRowsPer = new Map<string, number>();
  for (const d of deliveries) if (d.event === 'invoice_final') finalRowsPer.set(d.customer_id, (finalRowsPer.get(d.customer_id) ?? 0) + 1);
  const wrongFinal = [...expectedPer].filter(([c, n]) => (finalRowsPer.get(c) ?? 0) !== n);
  const draftReadyRows = deliveries.filter((d) => d.event === 'draft_ready').length;
  const reminderRows = deliveries.filter((d) => d.event.startsWith('draft_reminder:')).length;
  check(
    'invoice_final rows: every subscriber of every invoice',
    wrongFinal.length === 0 && finalRowsPer.size === final.length,
    `${deliveries.length - draftReadyRows - reminderRows} rows, ${expectedFinal} expected${wrongFinal.length ? `; wrong for ${wrongFinal.slice(0, 5).map(([c, n]) => `${c} (${finalRowsPer.get(c) ?? 0}/${n})`).join(', ')}` : ''}`,
  );
  check('draft_ready rows: finance told of every draft', draftReadyRows === draftsTotal * financeDraft, `${draftReadyRows} rows, ${draftsTotal * financeDraft} expected; ${reminderRows} reminder rows`);

  // What the receivers got: every delivery's key at least once; repeats counted apart.
  const mails = readMailCatcher(input.mailDir);
  const hooks = readWebhookCatcher(input.hookDir);
  const emailKeys = new Set(deliveries.filter((d) => d.channel === 'email').map((d) => d.idempotency_key));
  const hookKeys = new Set(deliveries.filter((d) => d.channel === 'webhook').map((d) => d.idempotency_key));
  const missingMail = [...emailKeys].filter((k) => !mails.byKey.has(k));
  const unknownMail = [...mails.byKey.keys()].filter((k) => !emailKeys.has(k));
  check(
    'e-mail: every e-mail delivery received (by X-Idempotency-Key)',
    missingMail.length === 0 && unknownMail.length === 0 && mails.withoutKey === 0,
    `${mails.files} .eml files, ${mails.byKey.size} distinct keys, ${emailKeys.size} e-mail deliveries; missing ${missingMail.length}, unknown ${unknownMail.length}, without key ${mails.withoutKey}`,
  );
  check('e-mail: Message-ID derived from the idempotency key', mails.badMessageIds === 0, `${mails.badMessageIds} messages whose Message-ID is not emailMessageId(key); ${mails.distinctMessageIds} distinct Message-IDs`);
  const missingHooks = [...hookKeys].filter((k) => !hooks.byKey.has(k));
  const unknownHooks = [...hooks.byKey.keys()].filter((k) => !hookKeys.has(k));
  check(
    'webhooks: every webhook delivery received (by Idempotency-Key)',
    missingHooks.length === 0 && unknownHooks.length === 0 && hooks.withoutKey === 0,
    `${hooks.files} POSTs, ${hooks.byKey.size} distinct keys, ${hookKeys.size} webhook deliveries; missing ${missingHooks.length}, unknown ${unknownHooks.length}`,
  );
  const mailDuplicates = mails.files - mails.byKey.size - mails.withoutKey;
  const hookDuplicates = hooks.files - hooks.byKey.size - hooks.withoutKey;

  // Temporal: every close workflow closed; only the bad-master-data ones failed.
  const countWf = async (q: string) => (await client.workflow.count(`WorkflowType = "customerClose" AND BillingPeriod = "${period}" AND ${q}`)).count;
  const wf = {
    completed: await countWf('ExecutionStatus = "Completed"'),
    failed: await countWf('ExecutionStatus = "Failed"'),
    running: await countWf('ExecutionStatus = "Running"'),
    other: await countWf('ExecutionStatus != "Completed" AND ExecutionStatus != "Failed" AND ExecutionStatus != "Running"'),
  };
  check(
    'Temporal: every customer close closed, only bad master data failed',
    wf.running === 0 && wf.other === 0 && wf.failed === files.expected.badMasterData.length && wf.completed + wf.failed === input.customers,
    `customerClose executions: ${wf.completed} completed, ${wf.failed} failed, ${wf.running} running, ${wf.other} terminated/timed out/cancelled`,
  );

  const attempts = Number(((await db('notification_attempts').count({ n: '*' }).first()) as { n: string }).n);
  const retriedDeliveries = deliveries.filter((d) => d.attempts > 1).length;
  return {
    checks,
    numbers: {
      final: final.length,
      failed: failed.length,
      nothingToBill: nothing.length,
      invoices: invoices.length,
      duplicateInvoiceCustomers: dupCustomers.length,
      invoiceNumbers: first === null ? null : `${config.invoiceSeries}${first}-${config.invoiceSeries}${last}`,
      numberGaps: gaps.length,
      drafts: draftsTotal,
      deliveries: deliveries.length,
      deliveriesDelivered: deliveries.length - notDelivered.length,
      deliveryAttempts: attempts,
      deliveriesRetried: retriedDeliveries,
      email: { deliveries: emailKeys.size, emlFiles: mails.files, distinctKeys: mails.byKey.size, missing: missingMail.length, duplicates: mailDuplicates },
      webhook: { deliveries: hookKeys.size, posts: hooks.files, distinctKeys: hooks.byKey.size, missing: missingHooks.length, duplicates: hookDuplicates },
      workflows: wf,
    },
  };
}

function headerValue(head: string, name: string): string | null {
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return m ? m[1]!.trim() : null;
}

function readMailCatcher(dir: string) {
  const byKey = new Map<string, number>();
  const messageIds = new Set<string>();
  let files = 0;
  let withoutKey = 0;
  let badMessageIds = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.eml'))) {
    files += 1;
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const end = text.search(/\r?\n\r?\n/);
    const head = end >= 0 ? text.slice(0, end) : text;
    const key = headerValue(head, 'X-Idempotency-Key');
    const messageId = headerValue(head, 'Message-ID');
    if (messageId) messageIds.add(messageId);
    if (!key) {
      withoutKey += 1;
      continue;
    }
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
    if (messageId !== emailMessageId(key)) badMessageIds += 1;
  }
  return { files, byKey, withoutKey, badMessageIds, distinctMessageIds: messageIds.size };
}

function readWebhookCatcher(dir: string) {
  const byKey = new Map<string, number>();
  let files = 0;
  let withoutKey = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    files += 1;
    const record = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { headers: Record<string, string | undefined> };
    const key = record.headers['idempotency-key'];
    if (!key) {
      withoutKey += 1;
      continue;
    }
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  return { files, byKey, withoutKey };
}

// ---------------------------------------------------------------- what the kills interrupted

/**
 * Read every execution of the period (customer closes and the monthly close's runs) and count
 * what a dead worker left behind: activity attempts retried after a timeout (a retried attempt
 * shows as ActivityTaskStarted with attempt > 1 and the last failure) and workflow task timeouts.
 */
async function scanHistories(client: Client, period: string) {
  const { EventType, TimeoutType } = temporal.api.enums.v1;
  const executions: { workflowId: string; runId: string }[] = [];
  for await (const wf of client.workflow.list({ query: `BillingPeriod = "${period}"` })) executions.push({ workflowId: wf.workflowId, runId: wf.runId });
  const retried = new Map<string, number>();
  const wftTimeouts = new Map<string, number>();
  let activityRetriesAfterTimeout = 0;
  let workflowTaskTimeouts = 0;
  let workflowTaskFailures = 0;
  const samples: string[] = [];
  const wftFailureSamples: string[] = [];
  let next = 0;
  const readNext = async (): Promise<void> => {
    while (next < executions.length) {
      const e = executions[next++]!;
      const history = await client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
      const scheduled = new Map<string, string>();
      for (const ev of history.events ?? []) {
        const id = String(ev.eventId);
        if (ev.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
          scheduled.set(id, ev.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
        } else if (ev.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
          const a = ev.activityTaskStartedEventAttributes;
          if (a && (a.attempt ?? 1) > 1) {
            const type = scheduled.get(String(a.scheduledEventId)) ?? '?';
            const timeout = !!a.lastFailure?.timeoutFailureInfo;
            if (timeout) activityRetriesAfterTimeout += 1;
            const key = `${type} (${timeout ? 'timed out' : (a.lastFailure?.message ?? 'failed').replace(/\d{2,}/g, 'N').slice(0, 100)}), attempt ${a.attempt}`;
            retried.set(key, (retried.get(key) ?? 0) + 1);
            if (samples.length < 5 && timeout) samples.push(`${e.workflowId}: ${type} attempt ${a.attempt} after "${a.lastFailure?.message}"`);
          }
        } else if (ev.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
          workflowTaskTimeouts += 1;
          const t = TimeoutType[ev.workflowTaskTimedOutEventAttributes?.timeoutType ?? 0] ?? '?';
          wftTimeouts.set(t, (wftTimeouts.get(t) ?? 0) + 1);
        } else if (ev.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
          workflowTaskFailures += 1;
          const f = ev.workflowTaskFailedEventAttributes;
          const cause = temporal.api.enums.v1.WorkflowTaskFailedCause[f?.cause ?? 0] ?? '?';
          if (wftFailureSamples.length < 5) wftFailureSamples.push(`${e.workflowId}: workflow task failed, ${cause}${f?.failure?.message ? ` (${f.failure.message.slice(0, 120)})` : ''}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, readNext));
  const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
  return {
    executions: executions.length,
    activityRetriesAfterTimeout,
    retriedActivities: sorted(retried),
    workflowTaskTimeouts,
    workflowTaskTimeoutsByType: sorted(wftTimeouts),
    workflowTaskFailures,
    samples: [...samples, ...wftFailureSamples],
  };
}

// ---------------------------------------------------------------- diagnostics on a timeout

async function timedOut(db: Db, client: Client, period: string, what: string, opts: Options, kills: KillRecord[]): Promise<number> {
  const c = await counts(db, period);
  say(`TIMEOUT after ${opts.timeoutMinutes} min waiting for ${what}: ${countsLine(c, opts.customers)}`);
  const stuck = (await db('close_runs').where({ period }).whereIn('state', ['running', 'awaiting_approval', 'rejected']).orderBy('customer_id').limit(5).select('customer_id', 'state', 'updated_at')) as {
    customer_id: string;
    state: string;
    updated_at: Date;
  }[];
  const pendingDeliveries = (await db('notification_deliveries').where({ period, status: 'pending' }).limit(5).select('id', 'customer_id', 'event', 'attempts', 'last_error')) as unknown[];
  const lines: string[] = ['', `TIMEOUT: ${what} did not finish within ${opts.timeoutMinutes} min`, `  ${countsLine(c, opts.customers)}`];
  for (const s of stuck) {
    const id = closeWorkflowId(period, s.customer_id);
    lines.push(`  ${s.customer_id}: close_runs.state=${s.state} since ${s.updated_at.toISOString()} — ${await describeWorkflow(client, id)}`);
  }
  for (const d of pendingDeliveries) lines.push(`  pending delivery ${JSON.stringify(d)}`);
  process.stdout.write(lines.join('\n') + '\n');
  const result = { ok: false, timeout: what, customers: opts.customers, period, kills, wallSeconds: secs(), counts: c, stuck: stuck.map((s) => s.customer_id) };
  process.stdout.write(`CRASH_RESULT ${JSON.stringify(result)}\n`);
  return 1;
}

async function describeWorkflow(client: Client, workflowId: string): Promise<string> {
  try {
    const handle = client.workflow.getHandle(workflowId);
    const d = await handle.describe();
    const pending = (d.raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} attempt ${a.attempt}${a.lastFailure?.message ? ` (${a.lastFailure.message})` : ''}`);
    const history = await handle.fetchHistory();
    const tail = (history.events ?? []).slice(-6).map((e) => `${e.eventId}:${eventTypeName(e.eventType)}`);
    return `workflow ${d.status.name}, pending activities [${pending.join('; ')}], last events [${tail.join(', ')}]`;
  } catch (err) {
    return `workflow ${workflowId}: ${(err as Error).message}`;
  }
}

function eventTypeName(t: unknown): string {
  return typeof t === 'number' ? String(t) : String(t ?? '?');
}

// ---------------------------------------------------------------- helpers

async function seedSubscribers(db: Db, webhookUrl: string, financeEmail: string): Promise<void> {
  // As run-demo: finance by e-mail for drafts and invoices; each partner by signed webhook.
  await db('subscribers').insert({ role: 'finance', channel: 'email', address: financeEmail, events: ['draft_ready', 'invoice_final'] }).onConflict().ignore();
  const partners = await db('partners').select('partner_id');
  for (const p of partners) {
    await db('subscribers')
      .insert({ partner_id: p.partner_id, role: 'partner', channel: 'webhook', address: `${webhookUrl}/${p.partner_id}`, secret: `demo-secret-${p.partner_id}`, events: ['invoice_final'] })
      .onConflict()
      .ignore();
  }
}

function lastDayOf(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m, 0));
  return d.toISOString().slice(0, 10);
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => say(message),
  error: (message: string) => say(message),
};

function printSummary(result: Record<string, any>, checks: Check[], kills: KillRecord[]): void {
  const lines = [
    '',
    `Crash drill: SIGKILL the worker during the monthly close of ${result.customers} customers (${result.period})`,
    '',
    `Kills: ${kills.length} of ${result.killsRequested} planned`,
    ...kills.map(
      (k) =>
        `  #${k.n} at +${k.atSeconds.toFixed(1)} s, ${k.phase}: ${k.trigger}; killed worker #${k.workerGeneration} (pid ${k.pid}); ` +
        `${k.atRest} at rest, ${k.invoices} invoices, ${k.deliveriesDelivered} notices delivered; new worker ready at +${k.restartedReadyAtSeconds.toFixed(1)} s`,
    ),
    '',
    `Outcome: ${result.final} final, ${result.failed} failed (bad master data), ${result.nothingToBill} nothing to bill; ` +
      `${result.invoices} invoices (${result.expectedBillable} expected), numbers ${result.invoiceNumbers}, ${result.numberGaps} gaps, ${result.duplicateInvoiceCustomers} customers invoiced twice`,
    `Approvals: ${result.approvals.approved} approved as a configured approver in ${result.approvals.rounds} round(s), ${result.approvals.duplicate} duplicates, ${result.approvals.refused} refused, ${result.approvals.errors} interrupted rounds`,
    `Notifications: ${result.deliveries} delivery rows, ${result.deliveriesDelivered} delivered, ${result.deliveryAttempts} attempts (${result.deliveriesRetried} deliveries needed more than one)`,
    `  e-mail:   ${result.email.deliveries} deliveries, ${result.email.emlFiles} .eml files received, ${result.email.distinctKeys} distinct X-Idempotency-Keys, ${result.email.missing} missing, ${result.email.duplicates} duplicate copies`,
    `  webhooks: ${result.webhook.deliveries} deliveries, ${result.webhook.posts} POSTs received, ${result.webhook.distinctKeys} distinct Idempotency-Keys, ${result.webhook.missing} missing, ${result.webhook.duplicates} duplicate copies`,
    `  Duplicate copies are possible by design: a worker killed between the receiver's acceptance (SMTP 250 / HTTP 2xx)`,
    `  and the database update resends the same message under the same idempotency key (and, for e-mail, the same`,
    `  Message-ID), which the receiver can dedupe. What must not happen is a missing key or two rows for one notice.`,
    `Temporal: customerClose ${result.workflows.completed} completed, ${result.workflows.failed} failed, ${result.workflows.running} running, ${result.workflows.other} other`,
    `What the kills interrupted (from ${result.interrupted.executions} workflow histories):`,
    `  ${result.interrupted.activityRetriesAfterTimeout} activity attempts lost with their worker and retried after their start-to-close timeout:`,
    ...Object.entries(result.interrupted.retriedActivities as Record<string, number>).map(([k, n]) => `    ${String(n).padStart(4)}× ${k}`),
    `  ${result.interrupted.workflowTaskTimeouts} workflow tasks timed out (${Object.entries(result.interrupted.workflowTaskTimeoutsByType as Record<string, number>).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}), ${result.interrupted.workflowTaskFailures} workflow tasks failed`,
    ...(result.interrupted.samples as string[]).map((x) => `    e.g. ${x}`),
    `Activity attempts the workers logged as failed (retried by Temporal; BadMasterData is the expected one):`,
    ...(Object.keys(result.activityFailuresLogged).length
      ? Object.entries(result.activityFailuresLogged as Record<string, number>).map(([k, n]) => `  ${String(n).padStart(4)}× ${k}`)
      : ['  none']),
    `Time: drafting ${result.phaseSeconds.drafting} s, approvals to last notice ${result.phaseSeconds.finalising} s, total wall time ${result.wallSeconds} s`,
    '',
    'Checks:',
    ...checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`),
    '',
    result.ok ? 'RESULT: every customer completed exactly once despite the kills.' : `RESULT: FAILED (${result.failedChecks.join('; ')})`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main()
  .then(
    async (code) => {
      await runCleanup();
      process.exit(code);
    },
    async (err: Error) => {
      say(`error: ${err.stack ?? err.message}`);
      process.stdout.write(`CRASH_RESULT ${JSON.stringify({ ok: false, error: err.message, wallSeconds: secs() })}\n`);
      await runCleanup();
      process.exit(1);
    },
  );
