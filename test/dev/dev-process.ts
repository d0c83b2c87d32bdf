import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../support/wait';

// `month-close dev` as a person runs it (bin/month-close.js), in a process of its own with
// its own data dir, and the processes it started, seen from the outside (ps).

const BIN = path.resolve(__dirname, '../../bin/month-close.js');

export interface DevRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Every descendant process seen so far (Temporal, PostgreSQL and its backends, initdb …). */
  seen: Set<number>;
  /** Look for descendants now and remember them. */
  collect(): number[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>;
}

export function startDev(dataDir: string, args: string[] = []): DevRun {
  return startCommand(['dev', ...args], { MONTH_CLOSE_DATA_DIR: dataDir });
}

/** `month-close ARGS` on embedded services (whatever the shell points at), `env` added. */
export function startCommand(args: string[], env: NodeJS.ProcessEnv): DevRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', TEMPORAL_ADDRESS: '', DATABASE_URL: '', SMTP_HOST: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const seen = new Set<number>();
  let signalledAt = 0;
  const origKill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    signalledAt = Date.now();
    return origKill(signal);
  };
  const collect = () => {
    const now = descendants(child.pid!);
    for (const pid of now) seen.add(pid);
    return now;
  };
  // Keep looking while it runs, so short-lived children (initdb) are seen too.
  const poll = setInterval(collect, 100);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, afterMs: Date.now() - (signalledAt || Date.now()) });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, seen, collect, exited };
}

/** All processes below `root`, from ps (pid, parent pid). */
export function descendants(root: number): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of rows) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** Processes whose command line names `dir`: every server dev starts does (-D, --db-filename, --pgdata). */
export function processesUsing(dir: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir) && running(pid)) found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found.filter((pid) => pid !== process.pid);
}

/** Running, i.e. exists and is not a zombie waiting to be reaped. */
export function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function untilReady(run: DevRun, timeoutMs = 240_000): Promise<void> {
  const ready = waitFor(() => run.stdout().includes('month-close dev is ready'), timeoutMs, 'month-close dev to be ready');
  const early = run.exited.then(({ code }) => {
    throw new Error(`dev exited (${code}) before it was ready`);
  });
  await Promise.race([ready, early]).catch((err) => {
    throw new Error(`${(err as Error).message}\nstderr: ${run.stderr().slice(-800)}`);
  });
}

/** The pids the ready banner names: "Processes  PostgreSQL pid N, Temporal pid M". */
export function bannerPids(run: DevRun): number[] {
  const m = /PostgreSQL pid (\d+), Temporal pid (\d+)/.exec(run.stdout());
  if (!m) throw new Error(`no process line in:\n${run.stdout()}`);
  return [Number(m[1]), Number(m[2])];
}
