// A property test over generated specs: whatever the values (every host spelling, relative and
// absolute paths, NULs, invisible characters, blank and no-op fences, sizes and ports past their
// limits, unknown tags, nesting from 10 to 20,000 levels), loadSpec never throws, refuses only with a
// known code and a position inside the file, and what it accepts holds the rules: no NUL anywhere,
// absolute paths, fences that do something, two nodes that never share a work directory on one host
// however the host is spelled, argv that any program can take. Bounded by a count (COLO_PROPERTY_RUNS,
// seeded), never by a clock.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { nodeArgs } from '../../src/model/argv.js';
import { parseVersion, recordedProfile } from '../../src/model/profile.js';
import { isNoOpCommand } from '../../src/spec/commands.js';
import { ERROR_CODES } from '../../src/spec/errors.js';
import { LIMITS } from '../../src/spec/limits.js';
import { loadSpec } from '../../src/spec/load.js';
import { canonicalPath, sameHost } from '../../src/spec/values.js';
import { rng } from '../support/rng.js';

const RUNS = Number(process.env.COLO_PROPERTY_RUNS ?? 600);

const HOSTS = [
  '127.0.0.1',
  '10.0.0.1',
  '10.0.0.2',
  '::1',
  '2001:db8::1',
  '2001:DB8:0:0:0:0:0:1',
  '::ffff:10.0.0.1',
  'Node.Example.',
  'node.example',
  'localhost',
  'LOCALHOST.',
  'bad host',
  '10.0.0.256',
  '127.0.0.1\u200b',
  '-x',
  '',
  'a\u0000b',
];
const WORKDIRS = ['/srv/a', '/srv/a/', '/srv//a', '/srv/./a', '/srv/b', 'rel/a', '', '/srv/\u0000a', '/srv/\ufeffa'];
const QMPS = [
  'unix:/run/a.qmp',
  'unix:/run//a.qmp',
  'unix:rel.qmp',
  'unix:/run/b.qmp',
  'tcp:127.0.0.1:4444',
  'tcp:[::1]:4444',
  'tcp:10.0.0.1:4444',
  'tls:10.0.0.1:4444',
  'tcp:10.0.0.1:70000',
  'tcp:[2001:DB8::1]:4444',
];
const FENCES = [
  undefined,
  { run: '   ' },
  { run: 'true' },
  { run: ['/bin/sh', '-c', 'exit 0'] },
  { run: [':'] },
  { run: ['ipmitool', 'power', 'off'] },
  { run: ['a\u0000b'] },
  { run: [] },
  { run: 'kill -9 1', timeoutMs: 3_000_000_000 },
  { run: '' },
];
const MEMORY = ['128M', '99999999999T', 1e20, '16M', '8M', '2G', 0, -1, '1GB', '128 MiB', 2 ** 53, '9007199254740993'];
const SIZES = ['64M', '4096T', '2048T', '511K', 1e300, '0', 65536, '1Gb'];
const PORTS = [0, 1, 9998, 9999, 65535, 65536, 2 ** 31, -1, 4444, 9001];
const NETNS = [undefined, 'blue', '-all', '.x', 'a b'];
const KERNELS = [undefined, '/boot/vmlinuz', 'boot/vmlinuz', '/boot/\u0000x', ''];
const HOOK_RUNS = ['ip link set tapS master br0', '   ', [], [''], ['logger', 'x\u0000'], ['logger', 'ok'], ['logger', '\u001b[2J'], 'echo \u202eevil'];
const TAGS = ['!env ', '!!binary ', '!!set ', '!!timestamp ', '!x ', '!!str ', '!!int '];
const DEPTHS = [10, 62, 63, 64, 65, 66, 100, 300, 3000, 20000];

function generate(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const maybe = <T>(p: number, v: () => T): T | undefined => (r() < p ? v() : undefined);
  /** mostly a good value, so that both sides are reached: a spec with one mistake is the common case */
  const mostly = <T>(good: T, pool: readonly T[]): T => (r() < 0.8 ? good : pick(pool));
  const node = (name: string, role: string) => ({
    name,
    role,
    // hosts: every valid spelling often (the collisions), an invalid one now and then
    host: r() < 0.85 ? pick(HOSTS.slice(0, 11)) : pick(HOSTS),
    qmp: mostly(`unix:/run/${name}.qmp`, QMPS),
    workdir: mostly(`/srv/${name}`, WORKDIRS),
    ...(maybe(0.3, () => ({ netns: pick(NETNS) })) ?? {}),
    ...(maybe(0.5, () => ({ fence: pick(FENCES) })) ?? {}),
  });
  const doc: any = {
    apiVersion: 'colo/v1',
    kind: 'ColoPair',
    metadata: { name: mostly('demo', ['x\u200by', 'ok', '-x']) },
    spec: {
      qemu: {
        version: '7.2',
        accel: 'kvm',
        memory: mostly<string | number>('128M', MEMORY),
        ...(maybe(0.3, () => ({ kernel: pick(KERNELS) })) ?? {}),
        extraArgs: ['DEEP'],
      },
      nodes: [node('a', 'primary'), node(mostly('b', ['a', 'c']), 'secondary')],
      disks: [{ id: 'colo-disk0', size: mostly<string | number>('64M', SIZES) }],
      netdevs: [{ id: 'hn0', type: 'user', romfile: '' }],
      ports: { migration: mostly(9998, PORTS), nbd: mostly(9999, PORTS), base: mostly(9001, PORTS) },
      hooks: { afterFailover: r() < 0.3 ? [{ name: 'h', run: pick(HOOK_RUNS) }] : [] },
    },
  };
  for (const n of doc.spec.nodes) for (const k of Object.keys(n)) if (n[k] === undefined) delete n[k];
  let text = stringify(doc, { lineWidth: 0 });
  // nesting, written as text: the yaml library's own stringify would recurse as deep
  const depth = r() < 0.15 ? pick(DEPTHS) : 0;
  text = text.replace(/- DEEP\b/, depth ? `- ${'['.repeat(depth)}${']'.repeat(depth)}` : '- -S');
  // an explicit tag before a value somewhere
  if (r() < 0.1) {
    const lines = text.split('\n');
    const i = Math.floor(r() * lines.length);
    lines[i] = lines[i].replace(/: (?=\S)/, `: ${pick(TAGS)}`);
    text = lines.join('\n');
  }
  return text;
}

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, out.concat(k));
  return out;
}

describe('generated specs', () => {
  it(`${RUNS} specs: validate never throws, refuses with a code and a position, accepts only what holds the rules`, () => {
    const r = rng(20261203);
    let accepted = 0;
    const codes = new Set<string>();
    for (let i = 0; i < RUNS; i++) {
      const text = generate(r);
      const label = `spec ${i}: ${JSON.stringify(text).slice(0, 400)}`;
      const lines = text.split('\n').length;
      const result = loadSpec(text, 'g.yaml');
      expect(result.problems.length, label).toBeLessThanOrEqual(LIMITS.maxProblems);
      for (const p of result.problems) {
        codes.add(p.code);
        expect(ERROR_CODES, label).toContain(p.code);
        expect(p.pos.line, label).toBeGreaterThanOrEqual(1);
        expect(p.pos.line, label).toBeLessThanOrEqual(lines + 1);
        expect(p.pos.column, label).toBeGreaterThanOrEqual(1);
        // nothing raw or invisible reaches a terminal, nothing unreadable
        expect(p.message, label).not.toMatch(
          /[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u202a-\u202e\ufeff]|\[object Object\]|"type":"Buffer"|Maximum call stack/,
        );
      }
      if (!result.spec) {
        expect(
          result.problems.some((p) => p.severity === 'error'),
          label,
        ).toBe(true);
        continue;
      }
      accepted++;
      const spec = result.spec;
      expect(
        result.problems.filter((p) => p.severity === 'error'),
        label,
      ).toEqual([]);
      for (const s of strings(spec)) expect(s, label).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e]/);
      const [a, b] = spec.nodes;
      for (const n of spec.nodes) {
        expect(n.workdir.startsWith('/'), label).toBe(true);
        if (n.fence) expect(isNoOpCommand(n.fence.run), label).toBe(false);
        expect(n.netns === undefined || /^[A-Za-z0-9_]/.test(n.netns), label).toBe(true);
      }
      if (sameHost(a.host, b.host)) expect(canonicalPath(a.workdir), label).not.toBe(canonicalPath(b.workdir));
      const profile = recordedProfile(parseVersion(spec.qemu.version)!, spec.qemu.accel);
      for (const n of spec.nodes)
        for (const role of ['primary', 'secondary'] as const) {
          const { argv } = nodeArgs(spec, profile, n, role);
          for (const arg of argv) expect(arg.includes('\u0000'), label).toBe(false);
        }
    }
    // the generator reaches both sides and the classes it is for
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(RUNS);
    for (const c of ['RELATIVE_PATH', 'NUL_CHARACTER', 'CONTROL_CHARACTER', 'FENCE_NO_OP', 'INPUT_LIMIT', 'INVALID_SIZE', 'DUPLICATE_ID'])
      expect([...codes], c).toContain(c);
  });
});
