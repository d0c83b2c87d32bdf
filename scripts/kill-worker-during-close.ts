// Crash drill: SIGKILL a worker (or a server) during the monthly close of many customers, start
// it again, and prove every customer was closed exactly once.
//
//   npx tsx scripts/kill-worker-during-close.ts [--customers 1000] [--kills 3] [--workers 1]
//       [--period 2025-03] [--max-concurrent 50] [--timeout-minutes 20] [--keep-dir]
//       [--engine dev|server] [--shards 16] [--fault worker|temporal|temporal-db|billing-db]
//
// --fault says what each kill point does: 'worker' SIGKILLs the first worker process and starts
// it again; 'temporal' SIGKILLs the Temporal server and starts it again (engine 'server');
// 'temporal-db' restarts Temporal's PostgreSQL (engine 'server'); 'billing-db' restarts the
// billing PostgreSQL. The restarts of a PostgreSQL are its fast shutdown and a new start on the
// same port and data, as an operator's restart is.
//
// The sandbox (devenv/sandbox.ts) runs PostgreSQL, Temporal, the mail and webhook catchers and
// --workers worker processes on one task queue, in a temp dir; the demo's data goes in through
// the real CSV imports. Every kill goes to the same worker (the first), which is started again
// at once; the others keep working, as more machines would. With --kills K, K-1 kills come
// while drafts are made (between 20 % and 60 % of the customers at rest) and the last while
// invoices are issued (at ~30 % of them). The checks (scripts/drill/checks.ts) read outcomes
// only: the database, the catchers' folders and Temporal's view of the workflows.
//
// Progress goes to stderr; the summary to stdout, ending with `CRASH_RESULT {json}`.
// Exit code 0 only when every check holds.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { closeSettings, startMonthlyClose } from '../client/close';
import { approveAllWaiting, waitingDrafts } from '../client/drafts';
import { writeDemoData } from '../demo/demo-data';
import { importDemoData, seedDemoSubscribers } from '../demo/demo-tenant';
import { loadConfig } from '../infra/config';
import type { Db } from '../infra/db';
import { startSandbox, type Sandbox } from '../devenv/sandbox';
import { processRunning } from '../infra/pid';
import type { Engine } from '../devenv/embedded-services';
import { isStopping, onShutdown } from '../infra/shutdown';
import { DEFAULT_HISTORY_SHARDS } from '../devenv/temporal-server';
import type { WorkerPool } from '../worker/processes';
import * as checks from './drill/checks';

interface Options {
  customers: number;
  kills: number;
  workers: number;
  period: string;
  maxConcurrent: number;
  timeoutMinutes: number;
  keepDir: boolean;
  engine: Engine;
  shards: number;
  fault: Fault;
}

const USAGE =
  'usage: npx tsx scripts/kill-worker-during-close.ts [--customers 1000] [--kills 3] [--workers 1] [--period 2025-03] [--max-concurrent 50] [--timeout-minutes 20] [--keep-dir] [--engine dev|server] [--shards 16] [--fault worker|temporal|temporal-db|billing-db]';
const FAULTS = ['worker', 'temporal', 'temporal-db', 'billing-db'] as const;
type Fault = (typeof FAULTS)[number];
const FINANCE_APPROVER = 'Anna Ekonom';
const KILLED_SLOT = 0; // every kill goes to the same worker, restarted each time
const POLL_MS = 250;
const PROGRESS_EVERY_MS = 5000;
const T0 = Date.now();

const seconds = (at = Date.now()) => Math.round((at - T0) / 100) / 10;
const say = (line: string) => void process.stderr.write(`[drill +${seconds().toFixed(1).padStart(6)} s] ${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string', default: '1000' },
      kills: { type: 'string', default: '3' },
      workers: { type: 'string', default: '1' },
      period: { type: 'string', default: '2025-03' },
      'max-concurrent': { type: 'string', default: '50' },
      'timeout-minutes': { type: 'string', default: '20' },
      'keep-dir': { type: 'boolean', default: false },
      engine: { type: 'string', default: 'dev' },
      shards: { type: 'string', default: String(DEFAULT_HISTORY_SHARDS) },
      fault: { type: 'string', default: 'worker' },
      help: { type: 'boolean', default: false },
    },
  });
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(text.slice(0, 60))}`);
    return n;
  };
  if (v.engine !== 'dev' && v.engine !== 'server') throw new Error(`--engine must be dev or server, got ${JSON.stringify(v.engine!.slice(0, 20))}`);
  if (!FAULTS.includes(v.fault as Fault)) throw new Error(`--fault must be one of ${FAULTS.join(', ')}, got ${JSON.stringify(v.fault!.slice(0, 20))}`);
  if ((v.fault === 'temporal' || v.fault === 'temporal-db') && v.engine !== 'server') throw new Error(`--fault ${v.fault} needs --engine server`);
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(v.period!)) throw new Error(`--period must be YYYY-MM, got ${JSON.stringify(v.period!.slice(0, 60))}`);
  return {
    customers: int('customers', v.customers!, 10), // the demo data needs its special customers
    kills: int('kills', v.kills!, 0),
    workers: int('workers', v.workers!, 1),
    period: v.period!,
    maxConcurrent: int('max-concurrent', v['max-concurrent']!, 1),
    timeoutMinutes: int('timeout-minutes', v['timeout-minutes']!, 1),
    keepDir: v['keep-dir']!,
    engine: v.engine,
    shards: int('shards', v.shards!, 1),
    fault: v.fault as Fault,
  };
}

// ---- what the database says while it runs

interface Counts {
  closes: number;
  atRest: number;
  unsettled: number;
  invoices: number;
  pendingDeliveries: number;
}

async function counts(db: Db, period: string): Promise<Counts> {
  const states = (await db('close_runs').where({ period }).groupBy('state').select('state').count({ n: '*' })) as unknown as { state: string; n: string }[];
  const n = (s: string) => Number(states.find((r) => r.state === s)?.n ?? 0);
  const closes = states.reduce((sum, r) => sum + Number(r.n), 0);
  const one = async (q: Promise<unknown>) => Number(((await q) as { n: string } | undefined)?.n ?? 0);
  return {
    closes,
    atRest: closes - n('running'),
    unsettled: n('running') + n('awaiting_approval') + n('rejected'),
    invoices: await one(db('invoices').where({ period, kind: 'invoice' }).count({ n: '*' }).first()),
    pendingDeliveries: await one(db('notification_deliveries').where({ period, status: 'pending' }).count({ n: '*' }).first()),
  };
}

const countsLine = (c: Counts, customers: number) =>
  `closes ${c.closes}/${customers}, at rest ${c.atRest}, unsettled ${c.unsettled}, invoices ${c.invoices}, deliveries pending ${c.pendingDeliveries}`;

// ---- the kills

interface Kill {
  fault: Fault;
  phase: 'drafting' | 'finalising';
  trigger: string;
  atSeconds: number;
  /** The process killed (a worker, or the server; the PostgreSQL stopped for a restart). */
  pid: number;
  restartedAtSeconds: number;
  /** Customers not at rest when it hit: work in flight. */
  unsettled: number;
}

/** Kill points: fractions of customers at rest while drafting, of invoices issued while finalising. */
function killPlan(kills: number): { drafting: number[]; finalising: number[] } {
  const jitter = () => (Math.random() - 0.5) * 0.06;
  const clamp = (f: number) => Math.min(0.95, Math.max(0.05, f));
  const d = Math.max(0, kills - 1);
  return {
    drafting: Array.from({ length: d }, (_, i) => clamp((d === 1 ? 0.4 : 0.2 + (0.4 * i) / (d - 1)) + jitter())),
    finalising: kills > 0 ? [clamp(0.3 + jitter())] : [],
  };
}

async function killAndRestart(sandbox: Sandbox, pool: WorkerPool, fault: Fault, phase: Kill['phase'], trigger: string, unsettled: number): Promise<Kill> {
  const at = Date.now();
  const done = (pid: number, what: string): Kill => {
    say(`${what} back, ${((Date.now() - at) / 1000).toFixed(1)} s after the fault`);
    return { fault, phase, trigger, atSeconds: seconds(at), pid, restartedAtSeconds: seconds(), unsettled };
  };
  if (fault === 'worker') {
    const pid = await pool.kill(KILLED_SLOT);
    say(`KILL (${phase}, ${trigger}): SIGKILL worker pid ${pid}`);
    const again = await pool.restart(KILLED_SLOT);
    return done(pid, `worker restarted as pid ${again.pid};`);
  }
  // pids: billing PostgreSQL, Temporal, Temporal's PostgreSQL
  const which = ({ temporal: 'temporal', 'temporal-db': 'temporal-database', 'billing-db': 'database' } as const)[fault];
  const pid = sandbox.pids[{ database: 0, temporal: 1, 'temporal-database': 2 }[which]]!;
  say(`FAULT (${phase}, ${trigger}): ${fault === 'temporal' ? `SIGKILL the Temporal server pid ${pid}` : `restart ${fault === 'billing-db' ? 'the billing' : "Temporal's"} PostgreSQL pid ${pid}`}`);
  await sandbox.restart(which, fault === 'temporal' ? 'kill' : 'stop');
  return done(pid, `${which} (pid now ${sandbox.pids[{ database: 0, temporal: 1, 'temporal-database': 2 }[which]]})`);
}

// ---- the approvals finance would give

interface Approvals {
  approved: number;
  duplicate: number;
  refused: number;
  interrupted: number;
  done: boolean;
}

/** Approve every waiting draft, round after round, until none waits (a kill may cut a round short). */
async function approveEverything(db: Db, client: Client, period: string, by: string, tally: Approvals): Promise<void> {
  for (let round = 1; round <= 30 && !isStopping(); round++) {
    try {
      // Inside the try: a server restarted by the drill cuts a round short, never the drill.
      const waiting = await waitingDrafts(db, period);
      if (waiting.length === 0) break;
      say(`approval round ${round}: ${waiting.length} drafts waiting, approving as ${by}`);
      for (const d of await approveAllWaiting(db, client, period, by, { includeFlagged: true })) {
        if (d.outcome === 'approved') tally.approved += 1;
        else if (d.outcome === 'refused') tally.refused += 1;
        else tally.duplicate += 1;
      }
    } catch (err) {
      tally.interrupted += 1;
      say(`approval round ${round} interrupted: ${(err as Error).message}; trying again`);
    }
    await sleep(1000); // approved closes leave awaiting_approval once their decision is recorded
  }
  tally.done = true;
}

// ---- the drill

class DrillTimeout extends Error {}

/**
 * Call `step` every POLL_MS until it says done; past the deadline, a DrillTimeout naming `what`.
 * A step that fails (a server being restarted by the drill) is tried again at the next poll.
 */
async function pollUntil(what: string, deadline: number, step: () => Promise<boolean>): Promise<void> {
  let lastError = '';
  const attempt = () =>
    step().catch((err: Error) => {
      if (err.message !== lastError) say(`poll failed (${err.message.slice(0, 160)}); trying again`);
      lastError = err.message;
      return false;
    });
  while (!(await attempt())) {
    if (isStopping()) throw new Error('stopped by a signal');
    if (Date.now() > deadline) throw new DrillTimeout(what);
    await sleep(POLL_MS);
  }
}

async function drill(sandbox: Sandbox, opts: Options, dir: string): Promise<{ checks: checks.Check[]; kills: Kill[]; approvals: Approvals }> {
  const { db, config } = sandbox;
  const period = opts.period;
  const deadline = T0 + opts.timeoutMinutes * 60_000;
  const approver = config.financeApprovers.includes(FINANCE_APPROVER) ? FINANCE_APPROVER : config.financeApprovers[0]!;

  say(`generating ${opts.customers} customers for ${period}, importing them through the CSV imports …`);
  const files = await writeDemoData(path.join(dir, 'input'), { customers: opts.customers, period });
  await importDemoData(db, files, (what, lines) => say(`import ${what}: ${lines[0]}`));
  await seedDemoSubscribers(db, { webhookUrl: sandbox.webhooks!.url, financeEmail: config.seller.email });
  const expected: checks.Expected = { customers: opts.customers, badMasterData: files.expected.badMasterData, nothingToBill: files.expected.nothingToBill };
  const billable = opts.customers - expected.badMasterData.length - expected.nothingToBill.length;

  say(`starting ${opts.workers} worker process(es) on task queue ${config.taskQueue} …`);
  const pool = await sandbox.startWorkerProcesses(opts.workers, { maxConcurrentActivityTaskExecutions: 40 });
  const client = await sandbox.client();
  const plan = killPlan(opts.kills);
  const pct = (fs: number[]) => fs.map((f) => `${Math.round(f * 100)} %`).join(', ') || 'none';
  say(`kill plan: drafting at ${pct(plan.drafting)} of customers at rest; finalising at ${pct(plan.finalising)} of ${billable} invoices`);
  const kills: Kill[] = [];
  let lastProgress = 0;
  const progress = (phase: string, c: Counts) => {
    if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = Date.now();
    say(`${phase}: ${countsLine(c, opts.customers)}`);
  };

  // Drafting: the monthly close until every customer is at rest.
  const { handle } = await startMonthlyClose(client, closeSettings(config), period);
  let monthlyDone = false;
  const monthly = handle.result().finally(() => (monthlyDone = true));
  monthly.catch(() => undefined); // awaited below
  await pollUntil('the monthly close (drafting)', deadline, async () => {
    const c = await counts(db, period);
    const next = plan.drafting[0];
    if (next !== undefined && !monthlyDone && c.atRest >= next * opts.customers) {
      plan.drafting.shift();
      kills.push(await killAndRestart(sandbox, pool, opts.fault, 'drafting', `${c.atRest}/${opts.customers} at rest`, opts.customers - c.atRest));
    }
    progress('drafting', c);
    return monthlyDone;
  });
  await monthly;
  say(`monthly close done${plan.drafting.length ? `; ${plan.drafting.length} drafting kill(s) not reached` : ''}`);

  // Finalising: finance approves everything while invoices are issued and sent.
  const approvals: Approvals = { approved: 0, duplicate: 0, refused: 0, interrupted: 0, done: false };
  const approving = approveEverything(db, client, period, approver, approvals);
  await pollUntil('finalisation and notifications', deadline, async () => {
    const c = await counts(db, period);
    const next = plan.finalising[0];
    if (next !== undefined && c.invoices >= next * billable) {
      plan.finalising.shift();
      if (c.unsettled > 0) kills.push(await killAndRestart(sandbox, pool, opts.fault, 'finalising', `${c.invoices}/${billable} invoices issued`, c.unsettled));
      else say('every invoice was issued before the finalising kill point');
    }
    progress('finalising', c);
    const settled = approvals.done && c.closes === opts.customers && c.unsettled === 0 && c.pendingDeliveries === 0;
    return settled && (await client.workflow.count(`BillingPeriod = "${period}" AND ExecutionStatus = "Running"`)).count === 0;
  });
  await approving;

  say('checking the outcome …');
  const deliveries = await checks.deliveriesOf(db, period);
  const killedGone = kills.every((k) => !pool.alive().includes(k.pid) && !processRunning(k.pid));
  const results = [
    await checks.everyCustomerClosedOnce(db, period, expected),
    await checks.oneInvoicePerFinalCustomer(db, period),
    await checks.gaplessNumbers(db, config),
    await checks.oneDraftPerCustomer(db, period),
    checks.everyDeliveryOnceAndDelivered(deliveries),
    await checks.everyNoticePlanned(db, period, deliveries),
    checks.everyDeliveryAtTheReceiver(deliveries, path.join(dir, 'mail'), path.join(dir, 'webhooks')).check,
    await checks.everyCloseWorkflowClosed(client, period, expected),
    { name: 'every killed process is gone', ok: killedGone, detail: `killed pids ${kills.map((k) => k.pid).join(', ') || 'none'}` },
    opts.fault === 'worker'
      ? await checks.killsHitWorkInFlight(client, period, kills.length)
      : {
          name: 'each fault hit customers in flight',
          ok: kills.every((k) => k.unsettled > 0),
          detail: kills.map((k) => `${k.phase}: ${k.unsettled} not at rest`).join('; ') || 'no faults',
        },
  ];
  return { checks: results, kills, approvals };
}

function report(opts: Options, outcome: Awaited<ReturnType<typeof drill>>): boolean {
  const ok = outcome.checks.every((c) => c.ok);
  const a = outcome.approvals;
  const lines = [
    '',
    `Crash drill: ${opts.customers} customers (${opts.period}), engine ${opts.engine}${opts.engine === 'server' ? ` (${opts.shards} shards)` : ''}, ${opts.workers} worker process(es), fault ${opts.fault}, ${outcome.kills.length} of ${opts.kills} kills`,
    ...outcome.kills.map((k) => `  ${k.fault} fault at +${k.atSeconds} s (${k.phase}, ${k.trigger}): pid ${k.pid}, back at +${k.restartedAtSeconds} s`),
    `Approvals: ${a.approved} approved, ${a.duplicate} duplicates, ${a.refused} refused, ${a.interrupted} rounds interrupted`,
    'Checks:',
    ...outcome.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`),
    '',
    `RESULT: ${ok ? 'ok' : 'FAILED'}, ${opts.customers} customers, engine ${opts.engine}, ${opts.workers} worker(s), ${outcome.kills.length} ${opts.fault} faults, ${seconds()} s` +
      (ok ? '' : ` (failed: ${outcome.checks.filter((c) => !c.ok).map((c) => c.name).join('; ')})`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const json = { ok, customers: opts.customers, engine: opts.engine, shards: opts.engine === 'server' ? opts.shards : null, fault: opts.fault, workers: opts.workers, period: opts.period, kills: outcome.kills, approvals: a, checks: outcome.checks, wallSeconds: seconds() };
  process.stdout.write(`CRASH_RESULT ${JSON.stringify(json)}\n`);
  return ok;
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-crash-'));
  const removeDir = async () => (opts.keepDir ? say(`kept ${dir}`) : fs.rmSync(dir, { recursive: true, force: true }));
  onShutdown('temp dir', removeDir); // on Ctrl-C after everything else (shutdown steps run last first)
  try {
    say(`temp dir ${dir}; starting the sandbox …`);
    const sandbox = await startSandbox({
      dataDir: path.join(dir, 'services'),
      engine: opts.engine,
      shards: opts.shards,
      catchers: { mailDir: path.join(dir, 'mail'), webhookDir: path.join(dir, 'webhooks') },
      config: { ...loadConfig(), maxConcurrentCloses: opts.maxConcurrent },
    });
    try {
      return report(opts, await drill(sandbox, opts, dir)) ? 0 : 1;
    } catch (err) {
      if (!(err instanceof DrillTimeout)) throw err;
      const c = await counts(sandbox.db, opts.period);
      process.stdout.write(`\nTIMEOUT after ${opts.timeoutMinutes} min waiting for ${err.message}: ${countsLine(c, opts.customers)}\n`);
      process.stdout.write(`CRASH_RESULT ${JSON.stringify({ ok: false, timeout: err.message, counts: c, wallSeconds: seconds() })}\n`);
      return 1;
    } finally {
      await sandbox.stop();
    }
  } finally {
    if (!isStopping()) await removeDir();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    if (isStopping()) return; // Ctrl-C: the stop handler stops everything and exits
    say(`error: ${err.stack ?? err.message}`);
    process.stdout.write(`CRASH_RESULT ${JSON.stringify({ ok: false, error: err.message, wallSeconds: seconds() })}\n`);
    process.exit(1);
  },
);
