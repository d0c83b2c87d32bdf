import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processesUsing, running, startDev, untilReady, type DevRun } from '../dev/dev-process';
import { waitFor } from '../support/wait';

// `month-close dev --engine server`: the real Temporal server on a PostgreSQL of its own beside
// the billing PostgreSQL, all named in the banner, all stopped by Ctrl-C.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-dev-engine-'));
let run: DevRun | undefined;

afterAll(() => {
  if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  for (const pid of [...(run?.seen ?? []), ...processesUsing(root)]) if (running(pid)) process.kill(pid, 'SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

describe('month-close dev --engine server', () => {
  it('starts the Temporal server with the shards asked for, and Ctrl-C stops every process', async () => {
    const dataDir = path.join(root, '.data');
    run = startDev(dataDir, ['--engine', 'server', '--shards', '4']);
    await untilReady(run);
    expect(run.stdout()).toMatch(/server v1\.29\.1, 4 history shards/);
    const m = /PostgreSQL pid (\d+), Temporal pid (\d+), Temporal's PostgreSQL pid (\d+)/.exec(run.stdout());
    expect(m).not.toBeNull();
    const pids = m!.slice(1).map(Number);
    expect(pids.every(running)).toBe(true);
    expect(fs.readFileSync(`/proc/${pids[1]}/cmdline`, 'utf8')).toContain(path.join(dataDir, 'temporal-server'));
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'temporal-server.json'), 'utf8'))).toMatchObject({ shards: 4 });

    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(0);
    await waitFor(() => pids.every((p) => !running(p)) && processesUsing(dataDir).length === 0, 30_000, 'every process gone').catch(() => undefined);
    expect(pids.filter(running)).toEqual([]);
    expect(processesUsing(dataDir)).toEqual([]);
  }, 300_000);
});
