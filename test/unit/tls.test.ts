// X.509 TLS in the spec, the command lines and the plans (pure), and the credential files checked
// at the CLI's edge against certificates openssl makes here.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTlsFiles } from '../../src/ops/tls-files.js';
import { nodeArgs } from '../../src/model/argv.js';
import { resource } from '../../src/model/state.js';
import { assumeObserved } from '../../src/plan/assume.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { isQmp, isWait, type Plan, type Transition } from '../../src/plan/types.js';
import { formatQmpAddress, parseQmpAddress } from '../../src/addr/qmp-address.js';
import { loadSpec } from '../../src/spec/load.js';
import { edited, pair, pairYaml } from './pair-spec.js';

const TLS = `  tls:
    nodes:
      a: {dir: /etc/colo/a}
      b: {dir: /etc/colo/b}
`;
const IDS = '    allowedIdentities: ["O=colo,CN=host-a", "O=colo,CN=host-b"]\n';

function planFor(t: Transition, extra = TLS, edit?: (obs: ReturnType<typeof assumeObserved>) => void): Plan {
  const { spec, profile } = pair({ extra });
  const obs = assumeObserved(spec, profile, t);
  edit?.(obs);
  return buildPlan(spec, profile, obs, { mode: 'offline' });
}
const step = (p: Plan, node: string, execute: string) => p.steps.find((s) => isQmp(s) && s.node === node && s.execute === execute) as any;

describe('QMP addresses', () => {
  it('tls:HOST:PORT is QMP over TLS', () => {
    expect(parseQmpAddress('tls:10.0.0.1:4444')).toEqual({ kind: 'tls', host: '10.0.0.1', port: 4444 });
    expect(parseQmpAddress('tls:[fd00::1]:4444')).toEqual({ kind: 'tls', host: 'fd00::1', port: 4444 });
    expect(formatQmpAddress({ kind: 'tls', host: 'fd00::1', port: 1 })).toBe('tls:[fd00::1]:1');
    expect(parseQmpAddress('tls:10.0.0.1')).toBeUndefined();
  });
});

describe('spec.tls', () => {
  const load = (extra: string, o: Parameters<typeof pairYaml>[0] = {}) => loadSpec(pairYaml({ ...o, extra }), 'pair.yaml');

  it('channels default on; verify-peer has no switch; the two hosts are no longer warned about', () => {
    const r = load(TLS + IDS);
    // (unix: monitors on two hosts are warned about on their own)
    expect(r.problems.map((p) => p.code)).toEqual(['QMP_UNREACHABLE']);
    expect(r.spec!.tls).toEqual({
      channels: true,
      dirs: { a: '/etc/colo/a', b: '/etc/colo/b' },
      allowedIdentities: ['O=colo,CN=host-a', 'O=colo,CN=host-b'],
      qmp: { allowedIdentities: [] },
    });
    expect(load(TLS + '    verifyPeer: false\n').problems.map((p) => p.code)).toEqual(['SCHEMA_UNKNOWN_KEY']);
  });

  it.each([
    ['a node without credentials', '  tls:\n    nodes:\n      a: {dir: /etc/colo/a}\n', 'TLS_CONFIG', /node b has no credentials/],
    ['credentials for a node that does not exist', TLS + '      c: {dir: /etc/colo/c}\n', 'UNKNOWN_REFERENCE', /no node named "c"/],
    ['a relative directory', '  tls:\n    nodes:\n      a: {dir: etc/a}\n      b: {dir: /b}\n', 'RELATIVE_PATH', /absolute path/],
    ['an identity that is not a DN', TLS + '    allowedIdentities: ["host-a"]\n', 'SCHEMA_PATTERN', /allowedIdentities\/0/],
    ['identities for channels in clear', TLS + '    channels: false\n' + IDS, 'TLS_CONFIG', /not on TLS/],
  ])('%s is refused', (_what, extra, code, message) => {
    const r = load(extra);
    expect(r.spec).toBeUndefined();
    const first = r.problems.find((p) => p.severity === 'error');
    expect(first).toMatchObject({ code, severity: 'error' });
    expect(`${first?.path} ${first?.message}`).toMatch(message);
    expect(first?.pos.line).toBeGreaterThan(1);
  });

  it("a tls: monitor needs the node's credentials; it is served with them, verify-peer on, authz when identities are given", () => {
    const yaml = (extra: string) => pairYaml({ extra }).replace('qmp: unix:/run/a.qmp', 'qmp: "tls:10.0.0.1:4444"');
    const missing = loadSpec(yaml(''), 'pair.yaml');
    expect(missing.problems.map((p) => [p.code, p.path])).toContainEqual(['TLS_CONFIG', '/spec/nodes/0/qmp']);
    const r = loadSpec(
      yaml(
        '  tls:\n    channels: false\n    nodes:\n      a: {dir: /etc/colo/a}\n    qmp: {clientDir: /etc/colo/runner, allowedIdentities: ["O=colo,CN=runner"]}\n',
      ),
      'pair.yaml',
    );
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const spec = r.spec!;
    expect(spec.nodes[0].qmpClientDir).toBe('/etc/colo/runner');
    const argv = nodeArgs(spec, pair().profile, spec.nodes[0], 'primary').argv;
    expect(argv).not.toContain('-qmp');
    expect(argv).toEqual(
      expect.arrayContaining([
        '-object',
        'tls-creds-x509,id=tlsS,dir=/etc/colo/a,endpoint=server,verify-peer=on',
        '-object',
        JSON.stringify({ 'qom-type': 'authz-list', id: 'authz1', policy: 'deny', rules: [{ match: 'O=colo,CN=runner', policy: 'allow' }] }),
        '-chardev',
        'socket,id=qmp0,host=10.0.0.1,port=4444,server=on,wait=off,nodelay=on,tls-creds=tlsS,tls-authz=authz1',
        '-mon',
        'chardev=qmp0,mode=control',
      ]),
    );
    // channels off: no chardev or migration TLS
    expect(argv.filter((a) => /tls-creds=tlsC|migration\.tls/.test(a))).toEqual([]);
  });

  it('warns on QMP over plain TCP off loopback and on channels in clear between two hosts, with positions', () => {
    const r = loadSpec(pairYaml().replace('qmp: unix:/run/a.qmp', 'qmp: "tcp:10.0.0.1:4444"'), 'pair.yaml');
    expect(r.spec).toBeDefined();
    expect(r.problems.map((p) => [p.code, p.severity, p.path, p.pos.line])).toEqual([
      ['QMP_UNAUTHENTICATED', 'warning', '/spec/nodes/0/qmp', 7],
      ['CHANNELS_IN_CLEAR', 'warning', '/spec/nodes/1/host', 8],
    ]);
    expect(loadSpec(pairYaml({ hosts: ['127.0.0.1', '127.0.0.1'] }).replace('qmp: unix:/run/a.qmp', 'qmp: "tcp:127.0.0.1:4444"'), 'p.yaml').problems).toEqual(
      [],
    );
    expect(planFor('setup', '').warnings).toContainEqual(
      expect.objectContaining({ code: 'CHANNELS_IN_CLEAR', message: expect.stringMatching(/every COLO channel between them is in clear/) }),
    );
    expect(planFor('setup').warnings).toEqual([]);
  });

  it("colo's TLS ids cannot be taken by the pair", () => {
    const r = load(TLS, {}).spec
      ? loadSpec(
          pairYaml({ extra: TLS }).replace('{id: hn0, type: user, romfile: ""}', '{id: hn0, type: user, romfile: "", filters: {ids: {mirror: tlsS}}}'),
          'p.yaml',
        )
      : undefined;
    expect(r?.problems.map((p) => p.code)).toContain('DUPLICATE_ID');
  });
});

describe('command lines on TLS', () => {
  const { spec, profile } = pair({ extra: TLS + IDS });
  const argv = (n: 0 | 1, role: 'primary' | 'secondary') => nodeArgs(spec, profile, spec.nodes[n], role).argv;

  it('both credential objects on either role, every chardev on TLS, migration credentials by role', () => {
    for (const role of ['primary', 'secondary'] as const) {
      expect(argv(0, role)).toEqual(
        expect.arrayContaining([
          'tls-creds-x509,id=tlsS,dir=/etc/colo/a,endpoint=server,verify-peer=on',
          'tls-creds-x509,id=tlsC,dir=/etc/colo/a,endpoint=client,verify-peer=on',
        ]),
      );
    }
    const chardevs = (a: string[]) => a.filter((_x, i) => a[i - 1] === '-chardev');
    expect(chardevs(argv(0, 'primary'))).toEqual([
      'socket,id=mirror0,host=10.0.0.1,port=9003,tls-creds=tlsS,tls-authz=authz0,server=on,wait=off',
      'socket,id=compare1,host=10.0.0.1,port=9004,tls-creds=tlsS,tls-authz=authz0,server=on,wait=off',
      // the primary's own compare pairs stay on its loopback, in clear
      'socket,id=compare0,host=127.0.0.1,port=9001,server=on,wait=off',
      'socket,id=compare0-0,host=127.0.0.1,port=9001',
      'socket,id=compare_out,host=127.0.0.1,port=9005,server=on,wait=off',
      'socket,id=compare_out0,host=127.0.0.1,port=9005',
    ]);
    expect(chardevs(argv(1, 'secondary'))).toEqual([
      'socket,id=red0,host=10.0.0.1,port=9003,tls-creds=tlsC,reconnect=1',
      'socket,id=red1,host=10.0.0.1,port=9004,tls-creds=tlsC,reconnect=1',
    ]);
    expect(argv(0, 'primary').filter((x) => x.startsWith('migration.'))).toEqual(['migration.tls-creds=tlsC', 'migration.tls-hostname=10.0.0.2']);
    expect(argv(1, 'secondary').filter((x) => x.startsWith('migration.'))).toEqual(['migration.tls-creds=tlsS', 'migration.tls-authz=authz0']);
  });
});

describe('plans on TLS', () => {
  it("setup: NBD server, the copy and the child with credentials; the wait on the primary's server ends before migrate", () => {
    const p = planFor('setup', TLS + IDS);
    expect(step(p, 'b', 'nbd-server-start').arguments).toMatchObject({ 'tls-creds': 'tlsS', 'tls-authz': 'authz0' });
    const mirror = step(p, 'a', 'drive-mirror').arguments;
    expect(mirror.format).toBeUndefined();
    expect(JSON.parse(mirror.target.replace(/^json:/, ''))).toEqual({
      driver: 'nbd',
      server: { type: 'inet', host: '10.0.0.2', port: '9999' },
      export: 'parent0',
      'tls-creds': 'tlsC',
    });
    expect(step(p, 'a', 'blockdev-add').arguments['tls-creds']).toBe('tlsC');
    const waits = p.steps.filter(isWait).filter((w) => w.wait === 'chardevs-connected');
    expect(waits.map((w) => [w.node, w.until])).toEqual([
      ['b', ['red0', 'red1']],
      ['a', ['mirror0', 'compare1', 'compare0', 'compare_out']],
    ]);
    expect(waits[1].hint).toMatch(/QEMU logs nothing/);
    expect(p.steps.indexOf(waits[1])).toBeLessThan(p.steps.indexOf(step(p, 'a', 'migrate')));
    // the credentials come from the command line: nothing to set over QMP at setup
    expect(p.steps.filter((s) => isQmp(s) && s.execute === 'migrate-set-parameters').map((s: any) => Object.keys(s.arguments))).toEqual([
      ['x-checkpoint-delay'],
    ]);
  });

  it('secondary resume: the survivor switches to the client credentials and names its new secondary before migrate', () => {
    const p = planFor('secondary-resume');
    const set = step(p, 'b', 'migrate-set-parameters');
    expect(set.arguments).toEqual({ 'x-checkpoint-delay': 2000, 'tls-creds': 'tlsC', 'tls-hostname': '10.0.0.1' });
    expect(set.description).toMatch(/client credentials/);
    expect(p.steps.indexOf(set)).toBeLessThan(p.steps.indexOf(step(p, 'b', 'migrate')));
    expect(step(p, 'b', 'chardev-add').arguments.backend.data['tls-creds']).toBe('tlsS');
  });

  it('failovers keep the credentials; a primary failover removes the server ends the dead secondary used', () => {
    const pf = planFor('primary-failover');
    expect(
      pf.changes
        .filter((c) => c.action === 'delete' && c.kind === 'chardev')
        .map((c) => c.id)
        .sort(),
    ).toEqual(['compare1', 'mirror0']);
    for (const t of ['primary-failover', 'secondary-failover'] as const) expect(planFor(t).changes.some((c) => c.id === 'tlsS' || c.id === 'tlsC')).toBe(false);
    expect(
      planFor('primary-resume')
        .steps.filter((s) => isQmp(s) && s.execute === 'chardev-add')
        .map((s: any) => s.arguments.id),
    ).toEqual(['mirror0', 'compare1']);
  });

  it('migration TLS lost on a replicating pair is drift, first, as security', () => {
    const p = planFor('steady', TLS, (obs) => {
      obs.a = edited(obs.a, { put: [resource('a', 'parameter', 'tls-creds', { value: '' })] });
    });
    expect(p.changes[0]).toMatchObject({
      address: 'a/migration/parameter/tls-creds',
      action: 'update',
      faultTolerance: expect.stringMatching(/^security: a's migration is not on TLS/),
    });
    expect(step(p, 'a', 'migrate-set-parameters').arguments).toEqual({ 'tls-creds': 'tlsC' });
  });

  it('a TLS spec against a node launched plain, and a plain spec against a TLS pair, are blocked and say what it takes', () => {
    const plainNode = planFor('setup', TLS, (obs) => {
      obs.b = edited(obs.b, { drop: ['b/object/tlsS', 'b/object/tlsC', 'b/migration/parameter/tls-creds'] });
    });
    expect(plainNode.steps).toEqual([]);
    expect(plainNode.changes.find((c) => c.address === 'b/object/tlsS')).toMatchObject({
      address: 'b/object/tlsS',
      action: 'blocked',
      faultTolerance: expect.stringMatching(/b runs without TLS credentials .* relaunch it from the spec: colo stop --node b, then colo launch --node b/),
    });
    expect(plainNode.changes.every((c) => c.action === 'blocked' || c.action === 'unmanaged')).toBe(true);

    const { spec: tlsSpec, profile } = pair({ extra: TLS });
    const tlsPair = assumeObserved(tlsSpec, profile, 'steady');
    const { spec: plain } = pair();
    const p = buildPlan(plain, profile, tlsPair, { mode: 'offline' });
    expect(p.steps).toEqual([]);
    expect(p.changes.filter((c) => c.action === 'blocked').map((c) => c.address)).toEqual(['a/object/tlsS', 'b/object/tlsS']);
    expect(p.changes.find((c) => c.address === 'a/object/tlsS')?.faultTolerance).toMatch(
      /runs its COLO channels on TLS \(migration tls-creds tlsC\), but the spec has them in clear.*fail over to b/,
    );
    // identities added to the spec after the launch: the authz list is missing, and cannot be bolted on
    const { spec: withIds } = pair({ extra: TLS + IDS });
    const noAuthz = buildPlan(withIds, profile, tlsPair, { mode: 'offline' });
    expect(noAuthz.steps).toEqual([]);
    expect(noAuthz.changes.find((c) => c.address === 'b/object/tlsS')?.faultTolerance).toMatch(
      /b runs without authz0 \(the tls-authz list of the spec's allowed identities\)/,
    );
    // the same pair against its own spec: steady, nothing to do
    expect(buildPlan(tlsSpec, profile, tlsPair, { mode: 'offline' }).changes).toEqual([]);
  });
});

const hasCerttool = (() => {
  try {
    execFileSync('certtool', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasCerttool)(`certificates made with certtool, as docs/tls.md says${hasCerttool ? '' : ' (no certtool: apt-get install gnutls-bin)'}`, () => {
  it('pass the file check, and their subjects are what allowedIdentities name', () => {
    const root = mkdtempSync(join(tmpdir(), 'colo-unit-certtool-'));
    try {
      const ct = (...args: string[]) => execFileSync('certtool', args, { cwd: root, stdio: 'pipe' });
      execFileSync('mkdir', ['-p', join(root, 'east')]);
      ct('--generate-privkey', '--outfile', 'ca-key.pem');
      writeFileSync(join(root, 'ca.info'), 'cn = colo CA\nca\ncert_signing_key\n');
      ct('--generate-self-signed', '--load-privkey', 'ca-key.pem', '--template', 'ca.info', '--outfile', 'ca-cert.pem');
      writeFileSync(join(root, 'server.info'), 'organization = colo\ncn = host-east\nip_address = 127.0.0.1\ntls_www_server\nencryption_key\nsigning_key\n');
      writeFileSync(join(root, 'client.info'), 'organization = colo\ncn = host-east\ntls_www_client\nencryption_key\nsigning_key\n');
      for (const k of ['server', 'client']) {
        ct('--generate-privkey', '--outfile', `east/${k}-key.pem`);
        ct(
          '--generate-certificate',
          '--load-privkey',
          `east/${k}-key.pem`,
          '--load-ca-certificate',
          'ca-cert.pem',
          '--load-ca-privkey',
          'ca-key.pem',
          '--template',
          `${k}.info`,
          '--outfile',
          `east/${k}-cert.pem`,
        );
      }
      execFileSync('chmod', ['600', join(root, 'east', 'server-key.pem'), join(root, 'east', 'client-key.pem')]);
      copyFileSync(join(root, 'ca-cert.pem'), join(root, 'east', 'ca-cert.pem'));
      const dir = join(root, 'east');
      const r = loadSpec(
        pairYaml({
          hosts: ['127.0.0.1', '127.0.0.1'],
          extra: `  tls:\n    nodes:\n      a: {dir: ${dir}}\n      b: {dir: ${dir}}\n    allowedIdentities: ["O=colo,CN=host-east"]\n`,
        }),
        'p.yaml',
      );
      expect(checkTlsFiles(r.spec!, {})).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('credential files (the CLI edge)', () => {
  const root = mkdtempSync(join(tmpdir(), 'colo-unit-pki-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const mkpki = fileURLToPath(new URL('../../scripts/mkpki.sh', import.meta.url));
  execFileSync('sh', [mkpki, root, 'a=127.0.0.1', 'b=127.0.0.1', 'runner=127.0.0.1', 'far=10.9.9.9'], { stdio: 'pipe' });
  execFileSync('sh', [mkpki, root, '--ca', 'rogue', 'x=127.0.0.1'], { stdio: 'pipe' });
  const spec = (a: string, b: string, extra = '') => {
    const r = loadSpec(
      pairYaml({ hosts: ['127.0.0.1', '127.0.0.1'], extra: `  tls:\n    nodes:\n      a: {dir: ${a}}\n      b: {dir: ${b}}\n${extra}` }),
      'p.yaml',
    );
    if (!r.spec) throw new Error(JSON.stringify(r.problems));
    return r.spec;
  };
  const codes = (s: ReturnType<typeof spec>, env = {}) => checkTlsFiles(s, env).map((p) => [p.code, p.severity, p.path]);

  it("a CA, its nodes' certificates and keys: nothing to say", () => {
    expect(checkTlsFiles(spec(join(root, 'a'), join(root, 'b'), IDS), {})).toEqual([]);
  });

  it('a missing file, and a directory missing on this machine, are errors', () => {
    const partial = join(root, 'partial');
    execFileSync('mkdir', ['-p', partial]);
    copyFileSync(join(root, 'a', 'ca-cert.pem'), join(partial, 'ca-cert.pem'));
    expect(checkTlsFiles(spec(partial, join(root, 'nowhere')), {}).map((p) => [p.code, p.path, p.message.replaceAll(root, 'ROOT')])).toEqual([
      [
        'TLS_FILE',
        '/spec/tls/nodes/a/dir',
        'node a: ROOT/partial lacks server-cert.pem, server-key.pem, client-cert.pem, client-key.pem (tls-creds-x509 reads ca-cert.pem, server-cert.pem, server-key.pem, client-cert.pem, client-key.pem there)',
      ],
      ['TLS_FILE', '/spec/tls/nodes/b/dir', 'node b: no directory ROOT/nowhere (node b runs on this machine, 127.0.0.1)'],
    ]);
  });

  it("a certificate its own CA did not sign is an error in QEMU's words; one the peer's CA did not sign a warning", () => {
    const own = join(root, 'own');
    execFileSync('cp', ['-r', join(root, 'x'), own]);
    copyFileSync(join(root, 'a', 'ca-cert.pem'), join(own, 'ca-cert.pem'));
    const p = checkTlsFiles(spec(join(root, 'a'), own), {}).filter((x) => x.severity === 'error');
    expect(p.map((x) => [x.code, x.path])).toEqual([
      ['TLS_CERT', '/spec/tls/nodes/b/dir'],
      ['TLS_CERT', '/spec/tls/nodes/b/dir'],
    ]);
    expect(p[0].message).toMatch(
      /QEMU refuses to start: "Our own certificate .*server-cert\.pem failed validation against .*ca-cert\.pem: The certificate hasn't got a known issuer"/,
    );
    expect(codes(spec(join(root, 'a'), join(root, 'x')))).toEqual([
      ['TLS_CERT', 'warning', '/spec/tls/nodes/a/dir'],
      ['TLS_CERT', 'warning', '/spec/tls/nodes/a/dir'],
      ['TLS_CERT', 'warning', '/spec/tls/nodes/b/dir'],
      ['TLS_CERT', 'warning', '/spec/tls/nodes/b/dir'],
    ]);
  });

  it("a server certificate that does not name the node's host, a key of another certificate, an own DN not admitted", () => {
    const names = checkTlsFiles(spec(join(root, 'far'), join(root, 'b')), {});
    expect(names[0]).toMatchObject({ code: 'TLS_NAME', severity: 'error', path: '/spec/tls/nodes/a/dir' });
    expect(names[0].message).toMatch(/peers reach it at 127\.0\.0\.1, but its server certificate names DNS:host-far, IP Address:10\.9\.9\.9/);
    const wrongKey = join(root, 'wrongkey');
    execFileSync('cp', ['-r', join(root, 'a'), wrongKey]);
    copyFileSync(join(root, 'b', 'client-key.pem'), join(wrongKey, 'client-key.pem'));
    expect(checkTlsFiles(spec(wrongKey, join(root, 'b')), {}).map((p) => p.message)).toEqual([
      expect.stringMatching(/client-key\.pem is not the key of client-cert\.pem/),
    ]);
    const authz = checkTlsFiles(spec(join(root, 'a'), join(root, 'b'), '    allowedIdentities: ["O=colo,CN=host-a"]\n'), {});
    expect(authz.map((p) => [p.code, p.message])).toEqual([
      ['TLS_AUTHZ', expect.stringMatching(/node b's client certificate is O=colo,CN=host-b, not among allowedIdentities/)],
    ]);
  });

  it("colo's QMP client: from the spec, or COLO_QMP_TLS_DIR; checked against the monitors' CA and identities", () => {
    const yaml = (extra: string) =>
      pairYaml({
        hosts: ['127.0.0.1', '127.0.0.1'],
        extra: `  tls:\n    nodes:\n      a: {dir: ${join(root, 'a')}}\n      b: {dir: ${join(root, 'b')}}\n${extra}`,
      }).replace('qmp: unix:/run/a.qmp', 'qmp: "tls:127.0.0.1:4444"');
    const none = loadSpec(yaml(''), 'p.yaml').spec!;
    expect(codes(none)).toEqual([['TLS_CONFIG', 'warning', '/spec/nodes/0/qmp']]); // offline commands need no client certificate
    expect(codes(none, { COLO_QMP_TLS_DIR: join(root, 'runner') })).toEqual([]);
    expect(codes(none, { COLO_QMP_TLS_DIR: join(root, 'x') })).toEqual([
      ['TLS_CERT', 'warning', '/spec/nodes/0/qmp'],
      ['TLS_CERT', 'warning', '/spec/nodes/0/qmp'],
    ]);
    const admitted = loadSpec(yaml(`    qmp: {clientDir: ${join(root, 'runner')}, allowedIdentities: ["O=colo,CN=someone"]}\n`), 'p.yaml').spec!;
    expect(codes(admitted)).toEqual([['TLS_AUTHZ', 'warning', '/spec/tls/qmp/allowedIdentities']]);
  });

  it('a spec whose credentials are on other hosts plans offline here (their files are only warned about)', async () => {
    const { run } = await import('../../src/cli/cli.js');
    let out = '';
    let err = '';
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      stdin: process.stdin,
      env: { NO_COLOR: '1' },
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    };
    expect(await run(['plan', '--offline', '-f', 'examples/tap-bridge.yaml'], io)).toBe(0);
    expect(out).toMatch(/transition: setup/);
    expect(err).toBe('');
    expect(await run(['validate', '-f', 'examples/tap-bridge.yaml'], io)).toBe(0);
    expect(out).toMatch(/warning TLS_FILE: node east: \/etc\/colo\/pki\/web is not on this machine/);
  });

  it('colo validate: a certificate problem is exit 1 with file:line:column and no stack', async () => {
    const { run } = await import('../../src/cli/cli.js');
    const file = join(root, 'pair.yaml');
    const own = join(root, 'own');
    writeFileSync(
      file,
      pairYaml({ hosts: ['127.0.0.1', '127.0.0.1'], extra: `  tls:\n    nodes:\n      a: {dir: ${join(root, 'a')}}\n      b: {dir: ${own}}\n` }),
    );
    let err = '';
    const code = await run(['validate', '-f', file], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (err += s) },
      stdin: process.stdin,
      env: { NO_COLOR: '1' },
      cwd: root,
    });
    expect(code).toBe(1);
    expect(err).toMatch(
      /^pair\.yaml:18:16: error TLS_CERT: node b: .*own\/server-cert\.pem \(O=colo,CN=host-x, issuer O=colo,CN=colo rogue\) is not signed by a CA of/m,
    );
    expect(err).not.toMatch(/\n\s+at /);
  });
});
