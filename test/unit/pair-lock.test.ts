// The pair lock (src/apply/lock.ts): a live holder (pid and start time) locks the pair; a dead one,
// or a reused pid, is taken over; release removes only this process's own lock.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireLock, LockedError } from '../../src/apply/lock.js';
import { processStartTime } from '../../src/sys/process.js';

const dir = mkdtempSync(join(tmpdir(), 'colo-unit-pairlock-'));
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sleeper() {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  await new Promise((r) => c.once('spawn', r));
  return { child: c, pid: c.pid as number, start: processStartTime(c.pid as number) as string };
}

describe('the pair lock', () => {
  it('a live holder locks the pair; once it has died, its lock is taken over', async () => {
    const s = await sleeper();
    writeFileSync(join(dir, 'colo-p1.lock'), JSON.stringify({ pid: s.pid, start: s.start }));
    expect(() => acquireLock('p1', dir)).toThrow(LockedError);
    s.child.kill('SIGKILL');
    await new Promise((r) => s.child.once('exit', r));
    const lock = acquireLock('p1', dir);
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('a live pid with another start time (reused) is not the holder', async () => {
    const s = await sleeper();
    writeFileSync(join(dir, 'colo-p2.lock'), JSON.stringify({ pid: s.pid, start: `${Number(s.start) + 7}` }));
    acquireLock('p2', dir).release();
  });

  it('release leaves a lock another process has taken meanwhile', () => {
    const lock = acquireLock('p3', dir);
    writeFileSync(lock.path, JSON.stringify({ pid: 1 }));
    lock.release();
    expect(existsSync(lock.path)).toBe(true);
    rmSync(lock.path);
  });
});
