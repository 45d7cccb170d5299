// Helpers for tests that start real QEMU processes.
// Every process is tracked by PID and SIGKILLed at cleanup (SIGKILL also ends a
// SIGSTOPped process); every temp dir is removed. A process 'exit' hook kills
// leftovers synchronously if a run is interrupted before afterEach gets to run.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export interface QemuProcess {
  pid: number;
  proc: ChildProcess;
  /** Everything QEMU wrote to stderr so far. */
  stderr(): string;
  /** Exit code (null when ended by a signal). */
  exited: Promise<number | null>;
}

const procs = new Map<number, Promise<unknown>>(); // pid -> exited
const dirs = new Set<string>();

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function killAllSync(): void {
  for (const pid of procs.keys()) killPid(pid);
  procs.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}
process.once('exit', killAllSync);

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix.endsWith('-') ? prefix : `${prefix}-`));
  dirs.add(dir);
  return dir;
}

export function spawnQemu(args: string[], opts: { cwd?: string } = {}): QemuProcess {
  const proc = spawn('qemu-system-x86_64', args, { cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  if (proc.pid === undefined) throw new Error('qemu-system-x86_64 could not be started');
  const pid = proc.pid;
  let err = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      procs.delete(pid);
      resolve(code);
    });
    proc.once('error', () => {
      procs.delete(pid);
      resolve(null);
    });
  });
  procs.set(pid, exited);
  return { pid, proc, stderr: () => err, exited };
}

/** Kills every registered process (by PID, SIGKILL), waits for them, removes every temp dir. */
export async function cleanupAll(): Promise<void> {
  const victims = [...procs];
  for (const [pid] of victims) killPid(pid);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(victims.map(([, exited]) => exited)),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 5000);
    }),
  ]);
  clearTimeout(timer);
  for (const [pid] of victims) procs.delete(pid);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

/** Call at the top of a test file (or describe block): registers afterEach(cleanupAll). */
export function useQemuCleanup(): void {
  afterEach(cleanupAll);
}

export async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() >= deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/**
 * SIGSTOPs `pid` and waits until every thread of it is really stopped: kill() returns before
 * that, and a QEMU caught mid-wakeup can still accept a connection in between.
 */
export async function stopProcess(pid: number, timeoutMs = 5000): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const deadline = Date.now() + timeoutMs;
  while (!allThreadsStopped(pid)) {
    if (Date.now() >= deadline) throw new Error(`process ${pid} did not stop within ${timeoutMs} ms`);
    await sleep(1);
  }
}

function allThreadsStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return /^[TtZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
    } catch {
      return true; // thread already gone
    }
  });
}

export function hasKvm(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
