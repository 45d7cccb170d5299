// The monitor lock's safety rules (src/qmp/monitor-lock.ts, src/sys/lock-files.ts): a hung mark is
// honoured only from the holder that still holds the lock, with a timeout no shorter than the
// reader's, owned by this user or root; only a greeted holder makes a monitor busy; a pid is its
// start time too; a dead holder's lock is removed only if it is still the one found dead; the lock
// directory is this user's, never a symlink.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lockMonitor, QmpBusyError, QmpHungMarkError } from '../../src/qmp/monitor-lock.js';
import { lockDir, takeOver, writeWhole } from '../../src/sys/lock-files.js';
import { processStartTime } from '../../src/sys/process.js';

const dir = mkdtempSync(join(tmpdir(), 'colo-unit-monlock-safety-'));
const saved = process.env.COLO_LOCK_DIR;
const children: ChildProcess[] = [];
beforeAll(() => {
  process.env.COLO_LOCK_DIR = dir;
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
  }
});
afterAll(() => {
  if (saved === undefined) delete process.env.COLO_LOCK_DIR;
  else process.env.COLO_LOCK_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

const lockPath = (address: string) => join(dir, `colo-qmp-${createHash('sha256').update(address).digest('hex').slice(0, 16)}.lock`);
const sleeper = async (): Promise<{ pid: number; start: string }> => {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  await new Promise((r) => c.once('spawn', r));
  const pid = c.pid as number;
  return { pid, start: processStartTime(pid) as string };
};
/** Another colo process holding `address`: a live child named in the lock file. */
const holdFrom = (address: string, who: { pid: number; start: string }, greeted: boolean) =>
  writeFileSync(lockPath(address), JSON.stringify({ pid: who.pid, start: who.start, greeted }), { mode: 0o600 });
const markFrom = (address: string, who: { pid: number; start: string }, timeoutMs: number, untilMs = timeoutMs) =>
  writeFileSync(
    `${lockPath(address)}.hung`,
    JSON.stringify({ pid: who.pid, start: who.start, timeoutMs, until: Date.now() + untilMs, detail: 'no greeting', silence: 'greeting' }),
  );
const isRoot = process.getuid?.() === 0;

describe('a hung mark', () => {
  it('by the holder, with a timeout at least the reader’s: hung at once', async () => {
    const other = await sleeper();
    holdFrom('unix:/s1', other, true);
    markFrom('unix:/s1', other, 5000);
    await expect(lockMonitor('unix:/s1', 2000, { timeoutMs: 3000 })).rejects.toBeInstanceOf(QmpHungMarkError);
  });

  it('with a shorter timeout than the reader’s (colo status --timeout 1): not honoured, the monitor reads busy', async () => {
    const other = await sleeper();
    holdFrom('unix:/s2', other, true);
    markFrom('unix:/s2', other, 1, 1000);
    await expect(lockMonitor('unix:/s2', 300, { timeoutMs: 3000 })).rejects.toBeInstanceOf(QmpBusyError);
  });

  it('by a holder in this process that released it (its files linger for the others): not honoured here, the lock is taken at once', async () => {
    // a failover reads a frozen peer (hung, marked), fences it, then launches it in the same process:
    // the dead QEMU's stale socket must read unreachable, never hung by this process's own lingering mark
    const first = await lockMonitor('unix:/s-linger', 2000, { timeoutMs: 3000 });
    first.markHung('QMP greeting did not answer within 3000 ms', 3000, 'greeting');
    first.release();
    expect(existsSync(`${lockPath('unix:/s-linger')}.hung`)).toBe(true);
    const next = await lockMonitor('unix:/s-linger', 2000, { timeoutMs: 1000 });
    expect(next.held).toBe(true);
    expect(existsSync(`${lockPath('unix:/s-linger')}.hung`)).toBe(false);
    next.release();
    expect(existsSync(lockPath('unix:/s-linger'))).toBe(false);
  });

  it('by an earlier holder, while another holds the lock: not honoured', async () => {
    const earlier = await sleeper();
    const now = await sleeper();
    holdFrom('unix:/s3', now, true);
    markFrom('unix:/s3', earlier, 5000);
    await expect(lockMonitor('unix:/s3', 300, { timeoutMs: 3000 })).rejects.toBeInstanceOf(QmpBusyError);
  });

  it('whose end lies further away than its timeout (forged): not honoured', async () => {
    const other = await sleeper();
    holdFrom('unix:/s4', other, true);
    markFrom('unix:/s4', other, 5000, 10 * 365 * 24 * 3600 * 1000);
    await expect(lockMonitor('unix:/s4', 300, { timeoutMs: 3000 })).rejects.toBeInstanceOf(QmpBusyError);
  });

  it.skipIf(!isRoot)('owned by another user: not honoured (needs root to make one)', async () => {
    const other = await sleeper();
    holdFrom('unix:/s5', other, true);
    markFrom('unix:/s5', other, 5000);
    chownSync(`${lockPath('unix:/s5')}.hung`, 4242, 4242);
    await expect(lockMonitor('unix:/s5', 300, { timeoutMs: 3000 })).rejects.toBeInstanceOf(QmpBusyError);
  });

  it('written through a symlink never: markHung replaces the link, the target is untouched', async () => {
    const target = join(dir, 'target-file');
    writeFileSync(target, 'precious');
    const held = await lockMonitor('unix:/s6', 1000);
    symlinkSync(target, `${lockPath('unix:/s6')}.hung`);
    held.markHung('no greeting', 1000, 'greeting');
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(lstatSync(`${lockPath('unix:/s6')}.hung`).isSymbolicLink()).toBe(false);
    held.clearHung();
    held.release();
  });
});

describe('busy is a greeted holder only', () => {
  it('a live holder QEMU has greeted: busy', async () => {
    const other = await sleeper();
    holdFrom('unix:/g1', other, true);
    const e = await lockMonitor('unix:/g1', 300, { timeoutMs: 100 }).catch((x) => x);
    expect(e).toBeInstanceOf(QmpBusyError);
    expect(e.holder).toBe(other.pid);
  });

  it('a live holder still connecting: after the reader’s own timeout it connects itself, without the lock (never busy)', async () => {
    const other = await sleeper();
    holdFrom('unix:/g2', other, false);
    const lock = await lockMonitor('unix:/g2', 10_000, { timeoutMs: 150 });
    expect(lock.held).toBe(false);
    lock.release();
    // the holder's file is left alone
    expect(JSON.parse(readFileSync(lockPath('unix:/g2'), 'utf8')).pid).toBe(other.pid);
  });

  it('this process’s greeting is written into its lock file', async () => {
    const lock = await lockMonitor('unix:/g3', 1000);
    expect(JSON.parse(readFileSync(lockPath('unix:/g3'), 'utf8'))).toMatchObject({ pid: process.pid, greeted: false });
    lock.greeted();
    expect(JSON.parse(readFileSync(lockPath('unix:/g3'), 'utf8'))).toMatchObject({ pid: process.pid, greeted: true });
    lock.release();
    expect(existsSync(lockPath('unix:/g3'))).toBe(false);
  });
});

describe('a holder is its pid and its start time', () => {
  it('a live pid with another start time (a reused pid) is a dead holder: taken over', async () => {
    const other = await sleeper();
    holdFrom('unix:/p1', { pid: other.pid, start: `${Number(other.start) - 1}` }, true);
    const lock = await lockMonitor('unix:/p1', 2000, { timeoutMs: 100 });
    expect(lock.held).toBe(true);
    lock.release();
  });

  it('a lock file naming pid 1 without a start (an older colo) held by this user: still a live holder', async () => {
    writeFileSync(lockPath('unix:/p2'), '1\n');
    await expect(lockMonitor('unix:/p2', 200, { timeoutMs: 100 })).rejects.toBeInstanceOf(QmpBusyError);
    rmSync(lockPath('unix:/p2'));
  });

  it.skipIf(!isRoot)('a lock file owned by another user: never honoured; the monitor is used without its lock, with a warning', async () => {
    writeFileSync(lockPath('unix:/p3'), '1\n');
    chownSync(lockPath('unix:/p3'), 4242, 4242);
    const lock = await lockMonitor('unix:/p3', 200, { timeoutMs: 100 });
    expect(lock.held).toBe(false);
    expect(lock.warning).toMatch(/not colo's to use/);
    lock.release();
    rmSync(lockPath('unix:/p3'));
  });
});

describe('taking over a dead holder’s lock', () => {
  it('removes the file only if it is still the one found dead', () => {
    const path = join(dir, 't1.lock');
    writeFileSync(path, 'fresh holder');
    takeOver(path, 'dead holder');
    expect(readFileSync(path, 'utf8')).toBe('fresh holder');
    takeOver(path, 'fresh holder');
    expect(existsSync(path)).toBe(false);
  });

  it('not while another process is taking it over (its sub-lock)', () => {
    const path = join(dir, 't2.lock');
    writeFileSync(path, 'dead holder');
    writeFileSync(`${path}.takeover`, '1\n');
    takeOver(path, 'dead holder');
    expect(readFileSync(path, 'utf8')).toBe('dead holder');
    rmSync(`${path}.takeover`);
  });

  it('a dead child’s lock is taken over', async () => {
    const other = await sleeper();
    holdFrom('unix:/t3', other, true);
    children[children.length - 1].kill('SIGKILL');
    await new Promise((r) => children[children.length - 1].once('exit', r));
    const lock = await lockMonitor('unix:/t3', 2000, { timeoutMs: 100 });
    expect(lock.held).toBe(true);
    lock.release();
  });
});

describe('the lock directory', () => {
  it('COLO_LOCK_DIR when it is this user’s directory', () => {
    expect(lockDir({ COLO_LOCK_DIR: dir })).toEqual({ path: dir });
  });

  it('a symlink is refused', () => {
    const link = join(dir, 'link-dir');
    const real = join(dir, 'real-dir');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, link);
    expect(lockDir({ COLO_LOCK_DIR: link }).problem).toMatch(/not a directory/);
  });

  it('a directory others may write (without the sticky bit) is refused', () => {
    const open = join(dir, 'open-dir');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(lockDir({ COLO_LOCK_DIR: open }).problem).toMatch(/writable by others/);
  });

  it.skipIf(isRoot)('without COLO_LOCK_DIR: $XDG_RUNTIME_DIR/colo, made 0700', () => {
    const runtime = join(dir, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const got = lockDir({ XDG_RUNTIME_DIR: runtime });
    expect(got.path).toBe(join(runtime, 'colo'));
    expect(lstatSync(join(runtime, 'colo')).mode & 0o777).toBe(0o700);
  });

  it('a mark or greeting is written whole (temp file renamed), never left half written', () => {
    const path = join(dir, 'w1');
    writeWhole(path, 'one');
    writeWhole(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
  });
});

describe('connectNode', () => {
  it('a unix socket that is not there: unreachable at once, without queueing behind a holder', async () => {
    const { connectNode, unreachableFrom } = await import('../../src/observe/observe.js');
    const other = await sleeper();
    const sock = join(dir, 'no-such.qmp');
    holdFrom(`unix:${sock}`, other, true);
    const e = await connectNode({ name: 'a', qmp: `unix:${sock}` } as never, { connectTimeoutMs: 100, lockWaitMs: 5000 }).catch((x) => x);
    expect(unreachableFrom('a', e, 100).reach).toBe('unreachable');
  });
});
