import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerPids, processesUsing, running, startDev, untilReady, type DevRun } from './dev-process';
import { waitFor } from '../support/wait';

// `month-close dev` killed with SIGKILL leaves its PostgreSQL and Temporal running (each in a
// process group of its own). The next `dev` on the same data dir names them and stops them
// before it starts: never two Temporal servers on one temporal.sqlite, and an orphaned
// PostgreSQL is not mistaken for damaged state.

let root: string;
const runs: DevRun[] = [];

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-orphans-'));
});
afterAll(() => {
  for (const run of runs) {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    for (const pid of [...run.seen, ...processesUsing(root)]) if (running(pid)) process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(root, { recursive: true, force: true });
});

function dev(dir: string): DevRun {
  const run = startDev(dir);
  runs.push(run);
  return run;
}

/** Start dev on `dataDir`, wait until ready, SIGKILL it: its servers live on. Returns their pids. */
async function devKilledOutright(dataDir: string): Promise<{ pg: number; temporal: number }> {
  const first = dev(dataDir);
  await untilReady(first);
  const [pg, temporal] = bannerPids(first);
  first.child.kill('SIGKILL');
  await first.exited;
  expect(running(pg!) && running(temporal!)).toBe(true); // the situation the next dev meets
  return { pg: pg!, temporal: temporal! };
}

/** Temporal dev servers whose command line names this state file. */
function temporalServersOn(sqlite: string): number[] {
  return processesUsing(sqlite).filter((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start-dev'));
}

async function stopAndCheckNothingLeft(run: DevRun, dataDir: string): Promise<void> {
  run.child.kill('SIGINT');
  expect((await run.exited).code).toBe(0);
  await waitFor(() => processesUsing(dataDir).length === 0, 15_000, 'nothing left on the data dir').catch(() => undefined);
  expect(processesUsing(dataDir)).toEqual([]);
}

describe('month-close dev after the previous one was killed with SIGKILL', () => {
  it('with its PostgreSQL already down: stops the orphaned Temporal instead of starting a second one on temporal.sqlite', async () => {
    const dataDir = path.join(root, 'pg-down', '.data');
    const orphan = await devKilledOutright(dataDir);
    process.kill(orphan.pg, 'SIGKILL');
    await waitFor(() => !running(orphan.pg), 10_000, 'PostgreSQL to be gone');

    const second = dev(dataDir);
    await untilReady(second);
    expect(running(orphan.temporal)).toBe(false);
    expect(temporalServersOn(path.join(dataDir, 'temporal.sqlite'))).toEqual([bannerPids(second)[1]]);
    expect(second.stderr()).toMatch(new RegExp(`Temporal dev server pid ${orphan.temporal}\\b.*stopping them`));
    await stopAndCheckNothingLeft(second, dataDir);
  }, 300_000);

  it('with both still running: names and stops them, then starts (not "state looks damaged")', async () => {
    const dataDir = path.join(root, 'both', '.data');
    const orphan = await devKilledOutright(dataDir);

    const second = dev(dataDir);
    await untilReady(second);
    expect(second.stderr()).not.toMatch(/damaged|--reset/);
    expect(second.stderr()).toMatch(new RegExp(`PostgreSQL pid ${orphan.pg}\\b`));
    expect(second.stderr()).toMatch(new RegExp(`Temporal dev server pid ${orphan.temporal}\\b`));
    expect(running(orphan.pg) || running(orphan.temporal)).toBe(false);
    expect(temporalServersOn(path.join(dataDir, 'temporal.sqlite'))).toEqual([bannerPids(second)[1]]);
    await stopAndCheckNothingLeft(second, dataDir);
  }, 300_000);
});
