// The yank helper's life (started with its QEMU by launch, ended by stop, by PID) and its use by a
// failover: when the survivor's main monitor does not answer (its main loop blocked by a checkpoint
// that drains towards the lost peer), the helper cuts the survivor's connections to that peer out of
// band, and the failover goes on over the main monitor as it would have. Nothing here decides a
// failover: only a failover (decided by a person or Pacemaker) calls cutPeerConnections.
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { YankInstance } from '../model/observed.js';
import { peerConnections, yankMonitorProblem, yankPaths } from '../model/yank-monitor.js';
import type { NodeSpec, Spec } from '../spec/types.js';
import { processStartTime, sameProcessAlive } from '../sys/process.js';
import type { HelperReply, HelperRequest } from './yank-helper.js';

/** How long launch waits for the helper's control socket (ms). */
export const HELPER_START_MS = 10_000;

/** The colo CLI that runs the helper: COLO_BIN (bin/colo sets it), else this checkout's bin/colo. */
export function coloBin(env: NodeJS.ProcessEnv): string | undefined {
  if (env.COLO_BIN) return env.COLO_BIN;
  if (process.env.COLO_BIN) return process.env.COLO_BIN;
  try {
    const here = fileURLToPath(new URL('../../bin/colo', import.meta.url));
    return existsSync(here) ? here : undefined;
  } catch {
    return undefined;
  }
}

/** Makes the node's private yank directory (0700) and clears what an earlier QEMU left there. */
export function prepareYankDir(node: NodeSpec): void {
  const p = yankPaths(node);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  chmodSync(p.dir, 0o700);
  for (const f of [p.qmp, p.ctl]) rmSync(f, { force: true });
}

interface HelperPid {
  pid: number;
  start: string;
}

function readHelperPid(node: NodeSpec): HelperPid | undefined {
  try {
    const [pid, start] = readFileSync(yankPaths(node).pid, 'utf8').trim().split(' ');
    const n = Number(pid);
    // without its start time a pid may name another process by now: not the helper's
    return n > 0 && start ? { pid: n, start } : undefined;
  } catch {
    return undefined;
  }
}

/** The helper's pid when it runs (the pid file names it and the process that started then still runs). */
export function helperPid(node: NodeSpec): number | undefined {
  const h = readHelperPid(node);
  return h && sameProcessAlive(h.pid, h.start) ? h.pid : undefined;
}

export type HelperStart = { pid: number } | { unavailable: string };

/**
 * Starts the node's yank helper detached (its QEMU was just started with yankMonitorArgs) and waits,
 * bounded, for its control socket: a helper that did not come up is killed, and the node runs without
 * one (failovers then wait on TCP as before).
 */
export async function startYankHelper(node: NodeSpec, env: NodeJS.ProcessEnv, waitMs = HELPER_START_MS): Promise<HelperStart> {
  const problem = yankMonitorProblem(node);
  if (problem) return { unavailable: problem };
  const bin = coloBin(env);
  if (!bin) return { unavailable: 'no colo CLI to run it (COLO_BIN unset)' };
  const p = yankPaths(node);
  let child;
  // a helper that cannot start is a node without one, never a launch that fails after its QEMU started
  let spawnError: string | undefined;
  try {
    const out = openSync(p.log, 'a', 0o600);
    try {
      child = spawn(bin, ['yank-helper', p.dir], {
        detached: true,
        stdio: ['ignore', out, out],
        env: { PATH: env.PATH ?? process.env.PATH, COLO_BIN: bin },
      });
    } finally {
      closeSync(out);
    }
  } catch (e) {
    return { unavailable: `${bin} did not start: ${(e as Error).message}` };
  }
  child.once('error', (e) => (spawnError = e.message));
  const pid = child.pid;
  child.unref();
  if (!pid) {
    await new Promise((r) => setImmediate(r));
    return { unavailable: `${bin} did not start${spawnError ? `: ${spawnError}` : ''}` };
  }
  // stop kills by pid and start time only: a pid alone may name another process by then
  const start = processStartTime(pid);
  if (!start) {
    process.kill(pid, 'SIGKILL');
    return { unavailable: `the helper's start time is not readable (/proc/${pid}/stat): not started` };
  }
  writeFileSync(p.pid, `${pid} ${start}`, { mode: 0o600 });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + waitMs;
  while (!existsSync(p.ctl) && !exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (existsSync(p.ctl) && !exited) return { pid };
  await stopYankHelper(node);
  let said = '';
  try {
    said = readFileSync(p.log, 'utf8').trim().split('\n').slice(-2).join(' / ');
  } catch {
    /* no log */
  }
  return { unavailable: `the helper did not come up within ${waitMs} ms${said ? `: ${said}` : ''}` };
}

/** Ends the node's yank helper by its recorded PID (SIGTERM, then SIGKILL); says how, or undefined when none ran. */
export async function stopYankHelper(node: NodeSpec): Promise<string | undefined> {
  const h = readHelperPid(node);
  const p = yankPaths(node);
  rmSync(p.pid, { force: true });
  if (!h || !sameProcessAlive(h.pid, h.start)) return undefined;
  let how = `yank helper ${h.pid}`;
  try {
    process.kill(h.pid, 'SIGTERM');
  } catch {
    return undefined;
  }
  const deadline = Date.now() + 2000;
  while (sameProcessAlive(h.pid, h.start) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (sameProcessAlive(h.pid, h.start)) {
    try {
      process.kill(h.pid, 'SIGKILL');
      how += ' (SIGKILL)';
    } catch {
      /* it ended just now */
    }
  }
  rmSync(p.ctl, { force: true });
  return how;
}

/** One request to the node's helper over its control socket, bounded by `timeoutMs`. */
export function askHelper(node: NodeSpec, req: HelperRequest, timeoutMs: number): Promise<HelperReply> {
  const { ctl } = yankPaths(node);
  return new Promise((resolve) => {
    let buf = '';
    let settled = false;
    const finish = (r: HelperReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const sock = net.createConnection({ path: ctl });
    const timer = setTimeout(() => finish({ ok: false, error: `the yank helper did not answer within ${timeoutMs} ms` }), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('error', (e) => finish({ ok: false, error: `the yank helper's socket ${ctl}: ${e.message}` }));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > 65536) finish({ ok: false, error: 'the yank helper answered too much' });
        return;
      }
      try {
        const r = JSON.parse(buf.slice(0, nl)) as HelperReply;
        finish(r && typeof r === 'object' && typeof r.ok === 'boolean' ? r : { ok: false, error: 'the yank helper answered something else' });
      } catch {
        finish({ ok: false, error: 'the yank helper answered something else than JSON' });
      }
    });
    sock.on('close', () => finish({ ok: false, error: 'the yank helper closed the connection without an answer' }));
  });
}

export type CutResult = { ok: true; cut: YankInstance[] } | { ok: false; why: string };

/**
 * Cuts `node`'s connections to its peer through its yank helper, out of band: query-yank, then yank
 * of the migration, the peer-facing chardevs and the NBD clients (model/yank-monitor.ts). For a
 * failover only. A node without a helper answers ok: false with the reason, and nothing changes.
 */
export async function cutPeerConnections(spec: Spec, node: NodeSpec, timeoutMs = 3000): Promise<CutResult> {
  if (!existsSync(yankPaths(node).ctl) || helperPid(node) === undefined) return { ok: false, why: `${node.name} has no yank helper running` };
  const deadline = Date.now() + timeoutMs;
  // an instance gone between the two requests makes QEMU refuse the whole yank: read again, once
  for (let attempt = 0; attempt < 2; attempt++) {
    const q = await askHelper(node, { op: 'query-yank' }, Math.max(1, deadline - Date.now()));
    if (!q.ok) return { ok: false, why: q.error };
    const cut = peerConnections(spec, q.instances ?? [], 'either');
    if (!cut.length) return { ok: true, cut };
    const y = await askHelper(node, { op: 'yank', instances: cut }, Math.max(1, deadline - Date.now()));
    if (y.ok) return { ok: true, cut };
    if (!/not found/i.test(y.error) || Date.now() >= deadline) return { ok: false, why: y.error };
  }
  return { ok: false, why: 'the connections changed while they were cut' };
}
