import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../devenv/sandbox';
import { descendants, running } from './dev-process';

// The one sandbox every entry point starts (devenv/sandbox.ts): its stop() and a failed start
// leave no process of ours running, and it stops the last started first.

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'month-close-sandbox-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Our descendants that are servers or workers (the test's own helpers are not). */
function ourServersAndWorkers(): number[] {
  return descendants(process.pid)
    .filter(running)
    .filter((pid) => {
      try {
        return /temporal|postgres|worker\/child\.ts/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false; // ended meanwhile
      }
    });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const refuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('startSandbox', () => {
  it('a start that fails half-way (a catcher cannot make its folder) stops the servers it had started', async () => {
    const notADir = path.join(dir, 'a-file');
    fs.writeFileSync(notADir, '');
    const err = await startSandbox({ dataDir: path.join(dir, 'failing'), catchers: { mailDir: path.join(notADir, 'mail') } }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/ENOTDIR/);
    expect(ourServersAndWorkers()).toEqual([]);
  }, 180_000);

  it('stop() ends the workers before the servers, and leaves nothing running, also after a worker was killed and restarted', async () => {
    const sandbox = await startSandbox({ dataDir: path.join(dir, 'full'), catchers: { mailDir: path.join(dir, 'mail'), webhookDir: path.join(dir, 'hooks') } });
    // Registered before the workers start, so it runs after they stop and before the servers do.
    let atProbe: { workers: number[]; servers: boolean[] } | null = null;
    sandbox.onStop('probe', () => void (atProbe = { workers: pool.alive(), servers: sandbox.pids.map(alive) }));
    const pool = await sandbox.startWorkerProcesses(2);
    const killed = await pool.kill(0);
    expect(alive(killed)).toBe(false);
    await pool.restart(0);
    expect(pool.alive()).toHaveLength(2);
    expect(sandbox.migrated.length).toBeGreaterThan(0);
    const ports = [sandbox.mail!.port, sandbox.webhooks!.port];

    await sandbox.stop();

    expect(atProbe).toEqual({ workers: [], servers: [true, true] });
    expect(pool.started).toHaveLength(3);
    expect(pool.started.filter(alive)).toEqual([]);
    expect(sandbox.pids.filter(alive)).toEqual([]);
    expect(await Promise.all(ports.map(refuses))).toEqual([true, true]);
    expect(ourServersAndWorkers()).toEqual([]);
  }, 300_000);
});
