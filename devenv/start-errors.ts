import fs from 'node:fs';
import { isStopping } from '../infra/shutdown';
import type { ServiceProcess } from '../infra/children';

/**
 * Why an embedded server did not start. `port`: its port was taken (the only case worth
 * trying other ports); `damaged`: its state (`stateFile`) cannot be read; `other`: the message says.
 */
export class ServiceStartError extends Error {
  constructor(
    readonly service: string,
    readonly problem: 'port' | 'damaged' | 'other',
    message: string,
    readonly stateFile: string | null = null,
  ) {
    super(message);
  }
}

/** A stop signal arrived while a server was still starting. */
export class StartInterrupted extends Error {}

/** Size of a log file now, so that what a server writes from here on can be read back. */
export function logOffset(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

/** The last lines a server wrote to `file` since `offset` that say why it stopped. */
export function logSince(file: string, offset: number, maxLines = 3): string {
  if (!fs.existsSync(file)) return '';
  const text = fs.readFileSync(file).subarray(offset).toString('utf8');
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const telling = lines.filter((l) => /error|fatal|panic|failed|could not|cannot|unable/i.test(l));
  return (telling.length ? telling : lines).slice(-maxLines).join(' | ').slice(0, 400);
}

/**
 * Poll `ready` until it holds; fails as soon as the server exits, a stop signal arrives or
 * `timeoutMs` passes (generous: two loaded cores can take a while).
 */
export async function untilReady(child: ServiceProcess, ready: () => Promise<boolean>, timeoutMs: number, abort?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: string | null = null;
  void child.exited.then((how) => (exit = how));
  for (;;) {
    interrupted(abort, child.name);
    if (exit !== null) throw new Error(`exited during start (${exit})`);
    if (await ready().catch(() => false)) {
      if (exit !== null) throw new Error(`exited during start (${exit})`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs / 1000} s`);
    await Promise.race([new Promise((r) => setTimeout(r, 250)), child.exited]);
  }
}

/** Throws StartInterrupted when a stop signal arrived or `abort` fired (another service failed). */
export function interrupted(abort: AbortSignal | undefined, what: string): void {
  if (isStopping()) throw new StartInterrupted(`${what}: start interrupted by a stop signal`);
  if (abort?.aborted) throw new StartInterrupted(`${what}: start abandoned (${String(abort.reason)})`);
}
