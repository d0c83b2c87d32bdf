import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { processAlive } from '../infra/pid';
import { WORKER_CHILD_ENV, type WorkerChildSettings } from './child';

// Workers in processes of their own (worker/child.ts) on one task queue: N of them share the
// work as N machines would, and one can be SIGKILLed and started again as a crash would.

/**
 * The worker's V8 old-space limit (each heap: the main thread's and the workflow thread's), as
 * docs/operations.md recommends for production (`NODE_OPTIONS=--max-old-space-size=256`). V8's default
 * let the main heap grow to ~310 MB over ~90 MB of live data between collections; capped, the
 * worker's RSS at 1,000 customers fell from 790 to ~580 MB with no measurable CPU cost (bench).
 */
export const WORKER_HEAP_LIMIT_MB = 256;

export interface WorkerProcess {
  pid: number;
  /** Resolves with how it ended ('exit 0', 'SIGKILL'). */
  exited: Promise<string>;
  running(): boolean;
}

export interface WorkerProcessOptions {
  /** Each line the worker logs (JSON, on its stderr); by default passed on to our stderr. */
  onLogLine?: (line: string) => void;
  /** The worker's LOG_LEVEL; 'warn' unless said. */
  logLevel?: string;
  readyTimeoutMs?: number;
}

/** Start a worker process and wait until it polls the task queue. */
export async function startWorkerProcess(settings: WorkerChildSettings, opts: WorkerProcessOptions = {}): Promise<WorkerProcess> {
  // Node itself with tsx's loader, so the child IS the worker: the tsx CLI would run it in a
  // grandchild that a SIGKILL of the CLI leaves running.
  const heapLimitMb = settings.heapLimitMb ?? WORKER_HEAP_LIMIT_MB;
  const heapLimit = heapLimitMb > 0 ? [`--max-old-space-size=${heapLimitMb}`] : [];
  const child = spawn(process.execPath, [...heapLimit, '--import', pathToFileURL(require.resolve('tsx')).href, path.join(__dirname, 'child.ts')], {
    env: { ...process.env, [WORKER_CHILD_ENV]: JSON.stringify({ ...settings, exitWithParent: true }), LOG_LEVEL: opts.logLevel ?? 'warn' },
    // stdin stays open as a lifeline: the child exits when it closes (this process gone).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not start a worker process');
  const pid = child.pid;
  const onLine = opts.onLogLine ?? ((line: string) => process.stderr.write(`${line}\n`));
  readline.createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
  const ready = new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^worker-ready (\d+)$/.exec(line);
      if (m && Number(m[1]) === pid) resolve();
      else if (m) reject(new Error(`worker process ${pid}: the worker runs in pid ${m[1]}, not in the child`));
    });
    void exited.then((how) => reject(new Error(`worker process ${pid} ended (${how}) before it was ready`)));
  });
  ready.catch(() => undefined); // a late rejection (after a timeout) is no news
  const timeoutMs = opts.readyTimeoutMs ?? 180_000;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`worker process ${pid} not ready after ${timeoutMs / 1000} s`)), timeoutMs)));
  try {
    await Promise.race([ready, late]);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return { pid, exited, running: () => child.exitCode === null && child.signalCode === null };
}

/** Send `signal`; resolves when the process is gone (SIGKILL after `graceMs` when it lingers). */
export async function stopWorkerProcess(w: WorkerProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<string> {
  if (!w.running()) return w.exited;
  process.kill(w.pid, signal);
  const force = setTimeout(() => w.running() && process.kill(w.pid, 'SIGKILL'), graceMs);
  try {
    return await w.exited;
  } finally {
    clearTimeout(force);
  }
}

/** N worker processes on one task queue; any one of them can be killed and started again. */
export class WorkerPool {
  readonly workers: WorkerProcess[] = [];
  /** Every pid this pool started, so a check can prove none was left behind. */
  readonly started: number[] = [];

  private constructor(
    private readonly settings: WorkerChildSettings,
    private readonly opts: WorkerProcessOptions,
  ) {}

  static async start(count: number, settings: WorkerChildSettings, opts: WorkerProcessOptions = {}): Promise<WorkerPool> {
    const pool = new WorkerPool(settings, opts);
    try {
      for (let i = 0; i < count; i++) await pool.launch(i);
    } catch (err) {
      await pool.stop();
      throw err;
    }
    return pool;
  }

  private async launch(slot: number): Promise<WorkerProcess> {
    const w = await startWorkerProcess(this.settings, this.opts);
    this.started.push(w.pid);
    this.workers[slot] = w;
    return w;
  }

  /** SIGKILL worker `slot` as a crash would; resolves with its pid once it is gone. */
  async kill(slot: number): Promise<number> {
    const w = this.workers[slot]!;
    const how = await stopWorkerProcess(w, 'SIGKILL');
    if (how !== 'SIGKILL') throw new Error(`worker process ${w.pid} ended with ${how}, not SIGKILL`);
    return w.pid;
  }

  /** Start worker `slot` again (after a kill). */
  restart(slot: number): Promise<WorkerProcess> {
    return this.launch(slot);
  }

  /** Started processes that still run. */
  alive(): number[] {
    return this.started.filter(processAlive);
  }

  /** SIGTERM every worker (the runtime drains it), SIGKILL the ones that linger. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => stopWorkerProcess(w, 'SIGTERM')));
  }
}
