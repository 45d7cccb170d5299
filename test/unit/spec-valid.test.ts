import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeArgs } from '../../src/model/argv.js';
import { parseVersion, recordedProfile } from '../../src/model/profile.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { ID_PATTERN } from '../../src/spec/validate-schema.js';

const root = new URL('../../', import.meta.url);
const read = (rel: string) => readFileSync(new URL(rel, root), 'utf8');
const examples = readdirSync(new URL('examples/', root))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

function load(text: string): Spec {
  const r = loadSpec(text, 'pair.yaml');
  // two hosts without spec.tls: their channels in clear are warned about, nothing else
  expect(r.problems.filter((p) => p.code !== 'CHANNELS_IN_CLEAR')).toEqual([]);
  expect(r.spec).toBeDefined();
  return r.spec!;
}

describe('valid specs', () => {
  it('the documented example spec (every section, as a user writes it) validates with no problem at all', () => {
    const spec = load(read('test/fixtures/design-sketch.yaml'));
    expect(spec.name).toBe('demo');
    expect(spec.nodes.map((n) => [n.name, n.role])).toEqual([
      ['a', 'primary'],
      ['b', 'secondary'],
    ]);
    expect(spec.qemu).toMatchObject({ version: '7.2', accel: 'kvm', memory: '128M', smp: 1, cpu: 'host' });
    expect(spec.colo.checkpointDelayMs).toBe(2000);
    expect(spec.colo.compare).toEqual({ timeoutMs: 3000, expiredScanCycleMs: 3000, maxQueueSize: 1024, vnetHdr: false });
    expect(spec.disks).toEqual([{ id: 'colo-disk0', size: '64M', sizeBytes: 64 * 1024 * 1024, format: 'qcow2', interface: 'ide' }]);
    expect(spec.netdevs[0]).toMatchObject({ id: 'hn0', type: 'user', model: 'rtl8139', romfile: '' });
  });

  it('examples/ is not empty', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  // the warnings each example earns: TCP QMP off loopback, hooks that run where colo runs
  const expectedWarnings: Record<string, string[]> = {
    'pair.yaml': [],
    'qemu-11.1.yaml': ['QMP_UNAUTHENTICATED', 'QMP_UNAUTHENTICATED'],
    // its QMP is on TLS; its credentials are on its two hosts (not checked from here)
    'tap-bridge.yaml': ['HOOK_RUNS_HERE'],
    'two-disks-two-nics.yaml': [],
  };
  it.each(examples)('examples/%s validates with no error, and only the warnings it deserves', (f) => {
    const r = loadSpec(read(`examples/${f}`), `examples/${f}`);
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(r.problems.map((p) => p.code)).toEqual(expectedWarnings[f]);
    expect(r.spec).toBeDefined();
  });
});

describe('defaults', () => {
  const minimal = `apiVersion: colo/v1
kind: ColoPair
metadata: {name: min}
spec:
  nodes:
    - {name: a, role: primary,   host: 10.0.0.1, qmp: tcp:127.0.0.1:4444, workdir: /srv/a}
    - {name: b, role: secondary, host: 10.0.0.2, qmp: tcp:127.0.0.1:4445, workdir: /srv/b}
  disks:
    - {id: colo-disk0, size: 64M}
    - {id: colo-disk1, size: 1G}
  netdevs:
    - {id: hn0, type: user}
    - {id: hn1, type: user}
`;
  const spec = load(minimal);

  it('fills QEMU, ports and COLO defaults', () => {
    expect(spec.qemu).toEqual({
      version: '7.2',
      accel: 'kvm',
      memory: '128M',
      memoryBytes: 128 * 1024 ** 2,
      smp: 1,
      cpu: 'qemu64',
      binary: 'qemu-system-x86_64',
      extraArgs: [],
    });
    expect(spec.ports).toEqual({ migration: 9998, nbd: 9999, base: 9001 });
    expect(spec.colo.checkpointDelayMs).toBe(20000);
    expect(spec.colo.compare).toEqual({ vnetHdr: false });
    expect(spec.hooks).toEqual({ afterFailover: [], beforeResume: [] });
  });

  it('fills disk and NIC defaults', () => {
    expect(spec.disks.map((d) => [d.format, d.interface, d.sizeBytes])).toEqual([
      ['qcow2', 'ide', 64 * 1024 ** 2],
      ['qcow2', 'ide', 1024 ** 3],
    ]);
    expect(spec.netdevs.map((n) => [n.model, n.vnetHdrSupport, n.extraFilters])).toEqual([
      ['rtl8139', false, []],
      ['rtl8139', false, []],
    ]);
  });

  it('gives NIC 0 the seed ids', () => {
    expect(spec.netdevs[0].ids).toEqual({
      mirror: 'm0',
      redirectorIn: 'redire0',
      redirectorOut: 'redire1',
      compare: 'comp0',
      iothread: 'iothread1',
      mirrorChardev: 'mirror0',
      secondaryInChardev: 'compare1',
      primaryInChardev: 'compare0',
      primaryInClient: 'compare0-0',
      compareOutChardev: 'compare_out',
      compareOutClient: 'compare_out0',
      secondaryMirrorChardev: 'red0',
      secondaryOutChardev: 'red1',
      secondaryRedirectorIn: 'f1',
      secondaryRedirectorOut: 'f2',
      rewriter: 'rew0',
    });
  });

  it('gives NIC 1 the seed ids suffixed with -1', () => {
    const ids = spec.netdevs[1].ids;
    expect(Object.values(ids)).toEqual(Object.values(spec.netdevs[0].ids).map((id) => `${id}-1`));
    expect(ids.mirror).toBe('m0-1');
    expect(ids.rewriter).toBe('rew0-1');
  });

  it('numbers NIC ports from base, five per NIC', () => {
    expect(spec.netdevs[0].ports).toEqual({ primaryIn: 9001, mirror: 9003, secondaryIn: 9004, compareOut: 9005 });
    expect(spec.netdevs[1].ports).toEqual({ primaryIn: 9006, mirror: 9008, secondaryIn: 9009, compareOut: 9010 });
  });

  it('keeps explicit ids and ports over the defaults', () => {
    const s = load(minimal.replace('    - {id: hn1, type: user}', '    - {id: hn1, type: user, ports: {mirror: 9100}, filters: {ids: {rewriter: rw1}}}'));
    expect(s.netdevs[1].ports).toEqual({ primaryIn: 9006, mirror: 9100, secondaryIn: 9009, compareOut: 9010 });
    expect(s.netdevs[1].ids.rewriter).toBe('rw1');
    expect(s.netdevs[1].ids.mirror).toBe('m0-1');
  });

  it('names block nodes parent0/childs0/replication0 for disk 0 and parent1/childs1/replication1 for disk 1', () => {
    const profile = recordedProfile(parseVersion(spec.qemu.version)!, spec.qemu.accel);
    const secondary = nodeArgs(spec, profile, spec.nodes[1], 'secondary').argv.join(' ');
    for (const i of [0, 1]) {
      expect(secondary).toContain(`if=none,id=parent${i},`);
      expect(secondary).toContain(`if=none,id=childs${i},driver=replication,mode=secondary,file.driver=qcow2,top-id=colo-disk${i},`);
      expect(secondary).toContain(`file.backing.backing=parent${i}`);
      expect(secondary).toContain(`if=ide,id=colo-disk${i},driver=quorum,read-pattern=fifo,vote-threshold=1,children.0=childs${i}`);
    }
    const primary = nodeArgs(spec, profile, spec.nodes[0], 'primary').argv.join(' ');
    expect(primary).toContain(
      'if=ide,id=colo-disk1,driver=quorum,read-pattern=fifo,vote-threshold=1,children.0.file.filename=/srv/a/colo-disk1.qcow2,children.0.driver=qcow2',
    );
  });
});

describe('per-node netdev settings', () => {
  it('give each node its own tap name', () => {
    const text = readFileSync(new URL('examples/pair.yaml', root), 'utf8')
      .replace('workdir: /tmp/colo-demo/a}', 'workdir: /tmp/colo-demo/a, netdevs: {hn0: {ifname: tapA}}}')
      .replace('workdir: /tmp/colo-demo/b}', 'workdir: /tmp/colo-demo/b, netdevs: {hn0: {ifname: tapB}}}')
      .replace('{id: hn0, type: user,', '{id: hn0, type: tap,');
    const spec = load(text);
    const profile = recordedProfile(parseVersion(spec.qemu.version)!, spec.qemu.accel);
    const netdev = (i: 0 | 1, role: 'primary' | 'secondary') => {
      const argv = nodeArgs(spec, profile, spec.nodes[i], role).argv;
      return argv[argv.indexOf('-netdev') + 1];
    };
    expect(netdev(0, 'primary')).toBe('tap,id=hn0,ifname=tapA,script=no,downscript=no,vhost=off');
    expect(netdev(1, 'secondary')).toBe('tap,id=hn0,ifname=tapB,script=no,downscript=no,vhost=off');
    // the name belongs to the host, not to the role
    expect(netdev(1, 'primary')).toContain('ifname=tapB');
  });
});

/** The object literal assigned to `const <name> = ` in generated code (JSON, as ajv writes it). */
function embeddedJson(code: string, name: string): unknown {
  const start = code.indexOf(`const ${name} = `);
  if (start < 0) throw new Error(`no ${name} in the generated validator`);
  const open = code.indexOf('{', start);
  let depth = 0;
  let inString = false;
  for (let i = open; i < code.length; i++) {
    const ch = code[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return JSON.parse(code.slice(open, i + 1));
  }
  throw new Error(`unterminated ${name}`);
}

describe('schemas/colo.schema.json', () => {
  const schema = JSON.parse(read('schemas/colo.schema.json'));

  it('is a draft-07 schema for a ColoPair', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(schema.properties.apiVersion).toMatchObject({ const: 'colo/v1' });
    expect(schema.properties.kind).toMatchObject({ const: 'ColoPair' });
  });

  it('uses the id pattern the validator recognises as UNSAFE_ID', () => {
    const ids = [
      schema.properties.metadata.properties.name,
      schema.properties.spec.properties.nodes.items.properties.name,
      schema.properties.spec.properties.disks.items.properties.id,
      schema.properties.spec.properties.netdevs.items.properties.id,
    ];
    const resolve = (x: any) => (x.$ref ? schema.definitions[x.$ref.replace('#/definitions/', '')] : x);
    for (const id of ids) expect(resolve(id)).toMatchObject({ type: 'string', pattern: ID_PATTERN });
  });

  it('is the schema the generated validator was compiled from', () => {
    const generated = read('src/spec/schema-validator.generated.ts');
    const root = /const (schema\d+) = \{"\$schema"/.exec(generated)?.[1];
    expect(root).toBeDefined();
    expect(embeddedJson(generated, root!)).toEqual(schema);
  });
});
