import path from 'node:path';
import type { Client } from '@temporalio/client';
import { connectClient } from '../client/connect';
import type { SmtpSettings } from '../notify/email';
import { bundleWorkflows } from '../worker/bundle';
import { WorkerPool, type WorkerProcessOptions } from '../worker/processes';
import { startWorker, type RunningWorker } from '../worker/worker';
import { startMailCatcher, startWebhookCatcher, type Catcher } from './catchers';
import { loadConfig, type AppConfig } from '../infra/config';
import { createDb, migrate, type Db } from '../infra/db';
import { logger } from '../infra/logger';
import type { Endpoints } from '../infra/endpoints';
import { startEmbeddedServices, type Engine, type Restartable } from './embedded-services';
import { onShutdown } from '../infra/shutdown';

// The embedded environment every entry point needs (dev, demo, the bench, the drill, the test
// setup): PostgreSQL and the Temporal dev server (namespace prepared), the database migrated,
// local mail and webhook catchers, and workers in this process or in processes of their own.
// One stop() undoes the start in reverse order; each step is also a shutdown step, so Ctrl-C
// or SIGTERM at any moment (also during the start) stops what has started, worker first.

export interface SandboxOptions {
  /** Server state (pg/, temporal.sqlite, logs) and the workflow bundle live here. */
  dataDir: string;
  withUi?: boolean;
  /** 'dev' (default): the Temporal CLI's dev server; 'server': the Temporal server on a PostgreSQL of its own. */
  engine?: Engine;
  /** History shards of a new Temporal server (engine 'server'); default 16. */
  shards?: number;
  /** 'migrated' (default): the month_close database, migrated, with a pool; 'none': the servers only. */
  database?: 'migrated' | 'none';
  dbPool?: { min: number; max: number };
  /** Run the local catchers, keeping what they receive in these folders. */
  catchers?: { mailDir: string; webhookDir?: string };
  /** A real SMTP server; without it the workers send to the mail catcher (when there is one). */
  smtp?: SmtpSettings | null;
  config?: AppConfig;
}

export interface Sandbox {
  endpoints: Endpoints;
  engine: Engine;
  /** The server processes (PostgreSQL, Temporal[, Temporal's PostgreSQL]). */
  readonly pids: number[];
  /** The Temporal server's pprof (engine 'server'), for CPU profiles. */
  pprofUrl: string | null;
  /** SIGKILL (or cleanly stop) one server and start it again on the same port and state (drills). */
  restart(which: Restartable, how: 'kill' | 'stop'): Promise<void>;
  config: AppConfig;
  /** The migrated database's pool (not with `database: 'none'`). */
  readonly db: Db;
  /** Migrations applied by this start (empty when the database was up to date). */
  migrated: string[];
  mail: Catcher | null;
  webhooks: (Catcher & { url: string }) | null;
  /** What the workers send e-mail through. */
  smtp: SmtpSettings | null;
  /** A Temporal client, connected on first use. */
  client(): Promise<Client>;
  /** A worker in this process. */
  startWorker(opts?: { maxConcurrentActivityTaskExecutions?: number }): Promise<RunningWorker>;
  /** `count` workers in processes of their own on the same task queue. */
  startWorkerProcesses(count: number, opts?: WorkerProcessOptions & { maxConcurrentActivityTaskExecutions?: number }): Promise<WorkerPool>;
  /** Stop something of the caller's with the sandbox, before everything started until now. */
  onStop(name: string, stop: () => Promise<void> | void): void;
  /** Stop everything started, last first; a step that fails does not keep the rest running. */
  stop(): Promise<void>;
}

/** Start the embedded environment; a failure on the way stops what had started and throws. */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const stack = new StopStack();
  try {
    return await build(opts, stack);
  } catch (err) {
    await stack.run();
    throw err;
  }
}

async function build(opts: SandboxOptions, stack: StopStack): Promise<Sandbox> {
  const config = opts.config ?? loadConfig();
  const services = await startEmbeddedServices({ dataDir: opts.dataDir, withUi: opts.withUi ?? false, engine: opts.engine, shards: opts.shards });
  stack.push('PostgreSQL and Temporal', services.stop);
  const { endpoints } = services;

  let db: Db | null = null;
  let migrated: string[] = [];
  if ((opts.database ?? 'migrated') === 'migrated') {
    const pool = createDb(endpoints.databaseUrl, opts.dbPool);
    db = pool;
    stack.push('database pool', () => pool.destroy());
    migrated = await migrate(pool);
  }

  const mail = opts.catchers ? await startMailCatcher(opts.catchers.mailDir) : null;
  if (mail) stack.push('mail catcher', mail.close);
  const webhooks = opts.catchers?.webhookDir ? await startWebhookCatcher(opts.catchers.webhookDir) : null;
  if (webhooks) stack.push('webhook catcher', webhooks.close);
  const smtp = opts.smtp ?? (mail ? { host: '127.0.0.1', port: mail.port, secure: false, from: config.seller.email } : null);

  const database = (): Db => {
    if (!db) throw new Error("this sandbox has no database (started with database: 'none')");
    return db;
  };
  let client: Promise<Client> | null = null;
  let bundle: Promise<string> | null = null;
  return {
    endpoints,
    engine: services.engine,
    get pids() {
      return services.pids;
    },
    pprofUrl: services.pprofUrl,
    restart: (which, how) => services.restart(which, how),
    config,
    get db() {
      return database();
    },
    migrated,
    mail,
    webhooks,
    smtp,
    client: () =>
      (client ??= connectClient(endpoints).then((c) => {
        stack.push('Temporal client', c.close);
        return c.client;
      })),
    startWorker: async (w = {}) => {
      const worker = await startWorker({ ...endpoints, taskQueue: config.taskQueue, db: database(), config, smtp, ...w });
      stack.push('worker', worker.close);
      return worker;
    },
    startWorkerProcesses: async (count, { maxConcurrentActivityTaskExecutions, ...processOptions } = {}) => {
      bundle ??= bundleWorkflows(path.join(opts.dataDir, 'workflow-bundle.js'));
      const settings = {
        ...endpoints,
        taskQueue: config.taskQueue,
        databaseUrl: endpoints.databaseUrl,
        smtp,
        config,
        workflowBundlePath: await bundle,
        maxConcurrentActivityTaskExecutions,
      };
      const pool = await WorkerPool.start(count, settings, processOptions);
      stack.push('worker processes', () => pool.stop());
      return pool;
    },
    onStop: (name, stop) => stack.push(name, async () => stop()),
    stop: () => stack.run(),
  };
}

/** Stop steps, run last first and each at most once, also registered for Ctrl-C/SIGTERM. */
class StopStack {
  private steps: { name: string; stop: () => Promise<void>; unregister: () => void }[] = [];

  push(name: string, stop: () => Promise<void>): void {
    let once: Promise<void> | null = null;
    const step = () => (once ??= stop());
    this.steps.push({ name, stop: step, unregister: onShutdown(name, step) });
  }

  async run(): Promise<void> {
    for (const s of this.steps.splice(0).reverse()) {
      s.unregister();
      await s.stop().catch((err) => logger.warn({ step: s.name, err: (err as Error).message }, 'stop step failed; going on'));
    }
  }
}
