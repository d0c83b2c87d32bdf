import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../devenv/postgres';
import { ServiceStartError } from '../../devenv/start-errors';
import { devServerSettingArgs, resolveTemporalCli, startDevServer } from '../../devenv/temporal-cli';
import { freePort } from '../../devenv/ports';
import { moveDataDirAside } from '../../devenv/reset';
import { descendants, running } from './dev-process';

// Starting one embedded server on a port someone else holds: the failure says the port was
// the problem (the one case `dev` retries on other ports) and nothing is left running.

let dir: string;
let holder: net.Server;
let heldPort: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-start-'));
  holder = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  heldPort = (holder.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => holder.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('an embedded server on a taken port', () => {
  it('Temporal: a ServiceStartError of kind port, and no server left', async () => {
    const cli = resolveTemporalCli()!;
    const err = await startDevServer({ binary: cli.path, port: heldPort, uiPort: null, dbFile: path.join(dir, 't.sqlite'), namespace: 'default', logFile: path.join(dir, 't.log') }).catch((e) => e);
    expect(err).toBeInstanceOf(ServiceStartError);
    expect(err.problem).toBe('port');
    expect(err.message).toMatch(/address already in use/);
    expect(descendants(process.pid).filter(running).filter((pid) => /temporal/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')))).toEqual([]);
  }, 120_000);

  it('PostgreSQL: a ServiceStartError of kind port, and no server left', async () => {
    const err = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: heldPort, database: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(ServiceStartError);
    expect(err.problem).toBe('port');
    expect(descendants(process.pid).filter(running).filter((pid) => /postgres/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')))).toEqual([]);
  }, 180_000);
});

describe('the dev server settings', () => {
  it('journals its state file in WAL mode and is given the dynamic config values', async () => {
    const cli = resolveTemporalCli()!;
    const dbFile = path.join(dir, 'settings', 'temporal.sqlite');
    const server = await startDevServer({ binary: cli.path, port: await freePort(), uiPort: null, dbFile, namespace: 'default', logFile: path.join(dir, 'settings', 't.log') });
    try {
      // SQLite keeps a -wal file beside the database only in WAL mode.
      expect(fs.existsSync(`${dbFile}-wal`)).toBe(true);
      const args = fs.readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
      expect(args).toEqual(expect.arrayContaining(['--sqlite-pragma', 'synchronous=OFF', '--dynamic-config-value', 'system.enableActivityEagerExecution=true']));
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('are left off when the environment says none, and without a state file there is nothing to journal', () => {
    expect(devServerSettingArgs({ MONTH_CLOSE_DEV_SERVER_SETTINGS: 'none' })).toEqual([]);
    expect(devServerSettingArgs({}, false)).not.toContain('--sqlite-pragma');
    expect(devServerSettingArgs({}, false)).toContain('matching.numTaskqueueReadPartitions=1');
  });
});

describe('moveDataDirAside', () => {
  it('renames the folder with a UTC timestamp, keeps every file, and never overwrites an earlier one', () => {
    const data = path.join(dir, 'reset', '.data');
    fs.mkdirSync(path.join(data, 'pg'), { recursive: true });
    fs.writeFileSync(path.join(data, 'temporal.sqlite'), 'broken');
    const at = new Date('2026-12-01T07:15:00Z');
    const first = moveDataDirAside(data, at)!;
    expect(path.basename(first)).toBe('.data-broken-20261201T071500');
    expect(fs.readFileSync(path.join(first, 'temporal.sqlite'), 'utf8')).toBe('broken');
    expect(fs.existsSync(data)).toBe(false);

    fs.mkdirSync(data);
    const second = moveDataDirAside(data, at)!;
    expect(path.basename(second)).toBe('.data-broken-20261201T071500-2');
    expect(fs.existsSync(first)).toBe(true);
    expect(moveDataDirAside(data, at)).toBeNull(); // nothing there any more
  });

  it('refuses while a dev of this folder runs', () => {
    const data = path.join(dir, 'busy', '.data');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'dev.lock'), String(process.ppid)); // a live process that is not us
    expect(() => moveDataDirAside(data)).toThrow(/is running on .*stop it with Ctrl-C before --reset/);
    expect(fs.existsSync(data)).toBe(true);
  });
});
