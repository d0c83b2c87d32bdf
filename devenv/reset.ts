import fs from 'node:fs';
import path from 'node:path';
import { processAlive } from '../infra/pid';


/** The pid on the first line of `file`, if that process still runs. */
function livePidIn(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** A pid in a stale postmaster.pid may belong to another program by now. */
function isPostgres(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true; // no /proc (macOS): assume it is, and let the person check
  }
}

/**
 * `month-close dev --reset`: move the state folder aside under a timestamped name
 * (`.data-broken-20261201T071500`) and never delete it: it may hold what someone needs to
 * look at or recover. Refused while a dev or its PostgreSQL still runs on it.
 */
export function moveDataDirAside(dataDir: string, now = new Date()): string | null {
  if (!fs.existsSync(dataDir)) return null;
  const dev = livePidIn(path.join(dataDir, 'dev.lock'));
  if (dev !== null && dev !== process.pid) throw new Error(`month-close dev (pid ${dev}) is running on ${dataDir}; stop it with Ctrl-C before --reset`);
  const pg = livePidIn(path.join(dataDir, 'pg', 'postmaster.pid'));
  if (pg !== null && isPostgres(pg)) throw new Error(`a PostgreSQL (pid ${pg}) still runs on ${path.join(dataDir, 'pg')}; stop it (kill ${pg}) before --reset`);

  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15); // 20261201T071500 (UTC)
  let target = `${dataDir}-broken-${stamp}`;
  for (let n = 2; fs.existsSync(target); n++) target = `${dataDir}-broken-${stamp}-${n}`;
  fs.renameSync(dataDir, target);
  return target;
}
