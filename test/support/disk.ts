// The guest's disk from outside: writes through the device's own block backend (HMP qemu-io), reads
// as the guest sees it (a read-only NBD export of the quorum, read with qemu-io), and the offline
// view of a node's images.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { QmpClient } from '../../src/qmp/client.js';
import type { Pair } from './pair.js';

export const MiB = 1024 * 1024;

/** Writes 1 MiB of `pattern` at `offset` as the guest would. */
export async function guestWrite(c: QmpClient, pattern: number, offset: number): Promise<void> {
  // HMP prints the result on 7.2 and nothing on 11.1; the reads are what prove the write
  expect(await c.hmp(`qemu-io colo-disk0 "write -P 0x${pattern.toString(16)} ${offset} 1M"`)).not.toMatch(/error|fail|denied/i);
}

/**
 * Writes, then waits for `n` checkpoints of the primary `c` (a write reaches a failover's survivor once
 * one passed). The write is sent right after a checkpoint ends (its RESUME event), while the guest
 * runs: a guest never writes during a checkpoint (its VM is stopped), but the monitor still runs
 * then, and a write sent through it can reach the secondary in the middle of its checkpoint, where
 * QEMU empties the secondary's active and hidden images without draining them (block/replication.c
 * secondary_do_checkpoint → qcow2 make_completely_empty, which aborts "First cluster in emptied
 * image is in use" if a write allocates there meanwhile; scripts/soak-secondary.mjs).
 */
export async function guestWriteCheckpointed(c: QmpClient, pattern: number, offset: number, n = 2, timeoutMs = 15_000): Promise<void> {
  const resumes = () => c.events().filter((e) => e.event === 'RESUME').length;
  const before = resumes();
  const until = Date.now() + timeoutMs;
  while (resumes() === before) {
    if (Date.now() > until) throw new Error(`no checkpoint within ${timeoutMs} ms before the write`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await guestWrite(c, pattern, offset);
  const target = resumes() + n;
  const deadline = Date.now() + timeoutMs;
  while (resumes() < target) {
    if (Date.now() > deadline) throw new Error(`no ${n} checkpoints within ${timeoutMs} ms after the write`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Reads what the guest sees: the quorum exported read-only on a second NBD server (127.0.0.1:port,
 * inside `netns` when given), every [pattern, offset] checked; the server is stopped again.
 * Returns how many MiB read back as expected, and the text.
 */
export async function guestReads(c: QmpClient, port: number, checks: Array<[number, number]>, netns?: string): Promise<{ ok: number; text: string }> {
  await c.execute('nbd-server-start', { addr: { type: 'inet', data: { host: '127.0.0.1', port: String(port) } } });
  try {
    await c.execute('nbd-server-add', { device: 'colo-disk0', name: 'probe', writable: false });
    const args = checks.flatMap(([p, off]) => ['-c', `read -P 0x${p.toString(16)} ${off} 1M`]);
    const cmd = [...(netns ? ['ip', 'netns', 'exec', netns] : []), 'qemu-io', '-r', '-f', 'raw', ...args, `nbd://127.0.0.1:${port}/probe`];
    const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 30_000 });
    const text = r.stdout + r.stderr;
    const failed = (text.match(/Pattern verification failed/g) ?? []).length;
    return { ok: (text.match(/read 1048576\/1048576 bytes/g) ?? []).length - failed, text };
  } finally {
    await c.execute('nbd-server-stop');
  }
}

/** The disk a node's guest sees, offline: a secondary-launched node's active → hidden → parent chain, else its parent image. */
export function diskView(pair: Pair, node: 'a' | 'b', layered: boolean): string {
  const w = pair.workdir(node);
  const file = (f: string) => ({ driver: 'file', filename: join(w, f) });
  if (!layered) return join(w, 'colo-disk0.qcow2');
  return `json:${JSON.stringify({ driver: 'qcow2', file: file('colo-disk0-active.qcow2'), backing: { driver: 'qcow2', file: file('colo-disk0-hidden.qcow2'), backing: { driver: 'qcow2', file: file('colo-disk0.qcow2') } } })}`;
}

/** qemu-img compare of two views (after both QEMUs stopped). */
export function sameDisk(x: string, y: string): string {
  const r = spawnSync('qemu-img', ['compare', '-U', x, y], { encoding: 'utf8', timeout: 60_000 });
  return (r.stdout + r.stderr).trim();
}
