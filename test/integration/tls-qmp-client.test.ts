// colo's QMP client over TLS against a monitor that behaves like QEMU 7.2's: it acts on what it
// received only when more bytes arrive (the tail of a record stays inside GnuTLS until then). Without
// the client's newline records no answer would ever come. And a monitor that cuts the handshake
// (a refused certificate) is told apart from a monitor colo does not trust. Loopback, ephemeral ports.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { QmpClient, QmpConnectError } from '../../src/qmp/client.js';
import { loadClientCredentials } from '../../src/qmp/tls.js';
import { makeTempDir, useQemuCleanup } from '../support/qemu.js';

useQemuCleanup();
const servers = new Set<tls.Server>();
afterEach(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  servers.clear();
});

function pki() {
  const root = makeTempDir('colo-qmp-pki');
  execFileSync('sh', [fileURLToPath(new URL('../../scripts/mkpki.sh', import.meta.url)), root, 'mon=127.0.0.1', 'runner=127.0.0.1'], { stdio: 'pipe' });
  execFileSync('sh', [fileURLToPath(new URL('../../scripts/mkpki.sh', import.meta.url)), root, '--ca', 'rogue', 'stranger=127.0.0.1'], { stdio: 'pipe' });
  return root;
}

/** A TLS monitor that answers a line only once another chunk has arrived after it, as QEMU 7.2's does. */
async function laggingMonitor(root: string, o: { cutHandshake?: boolean } = {}): Promise<{ port: number; chunks: () => number }> {
  const rd = (f: string) => readFileSync(join(root, 'mon', f));
  let chunks = 0;
  const server = tls.createServer(
    { key: rd('server-key.pem'), cert: rd('server-cert.pem'), ca: rd('ca-cert.pem'), requestCert: true, rejectUnauthorized: true },
    (sock) => {
      if (o.cutHandshake) return sock.destroy();
      sock.write('{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 22}, "package": "test"}, "capabilities": []}}\n');
      let held = '';
      sock.on('data', (d: Buffer) => {
        chunks++;
        const ready = held; // what arrived before this chunk is now readable
        held = d.toString();
        for (const line of ready.split('\n').filter((l) => l.trim())) {
          const msg = JSON.parse(line);
          sock.write(JSON.stringify({ return: msg.execute === 'query-status' ? { status: 'running' } : {}, id: msg.id }) + '\n');
        }
      });
    },
  );
  servers.add(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, chunks: () => chunks };
}

describe('QMP client over TLS', () => {
  it('gets every answer from a monitor that reads a record only when the next bytes come, one command or a pipelined burst', async () => {
    const root = pki();
    const mon = await laggingMonitor(root);
    const c = await QmpClient.connect(
      { kind: 'tls', host: '127.0.0.1', port: mon.port },
      { tls: loadClientCredentials(join(root, 'runner')), connectTimeoutMs: 3000, commandTimeoutMs: 3000 },
    );
    expect(await c.execute('query-status')).toEqual({ status: 'running' });
    const burst = await c.executeAll(Array.from({ length: 14 }, () => ({ execute: 'query-status' })));
    expect(burst.every((r) => r.ok && (r.value as { status: string }).status === 'running')).toBe(true);
    expect(mon.chunks()).toBeGreaterThan(3); // the newline records
    await c.close();
  });

  it('a monitor that cuts the handshake: TLS_REFUSED, and why; a monitor of another CA: colo does not trust it', async () => {
    const root = pki();
    const cut = await laggingMonitor(root, { cutHandshake: true });
    const err = await QmpClient.connect(
      { kind: 'tls', host: '127.0.0.1', port: cut.port },
      { tls: loadClientCredentials(join(root, 'runner')), connectTimeoutMs: 3000 },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(QmpConnectError);
    expect(err.code).toBe('TLS_REFUSED');
    expect(err.message).toMatch(/refused colo's client certificate/);
    // colo holding a CA that did not sign the monitor's certificate
    const mon = await laggingMonitor(root);
    const untrusted = { ...loadClientCredentials(join(root, 'runner')), ca: readFileSync(join(root, 'stranger', 'ca-cert.pem')) };
    const e2 = await QmpClient.connect({ kind: 'tls', host: '127.0.0.1', port: mon.port }, { tls: untrusted, connectTimeoutMs: 3000 }).catch((e) => e);
    expect(e2).toBeInstanceOf(QmpConnectError);
    expect(e2.message).toMatch(/colo does not trust the monitor's certificate/);
    // no credentials at all
    const e3 = await QmpClient.connect({ kind: 'tls', host: '127.0.0.1', port: mon.port }).catch((e) => e);
    expect(e3).toMatchObject({ code: 'TLS_CREDS' });
  });
});
