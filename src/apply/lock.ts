import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createExclusive, lockDir, readOwned, SELF, takeOver } from '../sys/lock-files.js';
import { sameProcessAlive } from '../sys/process.js';

function holderOf(text: string): { pid: number; start?: string } | undefined {
  if (/^\d{1,10}\s*$/.test(text)) return Number(text.trim()) > 0 ? { pid: Number(text.trim()) } : undefined;
  try {
    const h = JSON.parse(text) as { pid?: unknown; start?: unknown };
    if (typeof h.pid === 'number' && h.pid > 0) return { pid: h.pid, ...(typeof h.start === 'string' ? { start: h.start } : {}) };
  } catch {
    /* not colo's */
  }
  return undefined;
}

/**
 * One apply per pair at a time: an exclusive lock file in the lock directory (sys/lock-files.ts)
 * naming the holder's pid and start time; a dead holder's lock is taken over under a sub-lock, so
 * that two processes taking over at once never remove each other's fresh lock.
 */
export function acquireLock(pair: string, dir?: string): { path: string; release(): void } {
  let base = dir;
  if (base === undefined) {
    const where = lockDir();
    if (!where.path) throw new LockedError(`no lock directory for pair ${pair}: ${where.problem}`);
    base = where.path;
  }
  const path = join(base, `colo-${pair}.lock`);
  const text = `${JSON.stringify({ pid: SELF.pid, ...(SELF.start ? { start: SELF.start } : {}) })}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, text))
      return {
        path,
        release: () => {
          // only ours is removed (a process that found us dead may have taken it over meanwhile)
          const now = readOwned(path);
          if (now.ok && now.text === text) rmSync(path, { force: true });
        },
      };
    const file = readOwned(path);
    // gone between the two (its holder released it): try again
    if (!file.ok && file.reason === 'missing') continue;
    if (!file.ok) throw new LockedError(`the lock ${path} is not colo's to use: ${file.detail}`);
    const holder = holderOf(file.text);
    if (holder && holder.pid !== process.pid && sameProcessAlive(holder.pid, holder.start)) {
      throw new LockedError(`pair ${pair} is locked by process ${holder.pid} (${path}): another apply or failover is running`);
    }
    // a file being written this instant is not a dead holder's
    if (!holder && Date.now() - file.mtimeMs < 1000) continue;
    try {
      takeOver(path, file.text);
    } catch (e) {
      throw new LockedError(`cannot take over the dead holder's lock ${path}: ${(e as Error).message}`);
    }
  }
  throw new LockedError(`could not take the lock ${path}`);
}

export class LockedError extends Error {}
