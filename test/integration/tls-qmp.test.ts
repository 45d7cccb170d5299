// QMP over X.509 TLS (tls: addresses) on QEMU 7.2, whose TLS monitor holds back the tail of each
// record until more bytes arrive: colo launches both monitors with verify-peer and tls-authz, plans,
// applies, reads status and fails over through them. A client without a certificate, with one of
// another CA, with one of the pair's CA but not among the admitted identities, or in plain TCP gets
// no greeting; colo with the wrong certificate says the monitor refused it.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { makePki } from '../support/pki.js';
import { useQemuCleanup } from '../support/qemu.js';
import { qemuTargets } from '../support/qemus.js';
import { makePair, parseJson, usePairCleanup } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

const BASE = 45700;
const target = qemuTargets().find((t) => t.line === '7.2')!;

/** What a raw client gets from the monitor within 3 s: its greeting, a closed connection, or nothing. */
function greeting(port: number, creds?: { dir: string; ca: string }): Promise<'greeting' | 'closed' | 'silent'> {
  return new Promise((resolve) => {
    const rd = (d: string, f: string) => readFileSync(join(d, f));
    const socket = creds
      ? tls.connect({
          host: '127.0.0.1',
          port,
          ca: rd(creds.ca, 'ca-cert.pem'),
          ...(creds.dir ? { cert: rd(creds.dir, 'client-cert.pem'), key: rd(creds.dir, 'client-key.pem') } : {}),
        })
      : net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (r: 'greeting' | 'closed' | 'silent') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('silent'), 3000);
    socket.on('data', (d) => {
      buf += d;
      if (buf.includes('"QMP"')) done('greeting');
    });
    socket.on('error', () => done('closed'));
    socket.on('close', () => done('closed'));
  });
}

describe.skipIf(target.missing !== '')(`QMP over TLS on QEMU 7.2 (${target.accel})${target.missing ? `: ${target.missing}` : ''}`, () => {
  it('colo plans, applies, reads and fails over through TLS monitors; other clients get no greeting', async () => {
    const pki = makePki(['a', 'b', 'runner', 'other'], ['runner']);
    const qa = BASE + 30;
    const qb = BASE + 31;
    const pair = makePair({
      name: 'tlsqmp',
      portBase: BASE,
      accel: target.accel,
      extra: `  tls:
    nodes:
      a: {dir: ${pki.dir('a')}}
      b: {dir: ${pki.dir('b')}}
    qmp:
      clientDir: ${pki.dir('runner')}
      allowedIdentities: ["O=colo,CN=host-runner"]
`,
    });
    // both monitors on tls: addresses
    const yaml = readFileSync(pair.file, 'utf8')
      .replace(`qmp: unix:${pair.dir}/a.qmp`, `qmp: "tls:127.0.0.1:${qa}"`)
      .replace(`qmp: unix:${pair.dir}/b.qmp`, `qmp: "tls:127.0.0.1:${qb}"`);
    (await import('node:fs')).writeFileSync(pair.file, yaml);
    const v = await pair.cli('validate', '-f', pair.file);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).not.toMatch(/TLS_|IN_CLEAR|error/);
    const args = await pair.cli('args', '-f', pair.file, '--node', 'a', '--format', 'json');
    expect(parseJson(args).argv).toEqual(
      expect.arrayContaining([
        '-chardev',
        `socket,id=qmp0,host=127.0.0.1,port=${qa},server=on,wait=off,nodelay=on,tls-creds=tlsS,tls-authz=authz1`,
        '-mon',
        'chardev=qmp0,mode=control',
      ]),
    );
    for (const n of ['a', 'b'] as const) {
      const l = await pair.cli('launch', '-f', pair.file, '--node', n);
      expect(l.code, l.stdout + l.stderr).toBe(0);
    }

    // every other client: no greeting
    const ca = pki.dir('a');
    expect(await greeting(qa, { dir: pki.dir('runner'), ca })).toBe('greeting');
    expect(await greeting(qa, { dir: '', ca })).toBe('closed'); // no client certificate
    expect(await greeting(qa, { dir: pki.dir('rogue-runner'), ca })).toBe('closed'); // another CA
    expect(await greeting(qa, { dir: pki.dir('other'), ca })).toBe('closed'); // the pair's CA, not admitted by tls-authz
    expect(await greeting(qa)).not.toBe('greeting'); // plain TCP
    expect(await greeting(qa, { dir: pki.dir('runner'), ca })).toBe('greeting'); // the monitor still serves colo

    // colo with a certificate the monitors refuse: unreachable, and why
    process.env.COLO_QMP_TLS_DIR = pki.dir('other');
    try {
      const refused = parseJson(await pair.cli('plan', '-f', pair.file, '--format', 'json'));
      expect(refused.nodes.a).toMatchObject({
        state: 'hung',
        detail: expect.stringMatching(/cut the TLS connection before its greeting: it refused colo's client certificate/),
      });
    } finally {
      delete process.env.COLO_QMP_TLS_DIR;
    }

    // through the TLS monitors: plan, apply, status, failover
    const setup = parseJson(await pair.cli('plan', '-f', pair.file, '--format', 'json'));
    expect(setup.transition).toBe('setup');
    expect(setup.nodes.a.qemu).toMatch(/^7\.2\./);
    const applied = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Converged');
    const status = parseJson(await pair.cli('status', '-f', pair.file, '--format', 'json'));
    expect(status.transition).toBe('steady');
    pair.kill('a');
    const t0 = Date.now();
    const fo = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
    expect(fo.code, fo.stdout + fo.stderr).toBe(0);
    console.log(`QMP over TLS: failover ${Date.now() - t0} ms in-process (${fo.stdout.trim().split('\n').pop()})`);
    const after = parseJson(await pair.cli('plan', '-f', pair.file, '--format', 'json'));
    expect(after.transition).toBe('degraded');
    expect(after.nodes.b).toMatchObject({ state: 'standalone', lastMode: 'secondary' });
  });
});
