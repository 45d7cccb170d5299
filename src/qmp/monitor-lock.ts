// One QMP client at a time: QEMU's monitor serves one client and leaves the next unanswered (no
// greeting) until the first goes. colo processes on one host therefore queue for a monitor with a
// lock file per monitor (bounded wait), instead of timing out at its greeting.
//
// The lock file names its holder ({pid, start, greeted}: the pid with its start time, so a reused
// pid is not the holder). Only a holder QEMU has greeted makes the monitor *busy*; a holder still
// connecting proves nothing about the QEMU (it may be stuck connecting to a dead host, or stopped),
// so a waiter behind it waits its own timeout and then connects itself ("bypass"), as if no other
// colo process were there. Hung is decided by a process that connects: a holder that got no
// greeting leaves a mark {pid, start, timeoutMs, until} and keeps the lock a moment, so that the
// waiters queued behind it say hung at once — but only those whose own timeout is no longer than
// the marker's, only while the marker still holds the lock, and only a mark owned by this user or
// root (sys/lock-files.ts has the directory and the file rules).
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { lockDir, createExclusive, readOwned, SELF, takeOver, writeWhole } from '../sys/lock-files.js';
import { sameProcessAlive } from '../sys/process.js';

/** The monitor is held by another colo process, which QEMU has greeted, for longer than this process would wait. */
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

/** The monitor's QEMU did not answer a colo process that still holds it (a fresh mark: say hung without waiting). */
export class QmpHungMarkError extends Error {
  override readonly name = 'QmpHungMarkError';
  constructor(
    readonly address: string,
    readonly detail: string,
    /** where the marking process found the monitor silent */
    readonly silence: MarkedSilence,
  ) {
    super(detail);
  }
}

/** Where a holder found its monitor silent before QMP was up: no connection, no greeting, the backlog full. */
export type MarkedSilence = 'connect' | 'greeting' | 'backlog';
const MARKED = new Set<string>(['connect', 'greeting', 'backlog']);

export interface MonitorLock {
  /** false: this process connects without the lock (see `warning`, or a holder that never got its greeting) */
  readonly held: boolean;
  /** why the lock is not held (a lock directory or file colo may not use); reported by the caller */
  readonly warning?: string;
  release(): void;
  /** QEMU greeted this process: from now on the queue behind reads the monitor as busy */
  greeted(): void;
  /** this process got no greeting within `timeoutMs`: the queue behind (with timeouts no longer) may say hung at once */
  markHung(detail: string, timeoutMs: number, silence: MarkedSilence): void;
  /** the monitor answered: no hung mark. None of these ever throws. */
  clearHung(): void;
}

export interface LockOptions {
  /** this process's own bound on connect + greeting (ms): a mark by a shorter timeout is not honoured */
  timeoutMs?: number;
}

interface Holder {
  pid: number;
  start?: string;
  greeted: boolean;
}

interface HungMark {
  pid: number;
  start?: string;
  timeoutMs: number;
  until: number;
  detail: string;
  silence: MarkedSilence;
}

/** How long a holder that found the QEMU hung keeps the lock, so that the waiters (polling at most every 100 ms) read its mark. */
export const HUNG_LINGER_MS = 250;

const nameOf = (address: string) => `colo-qmp-${createHash('sha256').update(address).digest('hex').slice(0, 16)}.lock`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** In this process: one holder per monitor at a time too (a fleet reads many monitors from one process). */
const local = new Map<string, Promise<void>>();

/**
 * Lock files this process released with a hung mark and keeps a moment for the other processes'
 * waiters, by lock path: their removal, still due. The lock is no longer held, so its mark is not
 * honoured in this process: the next holder here removes file and mark at once and takes the lock.
 */
const lingering = new Map<string, () => void>();

/** Lock paths a holder in this process marked hung and still holds (not released yet). */
const markedHeld = new Set<string>();

function parseHolder(text: string): Holder | undefined {
  // an older colo's lock: the pid alone, held while connected (greeted)
  if (/^\d{1,10}\s*$/.test(text)) {
    const pid = Number(text.trim());
    return pid > 0 ? { pid, greeted: true } : undefined;
  }
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.pid === 'number' && Number.isSafeInteger(h.pid) && h.pid > 0)
      return { pid: h.pid, ...(typeof h.start === 'string' ? { start: h.start } : {}), greeted: h.greeted === true };
  } catch {
    /* unreadable: a file being written, or not colo's */
  }
  return undefined;
}

const holderText = (greeted: boolean) => `${JSON.stringify({ pid: SELF.pid, ...(SELF.start ? { start: SELF.start } : {}), greeted })}\n`;

/** The mark, when it is to be honoured by a reader whose own timeout is `readerTimeoutMs` while `holder` holds the lock. */
function honouredMark(path: string, holder: Holder | undefined, readerTimeoutMs: number): Pick<HungMark, 'detail' | 'silence'> | undefined {
  if (!holder) return undefined;
  // this process's own lock file: held only while a holder here has not released it (never while it lingers)
  if (holder.pid === SELF.pid && holder.start === SELF.start && !markedHeld.has(path)) return undefined;
  const file = readOwned(`${path}.hung`);
  if (!file.ok) return undefined;
  try {
    const m = JSON.parse(file.text) as Partial<HungMark>;
    if (typeof m.pid !== 'number' || typeof m.timeoutMs !== 'number' || typeof m.until !== 'number' || typeof m.detail !== 'string') return undefined;
    if (typeof m.silence !== 'string' || !MARKED.has(m.silence)) return undefined;
    // written by the holder still holding the lock (a stale mark by an earlier holder says nothing about this one)
    if (m.pid !== holder.pid || (m.start ?? undefined) !== holder.start) return undefined;
    // a shorter timeout than ours proves nothing about a wait as long as ours
    if (m.timeoutMs < readerTimeoutMs) return undefined;
    const left = m.until - Date.now();
    if (left <= 0 || left > m.timeoutMs) return undefined;
    return { detail: m.detail, silence: m.silence };
  } catch {
    return undefined;
  }
}

type Take = { ok: true } | { ok: false; holder?: Holder; foreign?: string };

/** Tries once: the lock is ours, or held by a live process (its identity). A dead holder's lock is taken over. */
function tryTake(path: string): Take {
  if (createExclusive(path, holderText(false))) return { ok: true };
  const file = readOwned(path);
  if (!file.ok) return file.reason === 'missing' ? { ok: false } : { ok: false, foreign: file.detail ?? path };
  const holder = parseHolder(file.text);
  if (holder && holder.pid !== SELF.pid && sameProcessAlive(holder.pid, holder.start)) return { ok: false, holder };
  if (holder?.pid === SELF.pid && holder.start === SELF.start) return { ok: false, holder };
  // a file being written this instant: give it a moment before taking over
  if (!holder && Date.now() - file.mtimeMs < 1000) return { ok: false };
  try {
    takeOver(path, file.text);
  } catch (e) {
    return { ok: false, foreign: `cannot remove the dead holder's lock ${path}: ${(e as Error).message}` };
  }
  return { ok: false };
}

const warned = new Set<string>();
/** Reports once per process that a monitor is used without its lock. */
export function warnUnlocked(warning: string): void {
  if (warned.has(warning)) return;
  warned.add(warning);
  process.stderr.write(`colo: warning: ${warning}\n`);
}

const unlocked = (release: () => void, warning?: string): MonitorLock => ({
  held: false,
  ...(warning ? { warning } : {}),
  release,
  greeted: () => undefined,
  markHung: () => undefined,
  clearHung: () => undefined,
});

/**
 * Waits (at most `waitMs`) until this process holds the monitor at `address`. Rejects with
 * QmpBusyError when a colo process QEMU has greeted still holds it then, with QmpHungMarkError at
 * once when the holder found the QEMU not answering (a mark honoured as above). Behind a holder that
 * has not been greeted for this process's own timeout, resolves without the lock (held: false): the
 * caller connects itself and reads what it reads.
 */
export async function lockMonitor(address: string, waitMs: number, opts: LockOptions = {}): Promise<MonitorLock> {
  const readerTimeoutMs = opts.timeoutMs ?? 0;
  const where = lockDir();
  const path = join(where.path ?? '', nameOf(address));
  const key = where.path ? path : `unlocked:${address}`;
  const started = Date.now();
  // in-process queue first
  const before = local.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const chained = before.then(() => mine);
  local.set(key, chained);
  const releaseLocal = () => {
    done();
    if (local.get(key) === chained) local.delete(key);
  };
  let localFree = false;
  const freed = before.then(() => {
    localFree = true;
  });
  await Promise.race([freed, sleep(0)]);
  // leave the queue without ever holding: the next waits for `before`, not for us
  const leave = () => void before.then(releaseLocal, releaseLocal);
  let localUngreetedSince: number | undefined;
  for (let pause = 5; !localFree; pause = Math.min(50, pause * 2)) {
    let greetedHolder = true;
    if (where.path) {
      const file = readOwned(path);
      const h = file.ok ? parseHolder(file.text) : undefined;
      const mark = honouredMark(path, h, readerTimeoutMs);
      if (mark) {
        leave();
        throw new QmpHungMarkError(address, mark.detail, mark.silence);
      }
      // this process's own holder still connecting: the same rule as for another process's
      greetedHolder = h?.greeted !== false;
      localUngreetedSince = greetedHolder ? undefined : (localUngreetedSince ?? Date.now());
      if (localUngreetedSince !== undefined && Date.now() - localUngreetedSince >= Math.max(readerTimeoutMs, 1)) {
        leave();
        return unlocked(() => undefined);
      }
    }
    if (Date.now() - started >= waitMs) {
      leave();
      if (!greetedHolder) return unlocked(() => undefined);
      throw new QmpBusyError(address, process.pid, Date.now() - started);
    }
    await Promise.race([before, sleep(pause)]);
  }
  if (!where.path) return unlocked(releaseLocal, `no lock directory (${where.problem}): QMP ${address} is used without its lock`);
  // first in this process's queue: a lock released here with a mark, kept for the others, is not
  // held any more; it goes now (with its mark) instead of reading as held, or as hung, to this process
  lingering.get(path)?.();
  // how long the current holder has been seen not greeted (it may be stuck connecting)
  let ungreeted: { pid: number; since: number } | undefined;
  let holder: Holder | undefined;
  for (let pause = 5; ; pause = Math.min(50, pause * 2)) {
    let got: Take;
    try {
      got = tryTake(path);
    } catch (e) {
      return unlocked(releaseLocal, `cannot take the lock for QMP ${address} in ${where.path}: ${(e as Error).message}; used without its lock`);
    }
    if (got.ok) break;
    if (got.foreign) return unlocked(releaseLocal, `the lock for QMP ${address} is not colo's to use (${got.foreign}); used without its lock`);
    holder = got.holder ?? holder;
    const mark = honouredMark(path, got.holder, readerTimeoutMs);
    if (mark) {
      releaseLocal();
      throw new QmpHungMarkError(address, mark.detail, mark.silence);
    }
    const now = Date.now();
    if (got.holder && !got.holder.greeted) {
      if (ungreeted?.pid !== got.holder.pid) ungreeted = { pid: got.holder.pid, since: now };
      // a holder QEMU has not greeted within our own timeout proves nothing: connect ourselves
      if (now - ungreeted.since >= Math.max(readerTimeoutMs, 1)) return unlocked(releaseLocal);
    } else ungreeted = undefined;
    if (now - started >= waitMs) {
      if (got.holder && !got.holder.greeted) return unlocked(releaseLocal);
      releaseLocal();
      throw new QmpBusyError(address, holder?.pid, now - started);
    }
    await sleep(pause + Math.random() * pause);
  }
  let released = false;
  let marked = false;
  const ours = () => {
    const file = readOwned(path);
    const h = file.ok ? parseHolder(file.text) : undefined;
    return h?.pid === SELF.pid && h.start === SELF.start;
  };
  let linger: ReturnType<typeof setTimeout> | undefined;
  const removeFiles = () => {
    if (linger !== undefined) clearTimeout(linger);
    linger = undefined;
    if (lingering.get(path) === removeFiles) lingering.delete(path);
    try {
      if (ours()) {
        // a mark is only ever honoured while its marker holds the lock: gone with it
        if (marked) {
          try {
            rmSync(`${path}.hung`, { force: true });
          } catch {
            /* another user's */
          }
        }
        rmSync(path, { force: true });
      }
    } catch {
      /* a lock that cannot be removed is taken over once this process is gone */
    }
  };
  return {
    held: true,
    release() {
      if (released) return;
      released = true;
      markedHeld.delete(path);
      if (marked) {
        // a holder that marked the monitor hung keeps its files a moment: the other processes' waiters
        // polling read the mark and say hung at once. This process's own queue goes on now (see lingering).
        linger = setTimeout(removeFiles, HUNG_LINGER_MS);
        lingering.set(path, removeFiles);
      } else removeFiles();
      releaseLocal();
    },
    greeted() {
      try {
        if (ours()) writeWhole(path, holderText(true));
      } catch {
        /* the waiters then wait their own timeout and connect themselves: slower, never wrong */
      }
    },
    markHung(detail: string, timeoutMs: number, silence: MarkedSilence) {
      try {
        writeWhole(
          `${path}.hung`,
          JSON.stringify({ pid: SELF.pid, ...(SELF.start ? { start: SELF.start } : {}), timeoutMs, until: Date.now() + timeoutMs, detail, silence }),
        );
        marked = true;
        if (!released) markedHeld.add(path);
      } catch {
        /* only a shortcut for the others */
      }
    },
    clearHung() {
      try {
        if (readOwned(`${path}.hung`).ok) rmSync(`${path}.hung`, { force: true });
      } catch {
        /* a mark this process may not remove (another user's): never a reason to fail a connection that is up */
      }
    },
  };
}
