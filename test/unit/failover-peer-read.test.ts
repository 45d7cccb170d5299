// A failover's peer read (src/ops/failover.ts readPeer): a monitor that accepts the connection but
// sends no greeting (held by a colo process on the peer's host, e.g. a `colo status --sample`) is
// read once more, with a bound longer than any hold, before the peer counts as hung.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPeer } from '../../src/ops/failover.js';

const dir = mkdtempSync(join(tmpdir(), 'colo-unit-peerread-'));
const saved = process.env.COLO_LOCK_DIR;
process.env.COLO_LOCK_DIR = dir;
const servers: Server[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  if (saved === undefined) delete process.env.COLO_LOCK_DIR;
  else process.env.COLO_LOCK_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('the peer read of a failover', () => {
  it('no greeting from a monitor on another host: read once more before hung', async () => {
    const path = join(dir, 'silent.qmp');
    let connections = 0;
    const server = createServer((s) => {
      connections++;
      sockets.push(s);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(path, r));
    // as if on another host (a unix socket is on this one: its holders queue on this host's lock)
    const got = await readPeer({ name: 'a', qmp: `unix:${path}` } as never, 100, 300, () => false);
    expect(got.reach).toBe('hung');
    expect(connections).toBe(2);
    // on this host: the silence is the QEMU's, read once (after the last read's hung mark has gone with its lock)
    await new Promise((r) => setTimeout(r, 400));
    const here = await readPeer({ name: 'a', qmp: `unix:${path}` } as never, 100, 300);
    expect(here.reach).toBe('hung');
    expect(connections).toBe(3);
  });

  it('which monitors are on this host', async () => {
    const { monitorIsHere } = await import('../../src/ops/failover.js');
    expect(monitorIsHere({ name: 'a', qmp: 'unix:/run/colo/a.qmp' } as never)).toBe(true);
    expect(monitorIsHere({ name: 'a', qmp: 'tcp:127.0.0.1:4444' } as never)).toBe(true);
    expect(monitorIsHere({ name: 'a', qmp: 'tcp:192.0.2.10:4444' } as never)).toBe(false);
  });

  it('no socket: unreachable at once, no second read', async () => {
    const got = await readPeer({ name: 'a', qmp: `unix:${join(dir, 'none.qmp')}` } as never, 100, 300);
    expect(got.reach).toBe('unreachable');
  });
});
