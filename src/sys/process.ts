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

/**
 * When a process started (field 22 of /proc/PID/stat, in clock ticks since boot): with the pid it
 * names one process, never a later one given the same pid. undefined where /proc cannot say.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "(comm) " start at field 3 (the state): field 22 is the 20th of them
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process `pid` that started at `start` (processStartTime) still runs; no start: the pid alone. */
export function sameProcessAlive(pid: number, start: string | undefined): boolean {
  if (!processAlive(pid)) return false;
  if (start === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === start;
}
