// Lock files colo processes on one host share (the pair lock, the monitor locks): one fixed
// directory whatever TMPDIR says (a shell, a systemd unit with PrivateTmp and Pacemaker see
// different ones), owned by the caller, never a symlink; files in it are honoured only when owned
// by the caller or root; a file is written whole (a temp file opened O_EXCL|O_NOFOLLOW, then
// renamed), never through a symlink; a dead holder's file is taken over under a sub-lock.
import { constants, closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, accessSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from './process.js';

const uid = () => (typeof process.getuid === 'function' ? process.getuid() : 0);

/** This process's identity in a lock file: its pid and when it started (a reused pid is another process). */
export const SELF = { pid: process.pid, start: processStartTime(process.pid) };

export interface LockDir {
  path?: string;
  /** why no lock directory can be used (the caller reports it and runs unlocked) */
  problem?: string;
}

function ownedDir(path: string, mode: number, allowRoot: boolean): string | undefined {
  try {
    mkdirSync(path, { recursive: true, mode });
  } catch (e) {
    return `cannot create the lock directory ${path}: ${(e as Error).message}`;
  }
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink() || !st.isDirectory()) return `the lock directory ${path} is not a directory (a symlink?)`;
    if (st.uid !== uid() && !(allowRoot && st.uid === 0)) return `the lock directory ${path} belongs to uid ${st.uid}, not to this user (${uid()})`;
    if (st.uid === uid() && st.mode & 0o022 && !(st.mode & 0o1000)) return `the lock directory ${path} is writable by others`;
    return undefined;
  } catch (e) {
    return `cannot read the lock directory ${path}: ${(e as Error).message}`;
  }
}

/**
 * COLO_LOCK_DIR, else /run/colo/locks for root (or a user who may write it), else
 * $XDG_RUNTIME_DIR/colo, else /tmp/colo-UID (created 0700, checked to be this user's).
 */
export function lockDir(env: NodeJS.ProcessEnv = process.env): LockDir {
  const chosen = env.COLO_LOCK_DIR;
  if (chosen) {
    const problem = ownedDir(chosen, 0o700, true);
    return problem ? { problem } : { path: chosen };
  }
  const run = '/run/colo/locks';
  let runUsable = uid() === 0;
  if (!runUsable) {
    try {
      accessSync(run, constants.W_OK);
      runUsable = true;
    } catch {
      runUsable = false;
    }
  }
  if (runUsable) {
    const problem = ownedDir(run, 0o755, true);
    if (!problem) return { path: run };
  }
  const candidates = [env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'colo') : undefined, `/tmp/colo-${uid()}`].filter((p): p is string => !!p);
  let last = '';
  for (const p of candidates) {
    const problem = ownedDir(p, 0o700, false);
    if (!problem) return { path: p };
    last = problem;
  }
  return { problem: last };
}

export type FileCheck = { ok: true; text: string; mtimeMs: number } | { ok: false; reason: 'missing' | 'foreign'; detail?: string };

/** A file's text when it is a regular file owned by this user or root (lstat: a symlink is foreign). */
export function readOwned(path: string): FileCheck {
  try {
    const st = lstatSync(path);
    if (!st.isFile()) return { ok: false, reason: 'foreign', detail: `${path} is not a regular file` };
    if (st.uid !== uid() && st.uid !== 0) return { ok: false, reason: 'foreign', detail: `${path} belongs to uid ${st.uid}` };
    return { ok: true, text: readFileSync(path, 'utf8'), mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, reason: 'missing' };
    return { ok: false, reason: 'foreign', detail: (e as Error).message };
  }
}

/** Writes `text` to `path` whole: a fresh temp file (O_EXCL|O_NOFOLLOW, 0600) renamed over it. Throws on failure. */
export function writeWhole(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Creates `path` holding `text` if no file is there (O_EXCL|O_NOFOLLOW); false when one is. */
export function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** A takeover sub-lock older than this was left by a process that died inside one. */
export const TAKEOVER_STALE_MS = 5000;

/**
 * Removes a dead holder's lock file, only if it still holds `seen` (the text read when the holder
 * was found dead): under a sub-lock PATH.takeover, so that of two processes taking over at once
 * the second never removes the lock the first has just taken. Throws when the file cannot be
 * removed (another user's).
 */
export function takeOver(path: string, seen: string): void {
  const sub = `${path}.takeover`;
  if (!createExclusive(sub, `${process.pid}\n`)) {
    try {
      if (Date.now() - statSync(sub).mtimeMs > TAKEOVER_STALE_MS) rmSync(sub, { force: true });
    } catch {
      /* gone meanwhile */
    }
    return;
  }
  try {
    const now = readOwned(path);
    if (now.ok && now.text === seen) rmSync(path);
  } finally {
    rmSync(sub, { force: true });
  }
}
