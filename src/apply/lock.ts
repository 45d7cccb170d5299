import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../sys/process.js';

/** One apply per pair at a time: an exclusive lock file naming the holder's pid; a dead holder's lock is taken over. */
export function acquireLock(pair: string, dir = tmpdir()): { path: string; release(): void } {
  const path = join(dir, `colo-${pair}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { path, release: () => rmSync(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (holder && processAlive(holder) && holder !== process.pid) {
        throw new LockedError(`pair ${pair} is locked by process ${holder} (${path}): another apply or failover is running`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new LockedError(`could not take the lock ${path}`);
}

export class LockedError extends Error {}
