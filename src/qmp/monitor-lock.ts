// One QMP client at a time: QEMU's monitor serves one client and leaves the next unanswered (no
// greeting) until the first goes. colo processes on one host therefore queue for a monitor with a
// lock file per monitor (bounded wait), instead of timing out at its greeting: a monitor another
// colo process holds is *busy*, never *hung*. Hung is decided only by the process that holds the
// lock (no greeting while no colo process held the monitor); it leaves a mark so that the processes
// queued behind it say hung at once instead of each waiting out its own greeting.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../sys/process.js';

/** The monitor is held by another colo process for longer than this process would wait. */
export class QmpBusyError extends Error {
  override readonly name = 'QmpBusyError';
  constructor(
    readonly address: string,
    readonly holder: number | undefined,
    readonly waitedMs: number,
  ) {
    super(`QMP ${address} is busy: colo process ${holder ?? '?'} holds it (waited ${waitedMs} ms for it)`);
  }
}

/** The monitor's QEMU did not answer a colo process that held it (a fresh mark: say hung without waiting). */
export class QmpHungMarkError extends Error {
  override readonly name = 'QmpHungMarkError';
  constructor(
    readonly address: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface MonitorLock {
  release(): void;
  /** this process found the monitor hung: processes queued behind it need not wait for their own timeout */
  markHung(detail: string, validMs: number): void;
  /** the monitor answered: no hung mark. Neither markHung nor clearHung ever throws. */
  clearHung(): void;
}

const dir = () => process.env.COLO_LOCK_DIR ?? tmpdir();
const pathOf = (address: string) => join(dir(), `colo-qmp-${createHash('sha256').update(address).digest('hex').slice(0, 16)}.lock`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** In this process: one holder per monitor at a time too (a fleet reads many monitors from one process). */
const local = new Map<string, Promise<void>>();

function holderOf(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function hungMark(path: string): string | undefined {
  try {
    const m = JSON.parse(readFileSync(`${path}.hung`, 'utf8')) as { until: number; detail: string };
    return m.until > Date.now() ? m.detail : undefined;
  } catch {
    return undefined;
  }
}

/** Tries once: the lock is ours, or held by a live process (its pid). A dead holder's lock is taken over. */
function tryTake(path: string): { ok: true } | { ok: false; holder?: number } {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return { ok: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const holder = holderOf(path);
  if (holder !== undefined && processAlive(holder)) return { ok: false, holder };
  // a holder that died (or a file being written this instant: give it a moment before taking over)
  if (holder === undefined) {
    try {
      if (Date.now() - statSync(path).mtimeMs < 1000) return { ok: false };
    } catch {
      return { ok: false };
    }
  }
  rmSync(path, { force: true });
  return { ok: false };
}

/**
 * Waits (at most `waitMs`) until this process holds the monitor at `address`. Rejects with
 * QmpBusyError when another colo process still holds it then, with QmpHungMarkError at once when
 * the holder found the monitor's QEMU not answering a moment ago.
 */
export async function lockMonitor(address: string, waitMs: number): Promise<MonitorLock> {
  const path = pathOf(address);
  const started = Date.now();
  // in-process queue first
  const before = local.get(path) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const chained = before.then(() => mine);
  local.set(path, chained);
  const releaseLocal = () => {
    done();
    if (local.get(path) === chained) local.delete(path);
  };
  let localFree = false;
  const freed = before.then(() => {
    localFree = true;
  });
  // a free monitor is taken at once: the hung mark is only for the queue behind a holder
  await Promise.race([freed, sleep(0)]);
  // leave the queue without ever holding: the next waits for `before`, not for us
  const leave = () => void before.then(releaseLocal, releaseLocal);
  for (let pause = 5; !localFree; pause = Math.min(50, pause * 2)) {
    const mark = hungMark(path);
    if (mark) {
      leave();
      throw new QmpHungMarkError(address, mark);
    }
    if (Date.now() - started >= waitMs) {
      leave();
      throw new QmpBusyError(address, process.pid, Date.now() - started);
    }
    await Promise.race([before, sleep(pause)]);
  }
  let holder: number | undefined;
  for (let pause = 5; ; pause = Math.min(50, pause * 2)) {
    let got: ReturnType<typeof tryTake>;
    try {
      got = tryTake(path);
    } catch {
      // no lock directory to write in: go on unlocked, as before locks existed
      return { release: releaseLocal, markHung: () => undefined, clearHung: () => undefined };
    }
    if (got.ok) break;
    holder = got.holder ?? holder;
    const mark = hungMark(path);
    if (mark) {
      releaseLocal();
      throw new QmpHungMarkError(address, mark);
    }
    if (Date.now() - started >= waitMs) {
      releaseLocal();
      throw new QmpBusyError(address, holder, Date.now() - started);
    }
    await sleep(pause + Math.random() * pause);
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (holderOf(path) === process.pid) rmSync(path, { force: true });
      releaseLocal();
    },
    markHung(detail: string, validMs: number) {
      try {
        writeFileSync(`${path}.hung`, JSON.stringify({ until: Date.now() + validMs, detail }));
      } catch {
        /* only a shortcut for the others */
      }
    },
    clearHung() {
      try {
        rmSync(`${path}.hung`, { force: true });
      } catch {
        /* a mark this process may not remove (another user's): never a reason to fail a connection that is up */
      }
    },
  };
}
