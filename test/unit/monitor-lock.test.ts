// The per-monitor lock colo processes queue on (src/qmp/monitor-lock.ts): one holder at a time,
// a bounded wait that ends as busy (never hung), a dead holder's lock taken over, and a hung mark
// that lets the queue say hung at once instead of each waiting out its own greeting.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUNG_LINGER_MS, lockMonitor, QmpBusyError, QmpHungMarkError } from '../../src/qmp/monitor-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'colo-unit-monlock-'));
const saved = process.env.COLO_LOCK_DIR;
beforeAll(() => {
  process.env.COLO_LOCK_DIR = dir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.COLO_LOCK_DIR;
  else process.env.COLO_LOCK_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('the monitor lock', () => {
  it('in one process: the second waits for the first, then holds it', async () => {
    const first = await lockMonitor('unix:/m1', 1000);
    first.greeted();
    const order: string[] = [];
    const second = lockMonitor('unix:/m1', 5000).then((l) => {
      order.push('second');
      return l;
    });
    await new Promise((r) => setTimeout(r, 100));
    order.push('first released');
    first.release();
    (await second).release();
    expect(order).toEqual(['first released', 'second']);
  });

  it('held past the wait: busy, naming the holder', async () => {
    const held = await lockMonitor('unix:/m2', 1000);
    held.greeted();
    await expect(lockMonitor('unix:/m2', 200)).rejects.toBeInstanceOf(QmpBusyError);
    held.release();
    (await lockMonitor('unix:/m2', 200)).release();
  });

  it('held by another live process: busy; once it has died, taken over', async () => {
    const sleeper = spawn('sleep', ['30']);
    try {
      const other = (await import('node:crypto')).createHash('sha256').update('unix:/m3').digest('hex').slice(0, 16);
      writeFileSync(join(dir, `colo-qmp-${other}.lock`), `${sleeper.pid}\n`);
      const e = await lockMonitor('unix:/m3', 150).catch((x) => x);
      expect(e).toBeInstanceOf(QmpBusyError);
      expect(e.holder).toBe(sleeper.pid);
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
      await new Promise((r) => setTimeout(r, 50));
      (await lockMonitor('unix:/m3', 2000)).release();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('a holder that found the QEMU not answering: the queue says hung at once', async () => {
    const held = await lockMonitor('unix:/m4', 1000);
    held.markHung('QMP greeting did not answer within 1000 ms', 5000, 'greeting');
    const started = Date.now();
    const e = await lockMonitor('unix:/m4', 10_000).catch((x) => x);
    expect(e).toBeInstanceOf(QmpHungMarkError);
    expect(Date.now() - started).toBeLessThan(5000);
    held.clearHung();
    held.release();
  });
});

describe('in one process, behind a holder not greeted yet', () => {
  it('after its own timeout the waiter connects itself, without the lock (never busy)', async () => {
    const first = await lockMonitor('unix:/m7', 1000);
    const second = await lockMonitor('unix:/m7', 5000, { timeoutMs: 100 });
    expect(second.held).toBe(false);
    second.release();
    first.release();
  });
});

describe('a hung mark without a holder', () => {
  it('is ignored: a free monitor is taken at once (a thawed or relaunched QEMU is read, not presumed hung)', async () => {
    process.env.COLO_LOCK_DIR = dir;
    const held = await lockMonitor('unix:/m5', 1000);
    held.markHung('QMP greeting did not answer within 1000 ms', 60_000, 'greeting');
    held.release();
    // the marker keeps the lock a moment (HUNG_LINGER_MS) for the queue behind it, then lets go
    await new Promise((r) => setTimeout(r, HUNG_LINGER_MS + 100));
    const again = await lockMonitor('unix:/m5', 1000);
    again.release();
  });
});

describe('marks never throw', () => {
  it('a mark this process cannot write or remove: markHung and clearHung return, release still frees the monitor', async () => {
    const held = await lockMonitor('unix:/m6', 1000);
    const { mkdirSync } = await import('node:fs');
    const lockFile = `colo-qmp-${(await import('node:crypto')).createHash('sha256').update('unix:/m6').digest('hex').slice(0, 16)}.lock`;
    // a directory where the mark goes: writing and removing it both fail (as EPERM on another user's mark would)
    const markDir = join(dir, `${lockFile}.hung`);
    mkdirSync(markDir, { recursive: true });
    try {
      expect(() => held.markHung('no answer', 1000, 'greeting')).not.toThrow();
      expect(() => held.clearHung()).not.toThrow();
      held.release();
      (await lockMonitor('unix:/m6', 200)).release();
    } finally {
      rmSync(markDir, { recursive: true, force: true });
    }
  });
});
