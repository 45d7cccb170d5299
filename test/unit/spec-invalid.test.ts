import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/spec/errors.js';
import { loadSpec } from '../../src/spec/load.js';

// A valid spec in block style, so every value has its own line. Line numbers below refer to it
// (a case that inserts lines says where its problem lands).
const BASE = `apiVersion: colo/v1
kind: ColoPair
metadata:
  name: t
spec:
  qemu:
    version: "7.2"
    accel: kvm
    memory: 128M
  nodes:
    - name: a
      role: primary
      host: 127.0.0.1
      qmp: unix:/tmp/t/a.qmp
      workdir: /tmp/t/a
    - name: b
      role: secondary
      host: 127.0.0.1
      qmp: unix:/tmp/t/b.qmp
      workdir: /tmp/t/b
  disks:
    - id: colo-disk0
      size: 64M
  netdevs:
    - id: hn0
      type: user
  ports:
    migration: 9998
    nbd: 9999
    base: 9001
`;

/** BASE with each `from` (which must occur exactly once) replaced by `to`. */
function edit(...pairs: Array<[from: string, to: string]>): string {
  return pairs.reduce((text, [from, to]) => {
    if (text.split(from).length !== 2) throw new Error(`"${from}" must occur exactly once in the base spec`);
    return text.replace(from, to);
  }, BASE);
}

interface Case {
  name: string;
  yaml: string;
  code: ErrorCode;
  line: number;
  column: number;
  path?: string;
  message: RegExp;
}

const cases: Case[] = [
  {
    name: 'a duplicate key (YAML, not the schema)',
    yaml: edit(['    accel: kvm', '    accel: kvm\n    accel: tcg']),
    code: 'YAML_SYNTAX',
    line: 9,
    column: 5,
    message: /unique/,
  },
  {
    name: 'a mis-indented key',
    yaml: edit(['    accel: kvm', '      accel: kvm']),
    code: 'YAML_SYNTAX',
    line: 8,
    column: 1,
    message: /same column/,
  },
  {
    name: 'a number where a string is wanted',
    yaml: edit(['version: "7.2"', 'version: 7.2']),
    code: 'SCHEMA_TYPE',
    line: 7,
    column: 14,
    path: '/spec/qemu/version',
    message: /must be string, got 7\.2/,
  },
  {
    name: 'a word where an integer is wanted',
    yaml: edit(['    memory: 128M', '    memory: 128M\n    smp: two']),
    code: 'SCHEMA_TYPE',
    line: 10,
    column: 10,
    path: '/spec/qemu/smp',
    message: /must be integer, got "two"/,
  },
  {
    name: 'a document that is not a mapping',
    yaml: '- a\n- b\n',
    code: 'SCHEMA_TYPE',
    line: 1,
    column: 1,
    path: '',
    message: /document must be object/,
  },
  {
    name: 'a node without workdir (points at the node)',
    yaml: edit(['      workdir: /tmp/t/b\n', '']),
    code: 'SCHEMA_REQUIRED',
    line: 16,
    column: 7,
    path: '/spec/nodes/1',
    message: /missing required key "workdir"/,
  },
  {
    name: 'an unknown key (points at the key)',
    yaml: edit(['      type: user', '      type: user\n      colour: red']),
    code: 'SCHEMA_UNKNOWN_KEY',
    line: 27,
    column: 7,
    path: '/spec/netdevs/0/colour',
    message: /unknown key "colour".*allowed: id, type/,
  },
  {
    name: 'an accelerator QEMU COLO has no profile for',
    yaml: edit(['accel: kvm', 'accel: xen']),
    code: 'SCHEMA_ENUM',
    line: 8,
    column: 12,
    path: '/spec/qemu/accel',
    message: /one of "kvm", "tcg", got "xen"/,
  },
  {
    name: 'another apiVersion',
    yaml: edit(['colo/v1', 'colo/v2']),
    code: 'SCHEMA_ENUM',
    line: 1,
    column: 13,
    path: '/apiVersion',
    message: /must be "colo\/v1", got "colo\/v2"/,
  },
  {
    name: 'a QMP address that is neither unix: nor tcp:',
    yaml: edit(['unix:/tmp/t/a.qmp', 'sock:/tmp/t/a.qmp']),
    code: 'SCHEMA_PATTERN',
    line: 14,
    column: 12,
    path: '/spec/nodes/0/qmp',
    message: /"sock:\/tmp\/t\/a\.qmp" does not match/,
  },
  {
    name: 'a tcp: QMP address with port 0 (schema pattern passes, the parser refuses)',
    yaml: edit(['unix:/tmp/t/a.qmp', 'tcp:127.0.0.1:0']),
    code: 'SCHEMA_PATTERN',
    line: 14,
    column: 12,
    path: '/spec/nodes/0/qmp',
    message: /unix:\/path, tcp:host:port or tls:host:port/,
  },
  {
    name: 'a port above 65535',
    yaml: edit(['nbd: 9999', 'nbd: 70000']),
    code: 'SCHEMA_RANGE',
    line: 29,
    column: 10,
    path: '/spec/ports/nbd',
    message: /<= 65535, got 70000/,
  },
  {
    name: 'no disk at all',
    yaml: edit(['  disks:\n    - id: colo-disk0\n      size: 64M', '  disks: []']),
    code: 'SCHEMA_COUNT',
    line: 21,
    column: 10,
    path: '/spec/disks',
    message: /fewer than 1 items/,
  },
  {
    name: 'a size with an unknown unit',
    yaml: edit(['size: 64M', 'size: 64Q']),
    code: 'INVALID_SIZE',
    line: 23,
    column: 13,
    path: '/spec/disks/0/size',
    message: /"64Q" is not a size: .*e\.g\. 64M/,
  },
  {
    name: 'two nodes with one name',
    yaml: edit(['    - name: b', '    - name: a']),
    code: 'DUPLICATE_NODE_NAME',
    line: 16,
    column: 13,
    path: '/spec/nodes/1/name',
    message: /"a" is used twice/,
  },
  {
    name: 'a netdev id equal to a disk id',
    yaml: edit(['    - id: hn0', '    - id: colo-disk0']),
    code: 'DUPLICATE_ID',
    line: 25,
    column: 11,
    path: '/spec/netdevs/0/id',
    message: /"colo-disk0" \(netdev\) is already used at \/spec\/disks\/0\/id/,
  },
  {
    name: 'a filter id override colliding with a seed id',
    yaml: edit(['      type: user', '      type: user\n      filters:\n        ids: {rewriter: m0}']),
    code: 'DUPLICATE_ID',
    line: 28,
    column: 25,
    path: '/spec/netdevs/0/filters/ids/rewriter',
    message: /"m0" \(rewriter of netdev hn0\) is already used/,
  },
  {
    name: 'two nodes with one work directory on one host',
    yaml: edit(['workdir: /tmp/t/b', 'workdir: /tmp/t/a']),
    code: 'DUPLICATE_ID',
    line: 20,
    column: 16,
    path: '/spec/nodes/1/workdir',
    message: /work directory \/tmp\/t\/a/,
  },
  {
    name: 'two primaries',
    yaml: edit(['role: secondary', 'role: primary']),
    code: 'ROLE_COUNT',
    line: 17,
    column: 13,
    path: '/spec/nodes/1/role',
    message: /found 2 primary and 0 secondary/,
  },
  {
    name: 'the NBD port equal to the migration port',
    yaml: edit(['nbd: 9999', 'nbd: 9998']),
    code: 'PORT_COLLISION',
    line: 29,
    column: 10,
    path: '/spec/ports/nbd',
    message: /9998 \(NBD\) collides with migration/,
  },
  {
    name: "an explicit NIC port equal to another NIC's port",
    yaml: edit(['      type: user', '      type: user\n    - id: hn1\n      type: user\n      ports: {primaryIn: 9001}']),
    code: 'PORT_COLLISION',
    line: 29,
    column: 26,
    path: '/spec/netdevs/1/ports/primaryIn',
    message: /9001 \(primaryIn chardev of netdev hn1\) collides with primaryIn chardev of netdev hn0/,
  },
  {
    name: 'one QMP socket for both nodes on one host',
    yaml: edit(['unix:/tmp/t/b.qmp', 'unix:/tmp/t/a.qmp']),
    code: 'PORT_COLLISION',
    line: 19,
    column: 12,
    path: '/spec/nodes/1/qmp',
    message: /both nodes use the QMP socket/,
  },
  {
    name: 'a tcp: QMP port equal to the NBD port on a shared host',
    yaml: edit(['unix:/tmp/t/a.qmp', 'tcp:127.0.0.1:9999']),
    code: 'PORT_COLLISION',
    line: 14,
    column: 12,
    path: '/spec/nodes/0/qmp',
    message: /9999 \(QMP of node a\) collides with NBD/,
  },
  {
    name: 'memory too small for a guest',
    yaml: edit(['memory: 128M', 'memory: 1M']),
    code: 'INVALID_SIZE',
    line: 9,
    column: 13,
    path: '/spec/qemu/memory',
    message: /memory "1M" is 1048576 bytes, too little to boot \(at least 16M/,
  },
  {
    name: 'a disk of 1024 bytes',
    yaml: edit(['size: 64M', 'size: 1024']),
    code: 'INVALID_SIZE',
    line: 23,
    column: 13,
    path: '/spec/disks/0/size',
    message: /disk colo-disk0: size "1024".*at least 512K/,
  },
  {
    name: 'an extra filter writing to an unknown chardev',
    yaml: edit(['      type: user', '      type: user\n      filters:\n        extra:\n          - {id: dump0, type: filter-dump, props: {outdev: nope}}']),
    code: 'UNKNOWN_REFERENCE',
    line: 29,
    column: 60,
    path: '/spec/netdevs/0/filters/extra/0/props/outdev',
    message: /filter dump0: outdev "nope" is not a chardev of netdev hn0/,
  },
  {
    name: 'an extra filter on another netdev',
    yaml: edit(['      type: user', '      type: user\n      filters:\n        extra:\n          - {id: dump0, type: filter-dump, props: {netdev: hn9}}']),
    code: 'UNKNOWN_REFERENCE',
    line: 29,
    column: 60,
    path: '/spec/netdevs/0/filters/extra/0/props/netdev',
    message: /netdev "hn9" must be the netdev it is declared on/,
  },
  {
    name: 'an initrd without a kernel (points at the key)',
    yaml: edit(['    memory: 128M', '    memory: 128M\n    initrd: /boot/initrd.gz']),
    code: 'UNKNOWN_REFERENCE',
    line: 10,
    column: 5,
    path: '/spec/qemu/initrd',
    message: /qemu\.initrd needs qemu\.kernel/,
  },
  {
    name: 'per-node settings of an unknown netdev (points at the key)',
    yaml: edit(['      workdir: /tmp/t/b', '      workdir: /tmp/t/b\n      netdevs: {hn9: {ifname: t1}}']),
    code: 'UNKNOWN_REFERENCE',
    line: 21,
    column: 17,
    path: '/spec/nodes/1/netdevs/hn9',
    message: /node b: no netdev "hn9" \(netdevs: hn0\)/,
  },
  {
    name: 'an id QEMU would not take',
    yaml: edit(['id: colo-disk0', 'id: "bad id!"']),
    code: 'UNSAFE_ID',
    line: 22,
    column: 11,
    path: '/spec/disks/0/id',
    message: /"bad id!" is not a safe QEMU id/,
  },
  {
    name: 'vhost on a tap netdev',
    yaml: edit(['      type: user', '      type: tap\n      ifname: tap0\n      vhost: true']),
    code: 'VHOST_ON_TAP',
    line: 28,
    column: 14,
    path: '/spec/netdevs/0/vhost',
    message: /vhost must be off/,
  },
  {
    name: 'ifname on a user netdev (points at the key)',
    yaml: edit(['      type: user', '      type: user\n      ifname: tap0']),
    code: 'NETDEV_OPTION',
    line: 27,
    column: 7,
    path: '/spec/netdevs/0/ifname',
    message: /"ifname" applies to type tap only \(this one is user\)/,
  },
  {
    name: 'a per-node ifname on a user netdev (points at the key)',
    yaml: edit(['      workdir: /tmp/t/b', '      workdir: /tmp/t/b\n      netdevs: {hn0: {ifname: t1}}']),
    code: 'NETDEV_OPTION',
    line: 21,
    column: 23,
    path: '/spec/nodes/1/netdevs/hn0/ifname',
    message: /node b: "ifname" applies to tap netdevs only \(hn0 is user\)/,
  },
  {
    name: 'a tap netdev with a per-node ifname on one node only',
    yaml: edit(['      workdir: /tmp/t/b', '      workdir: /tmp/t/b\n      netdevs: {hn0: {ifname: t1}}'], ['      type: user', '      type: tap']),
    code: 'NETDEV_OPTION',
    line: 26,
    column: 7,
    path: '/spec/netdevs/0',
    message: /tap netdev needs "ifname"/,
  },
  {
    name: 'a tap netdev without ifname (points at the netdev)',
    yaml: edit(['      type: user', '      type: tap']),
    code: 'NETDEV_OPTION',
    line: 25,
    column: 7,
    path: '/spec/netdevs/0',
    message: /tap netdev needs "ifname"/,
  },
  {
    name: 'a bridge netdev without bridge',
    yaml: edit(['      type: user', '      type: bridge']),
    code: 'NETDEV_OPTION',
    line: 25,
    column: 7,
    path: '/spec/netdevs/0',
    message: /bridge netdev needs "bridge"/,
  },
];

describe('loadSpec: one problem per invalid spec, with its position', () => {
  it('the base spec of this table is valid', () => {
    const r = loadSpec(BASE, 'pair.yaml');
    expect(r.problems).toEqual([]);
    expect(r.spec?.name).toBe('t');
  });

  it.each(cases)('$code: $name', (c) => {
    const r = loadSpec(c.yaml, 'pair.yaml');
    expect(r.spec).toBeUndefined();
    expect(r.problems.map((p) => p.code)).toEqual([c.code]);
    const p = r.problems[0];
    expect({ line: p.pos.line, column: p.pos.column }).toEqual({ line: c.line, column: c.column });
    if (c.path !== undefined) expect(p.path).toBe(c.path);
    expect(p.message).toMatch(c.message);
    expect(p.file).toBe('pair.yaml');
    expect(p.severity).toBe('error');
    // the position is inside the text, so a caret can be drawn under it
    expect(r.lines[p.pos.line - 1]).toBeDefined();
    expect(p.pos.column).toBeLessThanOrEqual(r.lines[p.pos.line - 1].length + 1);
  });
});

describe('loadSpec: every problem is reported, not only the first', () => {
  it('three schema problems in one file', () => {
    const r = loadSpec(
      edit(['accel: kvm', 'accel: xen'], ['nbd: 9999', 'nbd: 70000'], ['      type: user', '      type: user\n      colour: red']),
      'pair.yaml',
    );
    expect(r.spec).toBeUndefined();
    expect(r.problems.map((p) => [p.code, p.pos.line, p.pos.column])).toEqual([
      ['SCHEMA_ENUM', 8, 12],
      ['SCHEMA_UNKNOWN_KEY', 27, 7],
      ['SCHEMA_RANGE', 30, 10],
    ]);
  });

  it('three semantic problems in one file', () => {
    const r = loadSpec(edit(['memory: 128M', 'memory: 1M'], ['role: secondary', 'role: primary'], ['nbd: 9999', 'nbd: 9998']), 'pair.yaml');
    expect(r.spec).toBeUndefined();
    expect(r.problems.map((p) => p.code).sort()).toEqual(['INVALID_SIZE', 'PORT_COLLISION', 'ROLE_COUNT']);
  });

  it('two unsafe ids in different sections', () => {
    const r = loadSpec(edit(['id: colo-disk0', 'id: "bad id!"'], ['    - id: hn0', '    - id: "x y"']), 'pair.yaml');
    expect(r.problems.map((p) => [p.code, p.path])).toEqual([
      ['UNSAFE_ID', '/spec/disks/0/id'],
      ['UNSAFE_ID', '/spec/netdevs/0/id'],
    ]);
  });

  it('vhost is reported next to schema problems', () => {
    const r = loadSpec(edit(['accel: kvm', 'accel: xen'], ['      type: user', '      type: tap\n      ifname: tap0\n      vhost: true']), 'pair.yaml');
    expect(r.problems.map((p) => p.code).sort()).toEqual(['SCHEMA_ENUM', 'VHOST_ON_TAP']);
  });

  it('a derived port collision is reported for each port it hits', () => {
    // base 9996: hn0's mirror (base+2) is the migration port, its secondaryIn (base+3) the NBD port
    const r = loadSpec(edit(['base: 9001', 'base: 9996']), 'pair.yaml');
    expect(r.problems.map((p) => [p.code, p.message.split(' (')[0]])).toEqual([
      ['PORT_COLLISION', 'port 9998'],
      ['PORT_COLLISION', 'port 9999'],
    ]);
  });
});

describe('loadSpec: where a derived port collision points', () => {
  it('at ports.base, the value the user wrote, when the NIC port is not explicit', () => {
    // The port of hn0's mirror chardev comes from base; /spec/netdevs/0/ports/mirror is not in the file.
    const r = loadSpec(edit(['base: 9001', 'base: 9996']), 'pair.yaml');
    for (const p of r.problems) {
      expect(p.code).toBe('PORT_COLLISION');
      expect(p.pos).toEqual({ line: 30, column: 11 });
    }
  });
});
