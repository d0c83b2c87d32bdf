import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerPids, processesUsing, running, startDev, untilReady, type DevRun } from './dev-process';
import { waitFor } from '../support/wait';

// Every way `month-close dev` starts and stops, as a person runs it: whatever happens, it ends
// on its own terms (exit code, message with the next step) and leaves no process behind.

let root: string;
let dataDir: string;
const runs: DevRun[] = [];

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-dev-'));
  dataDir = path.join(root, '.data');
});
afterAll(() => {
  // A failed assertion must not leave servers running on the machine either.
  for (const run of runs) {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    for (const pid of [...run.seen, ...processesUsing(root)]) if (running(pid)) process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(root, { recursive: true, force: true });
});

function dev(dir: string, args: string[] = []): DevRun {
  const run = startDev(dir, args);
  runs.push(run);
  return run;
}

/**
 * Every process the run started is gone: each one seen below it, and any process that names its
 * data dir (checked until so, generously: a loaded machine).
 */
async function nothingLeft(run: DevRun, dir: string): Promise<void> {
  const left = () => [...new Set([...[...run.seen].filter(running), ...processesUsing(dir)])];
  await waitFor(() => left().length === 0, 15_000, 'every process dev started to be gone').catch(() => undefined);
  expect(left()).toEqual([]);
}

describe('month-close dev', () => {
  it('damaged Temporal state: exits 1 within seconds, names the file and --reset, leaves nothing running', async () => {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'temporal.sqlite'), Buffer.alloc(300_000, 0x5a));
    const run = dev(dataDir);
    const started = Date.now();
    const { code } = await run.exited;
    const tookMs = Date.now() - started;

    expect(code).toBe(1);
    expect(tookMs).toBeLessThan(60_000); // seconds in practice; generous for a loaded machine
    const message = run.stderr().split('\n').find((l) => l.startsWith('month-close: '))!;
    expect(message).toContain(path.join(dataDir, 'temporal.sqlite'));
    expect(message).toContain('month-close dev --reset');
    expect(message.length).toBeLessThan(600);
    expect(run.stderr()).not.toMatch(/retrying on other ports|trying another/);
    expect(fs.readFileSync(path.join(dataDir, 'temporal.log'), 'utf8')).toMatch(/not a database/); // the server did run, and said why
    await nothingLeft(run, dataDir);
    expect(fs.existsSync(path.join(dataDir, 'dev.lock'))).toBe(false);
  }, 120_000);

  it('--reset moves the damaged state aside and keeps it, then starts; Ctrl-C stops everything', async () => {
    const damaged = fs.readFileSync(path.join(dataDir, 'temporal.sqlite'));
    const run = dev(dataDir, ['--reset']);
    await untilReady(run);
    const aside = fs.readdirSync(root).filter((n) => /^\.data-broken-\d{8}T\d{6}$/.test(n));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(root, aside[0], 'temporal.sqlite')).equals(damaged)).toBe(true);
    expect(run.stderr()).toContain(aside[0]);

    const pids = bannerPids(run);
    run.collect();
    for (const pid of pids) expect(run.seen.has(pid)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'dev.json'), 'utf8')).pid).toBe(run.child.pid);

    run.child.kill('SIGINT');
    const { code, afterMs } = await run.exited;
    expect(code).toBe(0);
    expect(afterMs).toBeLessThan(60_000);
    expect(run.seen.size).toBeGreaterThan(0); // we did see what it started
    await nothingLeft(run, dataDir);
    expect(fs.existsSync(path.join(dataDir, 'dev.json'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'dev.lock'))).toBe(false);
  }, 300_000);

  it('restarts on its kept state and stops everything on SIGTERM', async () => {
    const run = dev(dataDir);
    await untilReady(run);
    expect(run.stdout()).not.toContain('migrated:'); // the same database as before
    // dev serves the console too, on a line that starts with "Console" (interfaces.md).
    const consoleUrl = /^Console\s+(http:\/\/\S+)/m.exec(run.stdout())?.[1];
    expect(consoleUrl).toBeDefined();
    const login = await fetch(`${consoleUrl}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('name="_csrf"');
    run.collect();
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    expect(code).toBe(0);
    expect(run.seen.size).toBeGreaterThan(0);
    await nothingLeft(run, dataDir);
  }, 300_000);

  it('Ctrl-C while the services are still starting stops them and exits 130', async () => {
    const fresh = path.join(root, 'fresh');
    const run = dev(fresh);
    // Something it started is running (initdb, PostgreSQL or Temporal), and it is not ready yet.
    await waitFor(() => run.collect().length > 0, 120_000, 'dev to start a server process');
    expect(run.stdout()).not.toContain('is ready');
    run.child.kill('SIGINT');
    const { code, afterMs } = await run.exited;
    expect(code).toBe(130);
    expect(afterMs).toBeLessThan(60_000);
    await nothingLeft(run, fresh);
    expect(fs.existsSync(path.join(fresh, 'dev.lock'))).toBe(false);
  }, 300_000);
});
