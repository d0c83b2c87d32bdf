import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processesUsing, running, startCommand, type DevRun } from '../dev/dev-process';
import { waitFor } from '../support/wait';

// `month-close demo --keep` as a person runs it: after the summary it serves the console until
// Ctrl-C, then prints its result, stops everything it started and exits 0.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-keep-test-'));
let run: DevRun | undefined;
afterAll(() => {
  // A failed assertion must not leave servers running on the machine.
  if (run?.child.exitCode === null) run.child.kill('SIGKILL');
  for (const pid of [...(run?.seen ?? []), ...processesUsing(root)]) if (running(pid)) process.kill(pid, 'SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

describe('month-close demo --keep', () => {
  it('serves the console after the summary, and on SIGINT prints its result, stops everything and exits 0', async () => {
    const dataDir = path.join(root, 'data');
    run = startCommand(['demo', '--customers', '10', '--keep'], { MONTH_CLOSE_DATA_DIR: dataDir, MONTH_CLOSE_OUT_DIR: path.join(root, 'out'), LOG_LEVEL: 'warn' });
    const kept = run;
    const consoleUrl = () => /^Console\s+(http:\/\/\S+)/m.exec(kept.stderr())?.[1];
    const early = kept.exited.then(({ code }) => {
      throw new Error(`demo --keep exited (${code}) before serving the console:\n${kept.stderr().slice(-2000)}`);
    });
    await Promise.race([waitFor(() => /log in as \S+ \(finance\)/.test(kept.stderr()), 240_000, 'the console and its logins'), early]);
    expect(kept.stderr()).toContain('Temporal UI   http'); // the UI address while it keeps running
    const login = await fetch(`${consoleUrl()}/login`);
    expect(login.status).toBe(200);
    expect(kept.stdout()).toBe(''); // the result comes at the end

    kept.collect();
    kept.child.kill('SIGINT');
    const { code, afterMs } = await kept.exited;
    expect(code).toBe(0);
    expect(afterMs).toBeLessThan(60_000);
    expect(kept.stdout()).toMatch(/^demo done: \d+ invoices for \d{4}-\d{2} in /m);
    expect(kept.seen.size).toBeGreaterThan(0);
    const left = () => [...new Set([...[...kept.seen].filter(running), ...processesUsing(dataDir)])];
    await waitFor(() => left().length === 0, 15_000, 'every process the demo started to be gone').catch(() => undefined);
    expect(left()).toEqual([]);
    await expect(fetch(`${consoleUrl()}/login`)).rejects.toThrow();
  }, 300_000);
});
