import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createDb, migrate, type Db } from '../infra/db';

// Small helpers shared by the bench sections: progress on stderr, tables on stdout,
// statistics, throwaway databases on the bench's own PostgreSQL, and memory sampling of
// this process, the Temporal dev server and the PostgreSQL processes.

// ---------------------------------------------------------------- output

const benchStart = Date.now();

/** A progress line on stderr, stamped with the seconds since the bench started. */
export function progress(line: string): void {
  process.stderr.write(`[bench +${((Date.now() - benchStart) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
}

export type Cell = string | number | null;

/** A plain text table on stdout; numbers right-aligned. */
export function printTable(title: string, header: string[], rows: Cell[][]): void {
  const text = rows.map((r) => r.map((c) => (c === null ? '-' : typeof c === 'number' ? fmt(c) : c)));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], numeric: boolean[]) =>
    '  ' + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const numericCols = header.map((_, i) => rows.some((r) => typeof r[i] === 'number'));
  console.log('');
  console.log(title);
  console.log(line(header, numericCols));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of text) console.log(line(r, numericCols));
}

/** A number for a table: integers with thin grouping, others with 3 significant decimals at most. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

export function machineLine(): { text: string; json: Record<string, unknown> } {
  const cpus = os.cpus();
  const json = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    totalMemGb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAvg: os.loadavg().map((l) => round(l, 2)),
  };
  return {
    text: `Machine: ${json.cpu}, ${json.cores} cores, ${json.totalMemGb} GB RAM, Node ${json.node}, ${json.os}; load average now ${json.loadAvg.join(' / ')} (1/5/15 min)`,
    json,
  };
}

// ---------------------------------------------------------------- timing and statistics

export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = now();
  const value = await fn();
  return { ms: now() - t, value };
}

export interface Stats {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
  min: number;
}

export function stats(values: number[]): Stats {
  if (values.length === 0) return { n: 0, mean: NaN, p50: NaN, p95: NaN, max: NaN, min: NaN };
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return { n: s.length, mean: s.reduce((a, b) => a + b, 0) / s.length, p50: median(s), p95: q(0.95), max: s[s.length - 1]!, min: s[0]! };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Run `work` over `items` with at most `concurrency` at once; results in input order. */
export async function promisePool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** A ticker that prints a progress line every `ms` until stopped. */
export function ticker(ms: number, line: () => string | Promise<string | null> | null): { stop(): void } {
  const t = setInterval(() => {
    void Promise.resolve()
      .then(line)
      .then((l) => l && progress(l))
      .catch(() => undefined);
  }, ms);
  return { stop: () => clearInterval(t) };
}

// ---------------------------------------------------------------- databases

/** A fresh, migrated database on the bench's server (CREATE DATABASE, like test/support/database.ts). */
export async function freshDatabase(serverUrl: string, name: string, pool = { min: 0, max: 10 }): Promise<{ db: Db; url: string; drop(): Promise<void> }> {
  const adminUrl = serverUrl.replace(/\/[^/]+$/, '/postgres');
  const admin = createDb(adminUrl, { min: 0, max: 1 });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = serverUrl.replace(/\/[^/]+$/, `/${name}`);
  const db = createDb(url, pool);
  await migrate(db);
  return {
    db,
    url,
    drop: async () => {
      await db.destroy().catch(() => undefined);
      const again = createDb(adminUrl, { min: 0, max: 1 });
      await again.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await again.destroy();
    },
  };
}

// ---------------------------------------------------------------- memory

function readStatusKb(pid: number, field: string): number {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process ended between listing and reading
  }
}

function readPssKb(pid: number): number {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const m = /^Pss:\s+(\d+) kB/m.exec(text);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    try {
      return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The Temporal dev server and the PostgreSQL postmaster that run under `dataDir`. */
/** The processes whose CPU and memory the bench reports; `worker` is set while a worker process runs. */
export interface BenchPids {
  /** The Temporal dev server, or the Temporal server (engine 'server'). */
  temporal: number | null;
  postmaster: number | null;
  /** Temporal's own PostgreSQL (engine 'server'). */
  temporalPostmaster?: number | null;
  worker?: number | null;
}

export function findServicePids(dataDir: string): BenchPids {
  const serverPidFile = path.join(dataDir, 'temporal-server.pid');
  const temporalPgPidFile = path.join(dataDir, 'temporal-pg', 'postmaster.pid');
  const firstLine = (file: string) => (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) || null : null);
  const temporal = firstLine(serverPidFile) ?? pgrep('server start-dev').find((pid) => cmdline(pid).includes(dataDir)) ?? null;
  let postmaster: number | null = null;
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (fs.existsSync(pidFile)) postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) || null;
  if (postmaster === null) postmaster = pgrep('postgres').find((pid) => cmdline(pid).includes(path.join(dataDir, 'pg'))) ?? null;
  return { temporal, postmaster, temporalPostmaster: firstLine(temporalPgPidFile) };
}

/** A full garbage collection, also without --expose-gc: a measurement starts from live data only. */
export function collectGarbage(): void {
  if (global.gc) return global.gc();
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/**
 * This process's peak RSS over a stretch, every thread included, as the kernel counts it
 * (VmHWM) rather than sampled: `start()` resets the high-water mark (Linux's clear_refs "5"),
 * `stop()` reads it. Where the mark cannot be reset (not Linux), falls back to sampling.
 */
export function peakRssMeter(): { stop(): { mb: number; startMb: number; how: 'kernel high-water mark' | 'sampled every 20 ms' } } {
  let exact = false;
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    exact = true;
  } catch {
    // not Linux, or not allowed: sample instead
  }
  let peak = process.memoryUsage().rss;
  const startMb = Math.round(peak / 2 ** 20);
  const sampler = exact ? null : setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return {
    stop() {
      if (sampler) clearInterval(sampler);
      if (exact) return { mb: Math.round(readStatusKb(process.pid, 'VmHWM') / 1024), startMb, how: 'kernel high-water mark' };
      return { mb: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20), startMb, how: 'sampled every 20 ms' };
    },
  };
}

export interface MemoryPeaks {
  selfRssMb: number;
  /** The worker's own process (0 when the worker ran in the bench process). */
  workerRssMb: number;
  temporalRssMb: number;
  /** Sum of VmRSS over the postmaster and all its children (counts shared buffers once per process). */
  pgRssSumMb: number;
  /** Sum of PSS (shared pages divided among the sharers): the honest total of PostgreSQL. */
  pgPssSumMb: number;
  pgProcessesMax: number;
  samples: number;
}

/**
 * Samples every `intervalMs`: this process's RSS, the worker process's (while one runs), the Temporal dev
 * server's RSS and the sum over the PostgreSQL processes. `mark()` starts a new window.
 */
export class MemorySampler {
  private timer: NodeJS.Timeout | null = null;
  private peaks: MemoryPeaks = MemorySampler.empty();
  private ticks = 0;

  constructor(
    private readonly pids: BenchPids,
    private readonly intervalMs = 250,
  ) {}

  private static empty(): MemoryPeaks {
    return { selfRssMb: 0, workerRssMb: 0, temporalRssMb: 0, pgRssSumMb: 0, pgPssSumMb: 0, pgProcessesMax: 0, samples: 0 };
  }

  start(): this {
    this.sample(true);
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Peaks since the last mark, and start a new window. */
  mark(): MemoryPeaks {
    this.sample(true);
    const p = this.peaks;
    this.peaks = MemorySampler.empty();
    return p;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * PostgreSQL's PSS (smaps_rollup of some 50 processes) only every 8th tick: read every 250 ms it
   * cost the bench process 5 % of a core, time the close under test then did not get.
   */
  sample(withPss = this.ticks++ % 8 === 0): void {
    const selfRss = process.memoryUsage().rss / 2 ** 20;
    const temporalRss = this.pids.temporal ? readStatusKb(this.pids.temporal, 'VmRSS') / 1024 : 0;
    const workerRss = this.pids.worker ? readStatusKb(this.pids.worker, 'VmRSS') / 1024 : 0;
    let pgRss = 0;
    let pgPss = 0;
    let pgCount = 0;
    if (this.pids.postmaster) {
      for (const pid of [this.pids.postmaster, ...childrenOf(this.pids.postmaster)]) {
        pgRss += readStatusKb(pid, 'VmRSS') / 1024;
        if (withPss) pgPss += readPssKb(pid) / 1024;
        pgCount += 1;
      }
    }
    const p = this.peaks;
    p.selfRssMb = Math.max(p.selfRssMb, Math.round(selfRss));
    p.workerRssMb = Math.max(p.workerRssMb, Math.round(workerRss));
    p.temporalRssMb = Math.max(p.temporalRssMb, Math.round(temporalRss));
    p.pgRssSumMb = Math.max(p.pgRssSumMb, Math.round(pgRss));
    p.pgPssSumMb = Math.max(p.pgPssSumMb, Math.round(pgPss));
    p.pgProcessesMax = Math.max(p.pgProcessesMax, pgCount);
    p.samples += 1;
  }
}

export function memoryRows(label: string, p: MemoryPeaks): Cell[][] {
  return [
    [label, 'bench process RSS', p.selfRssMb],
    [label, 'Temporal dev server RSS', p.temporalRssMb],
    [label, `PostgreSQL RSS, sum of ${p.pgProcessesMax} processes`, p.pgRssSumMb],
    [label, 'PostgreSQL PSS, sum (shared counted once)', p.pgPssSumMb],
  ];
}

// ---------------------------------------------------------------- CPU

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on every Linux we know
}

/** utime+stime (and, with `children`, the reaped children's cutime+cstime) of a process, in seconds. */
function procCpuSeconds(pid: number, children = false): number {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
    return ticks / clockTicks;
  } catch {
    return 0;
  }
}

export interface CpuSnapshot {
  atMs: number;
  self: number;
  worker: number;
  temporal: number;
  pg: number;
  temporalPg: number;
  /** Busy CPU seconds of the whole machine (/proc/stat), to see what other processes took. */
  machine: number;
}

function machineBusySeconds(): number {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0);
    return busy / clockTicks;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by this process, the Temporal server and PostgreSQL (the postmaster,
 * its live backends, and the backends that already ended, which the kernel adds to the
 * postmaster's children time). Differences of two snapshots give a phase's CPU.
 */
export function cpuSnapshot(pids: BenchPids): CpuSnapshot {
  const u = process.cpuUsage();
  const postgres = (postmaster: number | null | undefined) => {
    if (!postmaster) return 0;
    let sum = procCpuSeconds(postmaster, true);
    for (const c of childrenOf(postmaster)) sum += procCpuSeconds(c);
    return sum;
  };
  const pg = postgres(pids.postmaster);
  return {
    atMs: Date.now(),
    self: (u.user + u.system) / 1e6,
    worker: pids.worker ? procCpuSeconds(pids.worker) : 0,
    temporal: pids.temporal ? procCpuSeconds(pids.temporal) : 0,
    pg,
    temporalPg: postgres(pids.temporalPostmaster),
    machine: machineBusySeconds(),
  };
}

export interface CpuUse {
  wallSeconds: number;
  selfSeconds: number;
  /** The worker's own process (0 when it ran in the bench process, inside selfSeconds). */
  workerSeconds: number;
  temporalSeconds: number;
  pgSeconds: number;
  /** Temporal's own PostgreSQL (engine 'server'; 0 on the dev server, whose SQLite is in temporalSeconds). */
  temporalPgSeconds: number;
  /** All of them together, in cores kept busy on average. */
  coresBusy: number;
  /** CPU seconds the rest of the machine used meanwhile (other processes): a busy neighbour skews the figures. */
  otherSeconds: number;
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const wall = (b.atMs - a.atMs) / 1000;
  const self = b.self - a.self;
  const worker = b.worker - a.worker;
  const temporal = b.temporal - a.temporal;
  const pg = b.pg - a.pg;
  const temporalPg = b.temporalPg - a.temporalPg;
  const ours = self + worker + temporal + pg + temporalPg;
  return {
    wallSeconds: round(wall, 1),
    selfSeconds: round(self, 1),
    workerSeconds: round(worker, 1),
    temporalSeconds: round(temporal, 1),
    pgSeconds: round(pg, 1),
    temporalPgSeconds: round(temporalPg, 1),
    coresBusy: round(ours / Math.max(wall, 1e-9), 2),
    otherSeconds: round(Math.max(0, b.machine - a.machine - ours), 1),
  };
}

// ---------------------------------------------------------------- event loop and database waits

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Event-loop delay of this process (the plain loop runs in it): how long a ready callback waits. */
export function loopDelayMonitor(): { stop(): LoopDelay } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    stop: () => {
      h.disable();
      const ms = (ns: number) => round(ns / 1e6, 1);
      return { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
    },
  };
}

export interface DbWaits {
  samples: number;
  /** Sessions of the database waiting for a lock: mean and max over the samples. */
  lockWaitersMean: number;
  lockWaitersMax: number;
  /** Of those, waiting for the invoice number counter row (finaliseInvoice). */
  counterWaitersMean: number;
  counterWaitersMax: number;
  /** Sessions inside a transaction but idle: the client (Node) has not sent the next statement yet. */
  idleInTransactionMean: number;
  idleInTransactionMax: number;
  activeMean: number;
}

/** Samples pg_stat_activity of one database every `intervalMs` on a connection of its own. */
export function dbWaitSampler(url: string, intervalMs = 500): { stop(): Promise<DbWaits> } {
  const probe = createDb(url, { min: 1, max: 1 });
  const acc = { samples: 0, lock: 0, lockMax: 0, counter: 0, counterMax: 0, idle: 0, idleMax: 0, active: 0 };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    probe
      .raw(
        `SELECT count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS lock,
                count(*) FILTER (WHERE wait_event_type = 'Lock' AND query ILIKE '%invoice_number_series%')::int AS counter,
                count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS idle,
                count(*) FILTER (WHERE state = 'active')::int AS active
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      )
      .then((r: { rows: { lock: number; counter: number; idle: number; active: number }[] }) => {
        const s = r.rows[0]!;
        acc.samples += 1;
        acc.lock += s.lock;
        acc.lockMax = Math.max(acc.lockMax, s.lock);
        acc.counter += s.counter;
        acc.counterMax = Math.max(acc.counterMax, s.counter);
        acc.idle += s.idle;
        acc.idleMax = Math.max(acc.idleMax, s.idle);
        acc.active += s.active;
      })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await probe.destroy();
      const n = Math.max(1, acc.samples);
      return {
        samples: acc.samples,
        lockWaitersMean: round(acc.lock / n, 1),
        lockWaitersMax: acc.lockMax,
        counterWaitersMean: round(acc.counter / n, 1),
        counterWaitersMax: acc.counterMax,
        idleInTransactionMean: round(acc.idle / n, 1),
        idleInTransactionMax: acc.idleMax,
        activeMean: round(acc.active / n, 1),
      };
    },
  };
}

/** A counting semaphore: at most `n` holders at once (the plain loop's "activity slots"). */
export class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}

// ---------------------------------------------------------------- pool integrity

export interface PoolTrace {
  /** Queries that ran on a connection while another transaction (or none) owned it. */
  sharedConnectionQueries: number;
  examples: string[];
}

/**
 * Watches knex's query events: each pooled connection must run one transaction at a time and
 * nothing else meanwhile. A query arriving on a connection whose open transaction belongs to
 * someone else means the pool handed one connection to two callers.
 */
export function tracePool(db: Db): { stop(): PoolTrace } {
  const openTx = new Map<string, string>(); // connection uid -> transaction id with an open BEGIN
  const trace: PoolTrace = { sharedConnectionQueries: 0, examples: [] };
  const history = new Map<string, string[]>(); // connection uid -> its last events
  const t0 = Date.now();
  const remember = (uid: string, line: string) => {
    const h = history.get(uid) ?? [];
    h.push(`+${Date.now() - t0} ms ${line}`);
    if (h.length > 14) h.shift();
    history.set(uid, h);
  };
  const onError = (err: Error, q: { __knexUid?: string; __knexTxId?: string; sql?: string }) => {
    if (q?.__knexUid) remember(q.__knexUid, `ERROR ${q.__knexTxId ?? '-'} '${(q.sql ?? '').slice(0, 50)}': ${String(err?.message ?? err).slice(-90)}`);
  };
  const onResponse = (_r: unknown, q: { __knexUid?: string; __knexTxId?: string; sql?: string }) => {
    if (q?.__knexUid) remember(q.__knexUid, `done  ${q.__knexTxId ?? '-'} '${(q.sql ?? '').slice(0, 50)}'`);
  };
  const onQuery = (q: { __knexUid?: string; __knexTxId?: string; sql?: string }) => {
    const uid = q.__knexUid;
    if (!uid) return;
    const sql = (q.sql ?? '').trim();
    remember(uid, `send  ${q.__knexTxId ?? '-'} '${sql.slice(0, 50)}'`);
    const owner = openTx.get(uid);
    if (owner !== undefined && owner !== (q.__knexTxId ?? '(none)')) {
      trace.sharedConnectionQueries += 1;
      if (trace.sharedConnectionQueries === 1) {
        progress(`  POOL: query on a connection owned by another transaction: ${uid} '${sql.slice(0, 80)}' from ${q.__knexTxId ?? 'outside any transaction'} while ${owner} is open`);
        for (const line of history.get(uid) ?? []) progress(`    ${uid} ${line}`);
      }
      if (trace.examples.length < 5) trace.examples.push(`${uid}: '${sql.slice(0, 60)}' from ${q.__knexTxId ?? 'outside any transaction'} while ${owner} is open`);
    }
    if (/^BEGIN/i.test(sql) && q.__knexTxId) openTx.set(uid, q.__knexTxId);
    else if (/^(COMMIT|ROLLBACK)/i.test(sql) && owner === q.__knexTxId) openTx.delete(uid);
  };
  db.on('query', onQuery);
  db.on('query-error', onError);
  db.on('query-response', onResponse);
  return {
    stop: () => {
      db.removeListener('query', onQuery);
      db.removeListener('query-error', onError);
      db.removeListener('query-response', onResponse);
      return trace;
    },
  };
}
