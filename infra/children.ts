import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { installStopSignals } from './shutdown';

// The server processes a command starts (Temporal dev server, PostgreSQL). Each runs as the
// leader of a process group of its own (detached), so a terminal's Ctrl-C reaches only us and
// we stop them in order; and a group kill also takes the helpers a server started. Whatever
// path the command ends by, none of them is left running: stop() on the normal path, the
// stop signals (shutdown.ts) on Ctrl-C/SIGTERM, and SIGKILL of every group at process exit.

export interface ServiceProcess {
  name: string;
  pid: number;
  /** Resolves when the process has ended, with how ('exit 1', 'SIGKILL'). */
  exited: Promise<string>;
  running(): boolean;
  /** Its stop signal to the leader, SIGKILL to the group after `graceMs`; resolves when it is gone. */
  stop(): Promise<void>;
}

const live = new Set<ServiceProcess>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Last resort at process exit (an uncaught error, process.exit elsewhere): nothing survives us. */
export function killAllServicesNow(): void {
  for (const child of live) killGroup(child.pid, 'SIGKILL');
}

/** How many service processes still run. */
export function liveServices(): number {
  return live.size;
}

/** Stop every running service process, e.g. when a stop signal arrives while one is still starting. */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
}

let exitHookInstalled = false;

export function spawnService(
  name: string,
  command: string,
  args: string[],
  opts: {
    logFile: string;
    stopSignal: NodeJS.Signals;
    graceMs?: number;
    uid?: number;
    gid?: number;
    env?: NodeJS.ProcessEnv;
    /** Where its pid and command are kept while it runs, so a later start can find it orphaned (orphans.ts). */
    pidFile?: string;
  },
): ServiceProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllServicesNow);
  }
  installStopSignals();
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], uid: opts.uid, gid: opts.gid, env: opts.env ?? process.env });
  fs.closeSync(out);
  child.on('error', () => undefined); // reported below: as a spawn failure, or by 'exit'
  if (child.pid === undefined) {
    // spawn failed synchronously (e.g. ENOENT); the 'error' event carries why.
    const failed = new Promise<string>((resolve) => child.once('error', (err) => resolve(`could not run ${command}: ${err.message}`)));
    return { name, pid: -1, exited: failed, running: () => false, stop: async () => undefined };
  }
  const pid = child.pid;
  if (opts.pidFile) writePidFile(opts.pidFile, pid, command);
  let ended = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      ended = true;
      live.delete(handle);
      if (opts.pidFile) removePidFile(opts.pidFile, pid);
      // The leader is gone; helpers it left in its group go with it.
      killGroup(pid, 'SIGKILL');
      resolve(signal ? signal : `exit ${code}`);
    });
  });
  let stopping: Promise<void> | null = null;
  const handle: ServiceProcess = {
    name,
    pid,
    exited,
    running: () => !ended,
    stop: () =>
      (stopping ??= (async () => {
        if (ended) return;
        child.kill(opts.stopSignal);
        const force = setTimeout(() => killGroup(pid, 'SIGKILL'), opts.graceMs ?? 10_000);
        await exited;
        clearTimeout(force);
      })()),
  };
  live.add(handle);
  return handle;
}

/** `<pid>\n<command>\n`: the command tells a later reader whether the pid still is that service. */
function writePidFile(file: string, pid: number, command: string): void {
  fs.writeFileSync(file, `${pid}\n${command}\n`);
}

/** Remove the pid file if it still names this process (a newer start may have written its own). */
function removePidFile(file: string, pid: number): void {
  try {
    if (Number(fs.readFileSync(file, 'utf8').split('\n')[0]) === pid) fs.rmSync(file, { force: true });
  } catch {
    // gone already
  }
}
