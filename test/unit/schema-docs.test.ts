// The schema teaches an editor: every property and section described, examples where a value is not
// obvious, the same patterns as the checks in src/spec/values.ts, and the one source of defaults.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import { SIZE_PATTERN } from '../../src/spec/sizes.js';
import {
  ABSOLUTE_PATH_PATTERN,
  ID_PATTERN,
  IFNAME_PATTERN,
  MODEL_PATTERN,
  NETNS_PATTERN,
  PROGRAM_PATTERN,
  PROP_NAME_PATTERN,
  SCRIPT_PATTERN,
} from '../../src/spec/values.js';

/** The smallest pair: two nodes, one disk; each test adds its netdevs and more. */
const MINIMAL = `apiVersion: colo/v1
kind: ColoPair
metadata: {name: m}
spec:
  nodes:
    - {name: a, role: primary, host: 127.0.0.1, qmp: unix:/t/a, workdir: /t/a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:/t/b, workdir: /t/b}
  disks: [{id: d0, size: 64M}]
`;

const schema = JSON.parse(readFileSync(new URL('../../schemas/colo.schema.json', import.meta.url), 'utf8'));

/** every schema node that describes a value: properties, items, map values, definitions */
function nodes(s: any, path: string, out: Array<[string, any]> = []): Array<[string, any]> {
  if (!s || typeof s !== 'object') return out;
  out.push([path, s]);
  for (const [k, v] of Object.entries(s.properties ?? {})) nodes(v, `${path}/${k}`, out);
  if (s.items && !Array.isArray(s.items)) nodes(s.items, `${path}[]`, out);
  if (s.additionalProperties && typeof s.additionalProperties === 'object' && s.additionalProperties.properties)
    nodes(s.additionalProperties, `${path}/*`, out);
  for (const [k, v] of Object.entries(s.definitions ?? {})) nodes(v, `#${k}`, out);
  return out;
}

describe('schemas/colo.schema.json', () => {
  const all = nodes(schema, '');
  it('describes every property and section', () => {
    expect(all.length).toBeGreaterThan(90);
    const described = (s: any) => s.description || (s.$ref && schema.definitions[s.$ref.replace('#/definitions/', '')]?.description);
    const bare = all.filter(([, s]) => !described(s)).map(([p]) => p);
    expect(bare).toEqual([]);
  });

  it('gives examples for the values that are not obvious', () => {
    for (const p of [
      '/spec/qemu/memory',
      '/spec/disks[]/size',
      '/spec/nodes[]/host',
      '/spec/nodes[]/qmp',
      '/spec/netdevs[]/model',
      '/spec/qemu/cpu',
      '#hook/run',
    ]) {
      const s = all.find(([path]) => path === p)?.[1];
      expect(s?.examples?.length, p).toBeGreaterThan(0);
    }
  });

  it('uses the patterns of src/spec/values.ts and sizes.ts', () => {
    expect(schema.definitions.id.pattern).toBe(ID_PATTERN);
    const nd = schema.properties.spec.properties.netdevs.items.properties;
    expect(nd.model.pattern).toBe(MODEL_PATTERN);
    expect(nd.filters.properties.extra.items.properties.props.propertyNames.pattern).toBe(PROP_NAME_PATTERN);
    expect(schema.properties.spec.properties.qemu.properties.memory.anyOf[0].pattern).toBe(SIZE_PATTERN);
    expect(schema.properties.spec.properties.disks.items.properties.size.anyOf[0].pattern).toBe(SIZE_PATTERN);
    expect(schema.definitions.ifname.pattern).toBe(IFNAME_PATTERN);
    const node = schema.properties.spec.properties.nodes.items.properties;
    expect(node.netns.pattern).toBe(NETNS_PATTERN);
    expect(schema.properties.spec.properties.qemu.properties.binary.pattern).toBe(PROGRAM_PATTERN);
    expect(nd.script.pattern).toBe(SCRIPT_PATTERN);
    expect(nd.downscript.pattern).toBe(SCRIPT_PATTERN);
    expect(nd.helper.pattern).toBe(ABSOLUTE_PATH_PATTERN);
    for (const p of [node.workdir, schema.properties.spec.properties.qemu.properties.kernel, schema.properties.spec.properties.qemu.properties.initrd])
      expect(p.pattern).toBe(ABSOLUTE_PATH_PATTERN);
  });

  it('has no key a YAML 1.1 reader takes for a boolean, but the deprecated alias', () => {
    const trap = /^(on|off|yes|no|y|n|true|false)$/i;
    const keys = all.flatMap(([, s]) =>
      Object.entries(s.properties ?? {})
        .filter(([k]) => trap.test(k))
        .map(([k, v]) => [k, (v as any).deprecated]),
    );
    expect(keys).toEqual([['on', true]]);
  });

  it('is the one source of defaults: a minimal spec gets exactly the schema defaults', () => {
    const r = loadSpec(
      `${MINIMAL}  netdevs: [{id: n0, type: user, filters: {extra: [{id: x0, type: filter-dump}]}}]
  hooks: {afterFailover: [{name: h, run: "true"}]}
`,
      'm.yaml',
    );
    expect(r.spec).toBeDefined();
    const spec = r.spec!;
    const p = schema.properties.spec.properties;
    const q = p.qemu.properties;
    expect(spec.qemu).toMatchObject({
      version: q.version.default,
      accel: q.accel.default,
      memory: q.memory.default,
      smp: q.smp.default,
      cpu: q.cpu.default,
      binary: q.binary.default,
      extraArgs: q.extraArgs.default,
    });
    expect(spec.ports).toEqual({ migration: p.ports.properties.migration.default, nbd: p.ports.properties.nbd.default, base: p.ports.properties.base.default });
    expect(spec.colo.checkpointDelayMs).toBe(p.colo.properties.checkpointDelayMs.default);
    expect(spec.colo.compare.vnetHdr).toBe(p.colo.properties.compare.properties.vnetHdr.default);
    const disk = p.disks.items.properties;
    expect(spec.disks[0]).toMatchObject({ format: disk.format.default, interface: disk.interface.default });
    const nd = p.netdevs.items.properties;
    expect(spec.netdevs[0].model).toBe(nd.model.default);
    expect(spec.netdevs[0].extraFilters[0]).toEqual({
      id: 'x0',
      type: 'filter-dump',
      side: nd.filters.properties.extra.items.properties.side.default,
      props: {},
    });
    expect(spec.hooks.afterFailover[0].timeoutMs).toBe(schema.definitions.hook.properties.timeoutMs.default);
    expect(spec.hooks.beforeResume).toEqual([]);
  });

  it('reads the old key on as side, with a warning', () => {
    const r = loadSpec(
      `${MINIMAL}  netdevs: [{id: n0, type: user, filters: {extra: [{id: x0, type: filter-dump, on: both}]}}]
`,
      'm.yaml',
    );
    expect(r.spec?.netdevs[0].extraFilters[0].side).toBe('both');
    expect(r.problems.map((p) => [p.severity, p.code, p.pos.line])).toEqual([['warning', 'DEPRECATED_KEY', 9]]);
  });
});
