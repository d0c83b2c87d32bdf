import fs from 'node:fs';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { logger } from '../infra/logger';
import { DATABASE_NAME, type Endpoints } from '../infra/endpoints';
import { freePort } from './ports';
import { startEmbeddedPostgres, type EmbeddedPg } from './postgres';
import { killPostgres, startTemporalServer, type TemporalServer } from './temporal-server';
import { interrupted, ServiceStartError, StartInterrupted } from './start-errors';
import { prepareNamespace } from '../infra/namespace-setup';
import { devServerSettingArgs, resolveTemporalCli, startDevServer, type DevServer } from './temporal-cli';
import { SEARCH_ATTRIBUTES } from '../contracts/close-messages';

/** 'dev': the Temporal CLI's dev server (SQLite); 'server': the Temporal server on a PostgreSQL of its own. */
export type Engine = 'dev' | 'server';

/** A server of the sandbox that a drill restarts: 'database' is the billing PostgreSQL. */
export type Restartable = 'database' | 'temporal' | 'temporal-database';

export interface EmbeddedServices {
  endpoints: Endpoints;
  engine: Engine;
  /** The server processes (PostgreSQL, Temporal[, Temporal's PostgreSQL]), each the leader of its process group. */
  readonly pids: number[];
  /** The Temporal server's pprof (engine 'server' only). */
  pprofUrl: string | null;
  /** SIGKILL (or cleanly stop) one server and start it again on the same port and state. */
  restart(which: Restartable, how: 'kill' | 'stop'): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start a real PostgreSQL and a real Temporal dev server on free ports, state under `dataDir`.
 * If one cannot start, the other is stopped at once and the ServiceStartError says why;
 * only a taken port is worth another try (on other ports).
 */
export async function startEmbeddedServices(opts: {
  dataDir: string;
  withUi: boolean;
  namespace?: string;
  engine?: Engine;
  /** History shards of a new Temporal server (engine 'server'); default 16. */
  shards?: number;
}): Promise<EmbeddedServices> {
  const namespace = opts.namespace ?? 'default';
  const engine = opts.engine ?? 'dev';
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const started = Date.now();
  const abort = new AbortController();
  const giveUp = (err: unknown) => {
    abort.abort((err as Error).message);
    throw err;
  };
  const pgPromise = startPostgres(path.join(opts.dataDir, 'pg'), abort.signal).catch(giveUp);
  const temporalPromise = (
    engine === 'server'
      ? startServerEngine({ dataDir: opts.dataDir, namespace, shards: opts.shards, abort: abort.signal })
      : startTemporal({
          withUi: opts.withUi,
          dbFile: path.join(opts.dataDir, 'temporal.sqlite'),
          namespace,
          logFile: path.join(opts.dataDir, 'temporal.log'),
          abort: abort.signal,
        })
  ).catch(giveUp);
  const [pg, temporal] = await Promise.allSettled([pgPromise, temporalPromise]);
  if (pg.status === 'rejected' || temporal.status === 'rejected') {
    await Promise.allSettled([pg.status === 'fulfilled' && pg.value.stop(), temporal.status === 'fulfilled' && temporal.value.stop()]);
    // The first failure is the cause; the other start was abandoned because of it.
    const reasons = [pg, temporal].flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    const cause = reasons.find((r) => !(r instanceof StartInterrupted)) ?? reasons[0];
    throw cause instanceof Error ? cause : new Error(String(cause));
  }
  const endpoints: Endpoints = {
    temporalAddress: temporal.value.address,
    namespace,
    databaseUrl: pg.value.databaseUrl,
    uiUrl: temporal.value.uiUrl,
    source: 'embedded',
  };
  logger.info({ ...endpoints, engine, ms: Date.now() - started }, 'embedded services ready');
  let stopping: Promise<void> | null = null;
  let billing = pg.value;
  const handle = temporal.value;
  return {
    endpoints,
    engine,
    get pids() {
      return [billing.pid, handle.pid, ...(handle.server ? [handle.server.databasePid()] : [])];
    },
    pprofUrl: handle.server?.pprofUrl ?? null,
    restart: async (which, how) => {
      if (which === 'database') {
        if (how === 'kill') await killPostgres(billing);
        else await billing.stop();
        billing = await startEmbeddedPostgres({ dataDir: path.join(opts.dataDir, 'pg'), port: billing.port, database: DATABASE_NAME });
        return;
      }
      if (!handle.server) throw new Error(`restarting ${which} needs engine 'server' (the dev server is one process with its state)`);
      if (which === 'temporal') await handle.server.restartServer(how);
      else await handle.server.restartDatabase(how);
      await waitForNamespace(endpoints.temporalAddress, namespace, new AbortController().signal, { create: false });
    },
    stop: () => (stopping ??= Promise.allSettled([handle.stop(), billing.stop()]).then(() => undefined)),
  };
}

/** The Temporal server on its own PostgreSQL, its namespace created (a new cluster has none) and prepared. */
async function startServerEngine(opts: { dataDir: string; namespace: string; shards?: number; abort: AbortSignal }): Promise<TemporalHandle> {
  const server = await startTemporalServer(opts);
  try {
    await waitForNamespace(server.address, opts.namespace, opts.abort, { create: true, alive: server.serverRunning });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    address: server.address,
    uiUrl: null,
    get pid() {
      return server.serverPid();
    },
    stop: () => server.stop(),
    server,
  };
}

/** A start failed because the port was taken meanwhile: the one case where trying again helps. */
async function onFreePorts<T>(what: string, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (!(err instanceof ServiceStartError && err.problem === 'port') || attempt >= 3) throw err;
      logger.warn({ err: err.message }, `${what}: its port was taken meanwhile; trying another`);
    }
  }
}

async function startPostgres(dataDir: string, abort: AbortSignal): Promise<EmbeddedPg> {
  return onFreePorts('PostgreSQL', async () => startEmbeddedPostgres({ dataDir, port: await freePort(), database: DATABASE_NAME, abort }));
}

type TemporalHandle = Pick<DevServer, 'address' | 'uiUrl' | 'stop'> & { readonly pid: number; server?: TemporalServer };

async function startTemporal(opts: { withUi: boolean; dbFile: string; namespace: string; logFile: string; abort: AbortSignal }): Promise<TemporalHandle> {
  const cli = resolveTemporalCli();
  if (!cli) {
    const server = await startWithSdkDownload({ ...opts, port: await freePort(), uiPort: opts.withUi ? await freePort() : null });
    await waitForNamespace(server.address, opts.namespace, opts.abort);
    return server;
  }
  logger.debug({ binary: cli.path, source: cli.source }, 'Temporal CLI');
  return onFreePorts('Temporal dev server', async () => {
    const server = await startDevServer({ binary: cli.path, ...opts, port: await freePort(), uiPort: opts.withUi ? await freePort() : null });
    try {
      await waitForNamespace(server.address, opts.namespace, opts.abort);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  });
}

/** Last resort, for machines with internet: let the SDK download its dev server. */
async function startWithSdkDownload(opts: { port: number; uiPort: number | null; dbFile: string; namespace: string }): Promise<TemporalHandle> {
  // The SDK starts and stops this server itself; it is not one of our process groups.
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
      extraArgs: devServerSettingArgs(),
    },
  });
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : null,
    pid: -1,
    stop: () => env.teardown(),
  };
}

/** The port opens before the namespace exists; wait until the server answers for it. */
async function waitForNamespace(address: string, namespace: string, abort: AbortSignal, opts: { create: boolean; alive?: () => boolean } = { create: false }): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    interrupted(abort, 'Temporal');
    if (opts.alive && !opts.alive()) throw new Error(`the Temporal server at ${address} exited while starting (see its log)`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        // The same idempotent setup as `month-close temporal setup` (search attributes).
        await prepareNamespace(connection, namespace, { createNamespace: opts.create, retentionDays: 1 });
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
