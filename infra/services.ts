import fs from 'node:fs';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { logger } from './logger';
import { DATA_DIR } from './paths';
import { freePort } from './ports';
import { startEmbeddedPostgres, type EmbeddedPg } from './postgres';
import { resolveTemporalCli, startDevServer, SEARCH_ATTRIBUTES, type DevServer } from './temporal-cli';

/** Where a command finds Temporal and PostgreSQL. */
export interface Endpoints {
  temporalAddress: string;
  namespace: string;
  databaseUrl: string;
  uiUrl: string | null;
  source: 'environment' | 'dev' | 'embedded';
}

export const DATABASE_NAME = 'month_close';
const DEV_STATE_FILE = path.join(DATA_DIR, 'dev.json');

interface DevState extends Endpoints {
  pid: number;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The `month-close dev` of this checkout, if one is running. */
export function readDevState(): DevState | null {
  if (!fs.existsSync(DEV_STATE_FILE)) return null;
  const state = JSON.parse(fs.readFileSync(DEV_STATE_FILE, 'utf8')) as DevState;
  return alive(state.pid) ? state : null;
}

export function writeDevState(endpoints: Endpoints): void {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const state: DevState = { ...endpoints, source: 'dev', pid: process.pid, startedAt: new Date().toISOString() };
  fs.writeFileSync(DEV_STATE_FILE, JSON.stringify(state, null, 2));
}

export function clearDevState(): void {
  const state = fs.existsSync(DEV_STATE_FILE) ? (JSON.parse(fs.readFileSync(DEV_STATE_FILE, 'utf8')) as DevState) : null;
  if (state?.pid === process.pid) fs.rmSync(DEV_STATE_FILE, { force: true });
}

/**
 * The one code path every command uses: TEMPORAL_ADDRESS / DATABASE_URL when set,
 * otherwise the services a `month-close dev` of this checkout keeps running.
 */
export function resolveEndpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const namespace = env.TEMPORAL_NAMESPACE || 'default';
  const dev = readDevState();
  if (env.TEMPORAL_ADDRESS && env.DATABASE_URL) {
    return { temporalAddress: env.TEMPORAL_ADDRESS, namespace, databaseUrl: env.DATABASE_URL, uiUrl: null, source: 'environment' };
  }
  if (!dev) {
    const missing = [!env.TEMPORAL_ADDRESS && 'TEMPORAL_ADDRESS', !env.DATABASE_URL && 'DATABASE_URL'].filter(Boolean).join(' and ');
    throw new ServicesNotFound(
      `no services found: ${missing} not set and no 'month-close dev' is running for this checkout. ` +
        `Start 'npx month-close dev' in another shell, or set TEMPORAL_ADDRESS and DATABASE_URL.`,
    );
  }
  return {
    temporalAddress: env.TEMPORAL_ADDRESS || dev.temporalAddress,
    namespace: env.TEMPORAL_NAMESPACE || dev.namespace,
    databaseUrl: env.DATABASE_URL || dev.databaseUrl,
    uiUrl: dev.uiUrl,
    source: 'dev',
  };
}

export class ServicesNotFound extends Error {}

export interface EmbeddedServices {
  endpoints: Endpoints;
  stop(): Promise<void>;
}

/**
 * Start a real PostgreSQL and a real Temporal dev server on free ports.
 * `persistent` keeps their state under `dataDir` (dev, demo); otherwise a throwaway dir (tests).
 */
export async function startEmbeddedServices(opts: { dataDir: string; withUi: boolean; namespace?: string }): Promise<EmbeddedServices> {
  const namespace = opts.namespace ?? 'default';
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const [pgPort, temporalPort, uiPort] = await Promise.all([freePort(), freePort(), freePort()]);

  const started = Date.now();
  const pgPromise = startPostgres(path.join(opts.dataDir, 'pg'), pgPort);
  const temporalPromise = startTemporal({
    port: temporalPort,
    uiPort: opts.withUi ? uiPort : null,
    dbFile: path.join(opts.dataDir, 'temporal.sqlite'),
    namespace,
    logFile: path.join(opts.dataDir, 'temporal.log'),
  });
  const [pg, temporal] = await Promise.allSettled([pgPromise, temporalPromise]);
  if (pg.status === 'rejected' || temporal.status === 'rejected') {
    if (pg.status === 'fulfilled') await pg.value.stop();
    if (temporal.status === 'fulfilled') await temporal.value.stop();
    const reason = pg.status === 'rejected' ? pg.reason : (temporal as PromiseRejectedResult).reason;
    throw reason instanceof Error ? reason : new Error(String(reason));
  }
  const endpoints: Endpoints = {
    temporalAddress: temporal.value.address,
    namespace,
    databaseUrl: pg.value.databaseUrl,
    uiUrl: temporal.value.uiUrl,
    source: 'embedded',
  };
  logger.info({ ...endpoints, ms: Date.now() - started }, 'embedded services ready');
  return {
    endpoints,
    stop: async () => {
      await Promise.allSettled([temporal.value.stop(), (pg.value as EmbeddedPg).stop()]);
    },
  };
}

/** PostgreSQL on a free port, trying other ports when one was taken meanwhile. */
async function startPostgres(dataDir: string, port: number): Promise<EmbeddedPg> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEmbeddedPostgres({ dataDir, port, database: DATABASE_NAME });
    } catch (err) {
      if (attempt >= 3) throw err;
      logger.warn({ port, err: String(err) }, 'PostgreSQL did not start; retrying on another port');
      port = await freePort();
    }
  }
}

type TemporalHandle = Pick<DevServer, 'address' | 'uiUrl' | 'stop'>;

async function startTemporal(opts: { port: number; uiPort: number | null; dbFile: string; namespace: string; logFile: string }): Promise<TemporalHandle> {
  const cli = resolveTemporalCli();
  if (!cli) {
    const server = await startWithSdkDownload(opts);
    await waitForNamespace(server.address, opts.namespace);
    return server;
  }
  logger.debug({ binary: cli.path, source: cli.source }, 'Temporal CLI');
  // A port found free can be taken by another process before the server binds it: try anew.
  for (let attempt = 1; ; attempt++) {
    const ports = attempt === 1 ? opts : { ...opts, port: await freePort(), uiPort: opts.uiPort === null ? null : await freePort() };
    let server: TemporalHandle | null = null;
    try {
      server = await startDevServer({ binary: cli.path, ...ports });
      await waitForNamespace(server.address, opts.namespace);
      return server;
    } catch (err) {
      await server?.stop();
      if (attempt >= 3) throw err;
      logger.warn({ port: ports.port, err: (err as Error).message }, 'Temporal dev server did not start; retrying on other ports');
    }
  }
}

/** Last resort, for machines with internet: let the SDK download its dev server. */
async function startWithSdkDownload(opts: { port: number; uiPort: number | null; dbFile: string; namespace: string }): Promise<TemporalHandle> {
  logger.warn('no Temporal CLI found or installable; asking the Temporal SDK to download its dev server');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: opts.port,
      ui: opts.uiPort !== null,
      uiPort: opts.uiPort ?? undefined,
      dbFilename: opts.dbFile,
      namespace: opts.namespace,
      searchAttributes: Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => ({ name, type: type.toUpperCase() as 'KEYWORD' })),
    },
  });
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : null,
    stop: () => env.teardown(),
  };
}

/** The port opens before the namespace exists; wait until the server answers for it. */
async function waitForNamespace(address: string, namespace: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        const client = new Client({ connection, namespace });
        await client.workflow.count(`BillingPeriod = "0000-00"`);
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} did not become ready for namespace ${namespace}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
