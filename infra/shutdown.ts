import { logger } from './logger';
import { killAllServicesNow, liveServices, stopAllServices } from './children';

// Ctrl-C and SIGTERM stop everything the command started, in every state: the steps
// registered so far run in reverse order (the worker drains before Temporal and PostgreSQL
// go), then any server process still starting is stopped, then the process exits.
// A second signal, or steps that hang past the deadline, kill the servers at once.

interface Step {
  name: string;
  stop: () => Promise<void>;
}

const steps: Step[] = [];
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const DEADLINE_MS = 30_000;

let installed = false;
let stopping = false;
let exitCodeAfterStop: number | null = null;

/** Register how to stop something this command started; returns the step's removal. */
export function onShutdown(name: string, stop: () => Promise<void>): () => void {
  const step = { name, stop };
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

/** Run (and forget) the registered steps, last registered first; a failing step does not stop the rest. */
export async function runShutdownSteps(): Promise<void> {
  for (const step of steps.splice(0).reverse()) {
    await step.stop().catch((err) => logger.warn({ step: step.name, err: (err as Error).message }, 'stop step failed; going on'));
  }
}

/**
 * A command whose normal end is a stop signal (`dev`, `demo --keep`) exits with this code
 * after a clean stop instead of 128 + the signal's number.
 */
export function stopSignalEndsNormally(code = 0): void {
  exitCodeAfterStop = code;
}

/** Whether a stop signal has arrived; long waits in start-up give up when it has. */
export function isStopping(): boolean {
  return stopping;
}

/** Take over SIGINT/SIGTERM/SIGHUP for this process (idempotent). */
export function installStopSignals(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) process.on(signal, () => void onSignal(signal));
}

async function onSignal(signal: (typeof SIGNALS)[number]): Promise<void> {
  const code = exitCodeAfterStop ?? CODES[signal];
  if (stopping) {
    process.stderr.write(`${signal} again: killing what is left\n`);
    killAllServicesNow();
    process.exit(CODES[signal]);
  }
  stopping = true;
  const say = steps.length > 0 || liveServices() > 0 ? (text: string) => process.stderr.write(text) : () => true;
  say(`\n${signal}: stopping everything this command started …\n`);
  const deadline = setTimeout(() => {
    process.stderr.write(`not stopped after ${DEADLINE_MS / 1000} s: killing what is left\n`);
    killAllServicesNow();
    process.exit(CODES[signal]);
  }, DEADLINE_MS);
  await runShutdownSteps();
  await stopAllServices();
  clearTimeout(deadline);
  say('stopped\n');
  process.exit(code);
}
