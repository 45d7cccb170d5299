// The records the test guest writes to its own disk (guest/init, with a virtio-blk disk): record N
// is 512-byte sector 2048+N of /dev/vda, "COLOREC <N in 10 digits> colo-guest-record\n" then zeros,
// written with O_DIRECT and fsync'd; the guest publishes the last one made durable at GET /rec (the
// client's --records, scripts/guest-client.mjs). A record counts as acknowledged once a COLO
// checkpoint ran after the client heard of it: every record up to it must then be on a failover's
// survivor, read here through a read-only NBD export of the quorum (what the guest sees).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { QmpClient } from '../../src/qmp/client.js';

export const RECORD_BASE_SECTOR = 2048;
export const SECTOR = 512;

/** The text at the start of record n's sector. */
export function recordText(n: number): string {
  return `COLOREC ${String(n).padStart(10, '0')} colo-guest-record\n`;
}

/** The bytes of qemu-io's `read -v OFFSET LENGTH` hex dump, as one buffer starting at OFFSET. */
export function parseDump(text: string, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const seen = Buffer.alloc(length);
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{8}):\s+((?:[0-9a-f]{2} ){1,16})/.exec(line);
    if (!m) continue;
    const at = parseInt(m[1], 16) - offset;
    m[2]
      .trim()
      .split(' ')
      .forEach((h, i) => {
        if (at + i >= 0 && at + i < length) {
          buf[at + i] = parseInt(h, 16);
          seen[at + i] = 1;
        }
      });
  }
  // a byte the dump did not show is not what the guest wrote (the comparison below fails on it)
  for (let i = 0; i < length; i++) if (!seen[i]) buf[i] = 0xff;
  return buf;
}

/** The record numbers in 1..upTo whose sector in `region` (sector RECORD_BASE_SECTOR+1 onwards) is not record n. */
export function missingRecords(region: Buffer, upTo: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= upTo; n++) {
    const want = Buffer.from(recordText(n));
    const at = (n - 1) * SECTOR;
    if (at + SECTOR > region.length || !region.subarray(at, at + want.length).equals(want)) out.push(n);
  }
  return out;
}

/**
 * Records 1..upTo as the guest on node `c` sees them: the quorum `device` exported read-only on a
 * second NBD server at the unix socket `sock` (under /tmp: QEMU's chroot sees it), read with qemu-io;
 * the export and the server are removed again. Waits first (at most 30 s) for block jobs to end: a
 * secondary that took over commits its active and hidden images into its disk.
 */
export async function readRecords(c: QmpClient, sock: string, upTo: number, device = 'colo-disk0'): Promise<{ missing: number[]; detail: string }> {
  if (upTo <= 0) return { missing: [], detail: '' };
  rmSync(sock, { force: true });
  const deadline = Date.now() + 30_000;
  while (((await c.execute('query-block-jobs')) as unknown[]).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await c.execute('nbd-server-start', { addr: { type: 'unix', data: { path: sock } } });
  try {
    await c.execute('nbd-server-add', { device, name: 'records', writable: false });
    const offset = (RECORD_BASE_SECTOR + 1) * SECTOR;
    const length = upTo * SECTOR;
    const r = spawnSync('qemu-io', ['-r', '-f', 'raw', '-c', `read -v ${offset} ${length}`, `nbd+unix:///records?socket=${sock}`], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const text = `${r.stdout}${r.stderr}`;
    if (!text.includes(`read ${length}/${length} bytes`)) return { missing: Array.from({ length: upTo }, (_, i) => i + 1), detail: text.slice(-500) };
    const missing = missingRecords(parseDump(r.stdout, offset, length), upTo);
    return { missing, detail: missing.length ? `missing records ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}` : '' };
  } finally {
    await c.execute('nbd-server-remove', { name: 'records' }).catch(() => undefined);
    await c.execute('nbd-server-stop').catch(() => undefined);
    rmSync(sock, { force: true });
  }
}

/**
 * Waits on the primary's monitor `c` (connected after the record was heard of) for one whole COLO
 * checkpoint: a STOP and then a RESUME, both after the call. A record the client had heard of
 * before is then in the secondary's checkpointed state. Bounded by `timeoutMs`.
 */
export async function checkpointAfter(c: QmpClient, timeoutMs = 15_000): Promise<void> {
  const seen = c.events().length;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const evs = c.events().slice(seen);
    const stop = evs.findIndex((e) => e.event === 'STOP');
    if (stop >= 0 && evs.slice(stop + 1).some((e) => e.event === 'RESUME')) return;
    if (Date.now() > deadline) throw new Error(`no whole checkpoint (STOP, RESUME) within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
