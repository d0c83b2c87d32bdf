import fs from 'node:fs';

/** Whether a process with this pid exists (signal 0 only checks; EPERM: it exists, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and not a zombie waiting for a parent to reap it (Linux /proc; elsewhere as processAlive). */
export function processRunning(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return !fs.existsSync('/proc/self/stat'); // gone meanwhile (Linux), or no /proc
  }
}
