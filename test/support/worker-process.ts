import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface WorkerProcessSettings {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  smtpPort: number;
  workflowBundlePath: string;
  config: unknown; // AppConfig
  /** The activities' clock ahead of this machine's (ms), as WorkerChildSettings.clockOffsetMs. */
  clockOffsetMs?: number;
}

/**
 * A worker in a process of its own, so a test can SIGKILL it as a crash would: no shutdown,
 * no activity completions reported, leases left to time out.
 */
export function spawnWorkerProcess(settings: WorkerProcessSettings): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  // Node itself with tsx's loader, so the child IS the worker: the tsx CLI would run the script
  // in a grandchild, and SIGKILL would only kill the wrapper.
  const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(__dirname, 'worker-main.ts')], {
    env: { ...process.env, MC_TEST_WORKER: JSON.stringify(settings), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(`worker-ready ${child.pid}`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited (${code}) before it was ready`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited };
}
