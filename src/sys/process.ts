import { readFileSync } from 'node:fs';

/** Whether a process runs: signal 0 reaches it (EPERM: it exists, not ours) and it is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // "PID (comm) STATE ...": a zombie has exited, only its parent has not reaped it yet
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
