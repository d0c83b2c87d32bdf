import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { processRunning } from '../infra/pid';

// Servers a command left running on a data dir when it was killed with SIGKILL: each server
// runs in a process group of its own (children.ts), so it outlives a killed parent. A new start
// on the same data dir must not run beside them (two Temporal servers on one SQLite file, or a
// PostgreSQL refused by the orphan's postmaster.pid). Called only by a command that holds the
// data dir's lock (dev.lock), so whatever runs on the dir is an orphan, never a live sibling.

export interface Orphan {
  pid: number;
  /** What it is, as a person reads it: 'PostgreSQL', 'Temporal dev server' … */
  what: string;
  /** How it was found: the pid file or the state file it holds. */
  foundBy: string;
}

/** The command line of `pid`, or null when it cannot be read (gone, or no /proc and no ps). */
function commandLine(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || null;
    } catch {
      return null;
    }
  }
}

/** The first line of `file` as a pid, if that process runs and its command line contains `expect`. */
function liveProcessIn(file: string, expect: (cmd: string) => boolean): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !processRunning(pid)) return null;
  const cmd = commandLine(pid);
  // A pid reused by another program since: not ours. Unknown (no /proc, no ps): assume ours.
  return cmd === null || expect(cmd) ? pid : null;
}

const SERVICE_NAMES: Record<string, string> = {
  'pg.pid': 'PostgreSQL',
  'temporal.pid': 'Temporal dev server',
  'temporal-server.pid': 'Temporal server',
  'temporal-pg.pid': "Temporal's PostgreSQL",
};

/** Linux: processes holding `file` open (the SQLite state file), from /proc/<pid>/fd. */
function holdersOf(file: string): number[] {
  if (!fs.existsSync('/proc/self/fd') || !fs.existsSync(file)) return [];
  const target = fs.realpathSync(file);
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${entry}/fd/${fd}`) === target) {
          found.push(Number(entry));
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return found;
}

/** Every server still running on `dataDir`: by the pid files its start wrote, PostgreSQL's lock file, and who holds temporal.sqlite. */
export function findOrphans(dataDir: string): Orphan[] {
  const found = new Map<number, Orphan>();
  const add = (o: Orphan) => void (found.has(o.pid) || found.set(o.pid, o));
  if (!fs.existsSync(dataDir)) return [];
  for (const name of fs.readdirSync(dataDir).filter((n) => n.endsWith('.pid'))) {
    const file = path.join(dataDir, name);
    let command = '';
    try {
      command = fs.readFileSync(file, 'utf8').split('\n')[1] ?? '';
    } catch {
      continue;
    }
    const pid = liveProcessIn(file, (cmd) => command !== '' && cmd.includes(path.basename(command)));
    if (pid !== null) add({ pid, what: SERVICE_NAMES[name] ?? name.replace(/\.pid$/, ''), foundBy: file });
  }
  for (const pgDir of ['pg', 'temporal-pg']) {
    const lock = path.join(dataDir, pgDir, 'postmaster.pid');
    const pid = liveProcessIn(lock, (cmd) => cmd.includes('postgres'));
    if (pid !== null) add({ pid, what: pgDir === 'pg' ? 'PostgreSQL' : "Temporal's PostgreSQL", foundBy: lock });
  }
  const sqlite = path.join(dataDir, 'temporal.sqlite');
  for (const pid of holdersOf(sqlite)) add({ pid, what: 'Temporal dev server', foundBy: `it holds ${sqlite}` });
  return [...found.values()];
}

/** Thrown when an orphan cannot be stopped by us; the message says what to do. */
export class OrphanStillRunning extends Error {}

/**
 * Stop every orphan on `dataDir` (SIGTERM, then SIGKILL to its group after `graceMs`) and wait
 * until each is gone. PostgreSQL gets SIGINT, its fast shutdown. Returns what was stopped.
 */
export async function stopOrphans(dataDir: string, say: (line: string) => void, graceMs = 10_000): Promise<Orphan[]> {
  const orphans = findOrphans(dataDir);
  if (orphans.length === 0) return [];
  say(
    `found servers left running on ${dataDir} by a start that ended without stopping them: ` +
      `${orphans.map((o) => `${o.what} pid ${o.pid} (${o.foundBy})`).join(', ')}; stopping them`,
  );
  for (const o of orphans) {
    try {
      process.kill(o.pid, /PostgreSQL/.test(o.what) ? 'SIGINT' : 'SIGTERM');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPERM') {
        throw new OrphanStillRunning(`${o.what} (pid ${o.pid}) still runs on ${dataDir} and is not ours to stop: stop it (kill ${o.pid}) and start again`);
      }
    }
  }
  const deadline = Date.now() + graceMs;
  while (orphans.some((o) => processRunning(o.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const o of orphans.filter((x) => processRunning(x.pid))) {
    for (const target of [-o.pid, o.pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or gone
      }
    }
  }
  const killDeadline = Date.now() + 5000;
  while (orphans.some((o) => processRunning(o.pid)) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 100));
  const left = orphans.filter((o) => processRunning(o.pid));
  if (left.length) {
    throw new OrphanStillRunning(`${left.map((o) => `${o.what} (pid ${o.pid})`).join(', ')} still run on ${dataDir} after SIGKILL: stop them (kill -9 ${left.map((o) => o.pid).join(' ')}) and start again`);
  }
  say(`stopped ${orphans.map((o) => `${o.what} pid ${o.pid}`).join(', ')}`);
  return orphans;
}
