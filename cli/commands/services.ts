import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../infra/config';
import { createDb } from '../../infra/db';
import { logger } from '../../infra/logger';
import { DATA_DIR } from '../../infra/paths';
import { moveDataDirAside } from '../../devenv/reset';
import { clearDevState, readDevState, resolveEndpoints, writeDevState } from '../../infra/endpoints';
import { startSandbox } from '../../devenv/sandbox';
import { stopOrphans } from '../../devenv/orphans';
import { isStopping, onShutdown, runShutdownSteps, stopSignalEndsNormally } from '../../infra/shutdown';
import { ServiceStartError } from '../../devenv/start-errors';
import { smtpSettingsFromEnv } from '../../notify/email';
import { openDeliveryResender } from '../../worker/delivery-resend';
import { startWorker } from '../../worker/worker';
import { consoleLoginHint, serveLocalConsole } from '../../web/local-console';
import type { Engine } from '../../devenv/embedded-services';
import { DEFAULT_HISTORY_SHARDS, TEMPORAL_SERVER_VERSION } from '../../devenv/temporal-server';
import { command, UsageError } from '../runtime';

/** Only one `dev` per checkout: an exclusive lock file holding the owner's pid. */
function takeDevLock(): () => void {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const lock = path.join(DATA_DIR, 'dev.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      const release = () => fs.rmSync(lock, { force: true });
      // However the process ends (a stop signal exits from shutdown.ts), free the checkout.
      process.once('exit', () => {
        clearDevState();
        release();
      });
      return release;
    } catch {
      const pid = Number(fs.readFileSync(lock, 'utf8'));
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = pid !== process.pid;
      } catch {
        alive = false;
      }
      if (alive) {
        const state = readDevState();
        throw new Error(
          `month-close dev is already running for this checkout (pid ${pid}${state ? `, Temporal ${state.temporalAddress}` : ''}); use it, or stop it with Ctrl-C first`,
        );
      }
      fs.rmSync(lock, { force: true }); // left by a dev that died
    }
  }
  throw new Error(`cannot take ${lock}`);
}

/** A start failure as a person needs it: the cause, then the next step. */
function explainStartFailure(err: unknown): never {
  if (err instanceof ServiceStartError && err.problem === 'damaged') {
    throw new Error(
      `${err.message}. Its state looks damaged: run 'month-close dev --reset' to move ${DATA_DIR} aside (kept as ${path.basename(DATA_DIR)}-broken-<time>) and start fresh.`,
    );
  }
  if (err instanceof ServiceStartError && err.problem === 'port') throw new Error(`${err.message}. Ports were taken three times in a row; start again.`);
  throw err;
}

export function registerServiceCommands(program: Command): void {
  program
    .command('dev')
    .description('embedded Temporal dev server + PostgreSQL (state under .data/) + a worker, until Ctrl-C')
    .option('--reset', 'move .data/ aside (kept as .data-broken-<time>, never deleted) and start with fresh state')
    .option('--engine <engine>', "'dev': the Temporal CLI's dev server (SQLite); 'server': the Temporal server on a PostgreSQL of its own (built with Go once)", 'dev')
    .option('--shards <n>', 'history shards of a new Temporal server (--engine server; fixed once its database exists)', String(DEFAULT_HISTORY_SHARDS))
    .action(
      command(async (opts: { reset?: boolean; engine: string; shards: string }) => {
        if (opts.engine !== 'dev' && opts.engine !== 'server') throw new UsageError(`--engine '${opts.engine.slice(0, 20)}' is not 'dev' or 'server'`);
        const engine: Engine = opts.engine;
        const shards = Number(opts.shards);
        if (!Number.isInteger(shards) || shards < 1 || shards > 16_384) throw new UsageError(`--shards '${opts.shards.slice(0, 20)}' is not a whole number from 1 to 16384`);
        const hadState = fs.existsSync(DATA_DIR);
        let release = takeDevLock();
        // Holding the lock, whatever still runs on the data dir was left by a dev killed outright.
        await stopOrphans(DATA_DIR, (line) => process.stderr.write(`${line}\n`)).catch((err: Error) => {
          release();
          throw err;
        });
        if (opts.reset) {
          const moved = hadState ? moveDataDirAside(DATA_DIR) : null;
          process.stderr.write(moved ? `moved ${DATA_DIR} aside to ${moved} (kept; delete it when nothing in it is needed)\n` : `nothing to reset: ${DATA_DIR} does not exist\n`);
          release = takeDevLock(); // the lock file moved aside with the rest
        }
        const started = Date.now();
        try {
          process.stderr.write(`starting PostgreSQL and ${engine === 'server' ? `the Temporal server (${shards} history shards) on a PostgreSQL of its own` : 'the Temporal dev server'} …\n`);
          const mailDir = path.join(DATA_DIR, 'mail');
          const realSmtp = smtpSettingsFromEnv();
          const sandbox = await startSandbox({ dataDir: DATA_DIR, withUi: true, engine, shards, smtp: realSmtp, catchers: realSmtp ? undefined : { mailDir } }).catch(explainStartFailure);
          const { endpoints, config, db, smtp } = sandbox;
          const worker = await sandbox.startWorker();
          const consoleServed = await serveLocalConsole({ db, endpoints, config, resendDeliveries: openDeliveryResender(db, smtp) });
          sandbox.onStop('console', consoleServed.close);
          writeDevState({ ...endpoints, source: 'dev' });
          stopSignalEndsNormally();
          process.stdout.write(
            [
              `month-close dev is ready (${((Date.now() - started) / 1000).toFixed(1)} s)`,
              engine === 'server'
                ? `  Temporal   ${endpoints.temporalAddress}   server ${TEMPORAL_SERVER_VERSION}, ${shards} history shards, pprof ${sandbox.pprofUrl} (no UI: run the Temporal UI against it)`
                : `  Temporal   ${endpoints.temporalAddress}   UI ${endpoints.uiUrl}`,
              `  PostgreSQL ${endpoints.databaseUrl}${sandbox.migrated.length ? `   (migrated: ${sandbox.migrated.join(', ')})` : ''}`,
              `  Worker     task queue ${config.taskQueue}`,
              `  E-mail     ${sandbox.mail ? `caught locally in ${mailDir}` : `via ${smtp!.host}:${smtp!.port}`}`,
              `  Processes  PostgreSQL pid ${sandbox.pids[0]}, Temporal pid ${sandbox.pids[1]}${sandbox.pids[2] ? `, Temporal's PostgreSQL pid ${sandbox.pids[2]}` : ''}`,
              `Console    ${consoleServed.url}   (${await consoleLoginHint(db, config)})`,
              'Other month-close commands from this checkout use these services. Ctrl-C stops them all.',
              '',
            ].join('\n'),
          );
          // The worker runs until a stop signal (shutdown.ts then stops the rest and exits) or a failure.
          const failure = await worker.done.then(() => null, (err: Error) => err);
          if (isStopping()) return new Promise<void>(() => undefined);
          throw new Error(`the worker stopped${failure ? `: ${failure.message}` : ''}; Temporal and PostgreSQL are stopped too`);
        } finally {
          if (!isStopping()) {
            // A failure on the way: stop what did start, in reverse order.
            await runShutdownSteps();
            clearDevState();
            release();
          }
        }
      }),
    );

  program
    .command('worker')
    .description('run a worker (workflows and activities) until SIGINT/SIGTERM')
    .action(
      command(async () => {
        const endpoints = resolveEndpoints();
        const config = loadConfig();
        const db = createDb(endpoints.databaseUrl);
        const smtp = smtpSettingsFromEnv();
        if (!smtp) logger.warn('SMTP_HOST is not set: e-mail deliveries will wait (and retry) until it is');
        const worker = await startWorker({ ...endpoints, taskQueue: config.taskQueue, db, config, smtp });
        logger.info({ taskQueue: config.taskQueue, temporal: endpoints.temporalAddress }, 'worker running; SIGINT or SIGTERM stops it cleanly');
        // The Temporal runtime shuts the worker down on SIGINT/SIGTERM; wait for it to drain.
        await worker.done;
        await db.destroy();
        logger.info('worker stopped');
      }),
    );
}
