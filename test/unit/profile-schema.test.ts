// Profiles come from what a QEMU offers: each recorded schema (a real QEMU's query-qmp-schema,
// test/fixtures/schema) summarised, and each decision colo takes from it, per version.
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ObservedNode } from '../../src/model/observed.js';
import { parseVersion, profileFor, recordedProfile } from '../../src/model/profile.js';
import { RECORDED_SCHEMAS } from '../../src/model/recorded-schemas.js';
import { summarizeSchema, type SchemaSummary } from '../../src/model/schema-summary.js';
import { chooseProfile } from '../../src/plan/choose-profile.js';
import { pair } from './pair-spec.js';

const dir = new URL('../fixtures/schema/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json.gz'));
const load = (f: string) => JSON.parse(gunzipSync(readFileSync(new URL(f, dir))).toString()) as { version: { qemu: any; package: string }; schema: any[] };

describe('recorded schemas', () => {
  it('there is one for 7.2, 10.0 and 11.1', () => {
    expect(fixtures.sort()).toEqual(['qemu-10.0.13.json.gz', 'qemu-11.1.3.json.gz', 'qemu-7.2.22.json.gz']);
  });

  for (const f of fixtures) {
    it(`${f}: its summary is the one colo ships`, () => {
      const { version, schema } = load(f);
      const v = `${version.qemu.major}.${version.qemu.minor}.${version.qemu.micro}`;
      expect(RECORDED_SCHEMAS[v]).toEqual({ package: version.package, summary: summarizeSchema(schema) });
    });
  }
});

describe('decisions per version, from the recorded schemas', () => {
  const decide = (f: string, accel: 'kvm' | 'tcg' = 'kvm') => {
    const { version, schema } = load(f);
    return profileFor(version.qemu, summarizeSchema(schema), accel, f);
  };
  it('7.2.22: x-colo on the primary only, reconnect, nbd-server-add, yank', () => {
    expect(decide('qemu-7.2.22.json.gz')).toMatchObject({
      primaryCapabilities: ['x-colo'],
      secondaryCapabilities: [],
      reconnect: 'reconnect',
      nbdExport: 'nbd-server-add',
      yank: true,
      warnings: [],
    });
  });
  it('10.0.13: x-colo on both sides, reconnect-ms (reconnect still offered), no broken-COLO warning (the fix is in 10.0.7)', () => {
    expect(decide('qemu-10.0.13.json.gz')).toMatchObject({
      primaryCapabilities: ['x-colo'],
      secondaryCapabilities: ['x-colo'],
      reconnect: 'reconnect-ms',
      warnings: [],
    });
  });
  it('11.1.3: x-colo with return-path on both sides, reconnect-ms only, TCG without the deadlock warning', () => {
    expect(decide('qemu-11.1.3.json.gz', 'tcg')).toMatchObject({
      primaryCapabilities: ['x-colo', 'return-path'],
      secondaryCapabilities: ['x-colo', 'return-path'],
      reconnect: 'reconnect-ms',
      warnings: [],
    });
  });
  it('a QEMU built without replication is refused, not planned', () => {
    const { version, schema } = load('qemu-7.2.22.json.gz');
    const s: SchemaSummary = { ...summarizeSchema(schema), commands: summarizeSchema(schema).commands.filter((c) => c !== 'x-colo-lost-heartbeat') };
    expect(profileFor(version.qemu, s, 'kvm', 'x').unsupported).toMatch(/offers no COLO \(missing x-colo-lost-heartbeat\)/);
  });
  it('a schema without nbd-server-add picks block-export-add', () => {
    const s = RECORDED_SCHEMAS['11.1.3'].summary;
    expect(profileFor(parseVersion('12.0')!, { ...s, commands: s.commands.filter((c) => c !== 'nbd-server-add') }, 'kvm', 'x').nbdExport).toBe(
      'block-export-add',
    );
  });
});

describe('the live choice', () => {
  const { spec } = pair({ version: '7.2' });
  const node = (name: string, v: string, machine = 'pc-i440fx-7.2', schema?: SchemaSummary): ObservedNode => ({
    name,
    reach: 'ok',
    version: parseVersion(v)!,
    machine,
    resources: {},
    jobs: [],
    ...(schema ? { schema } : {}),
  });
  it('takes the live schema over the spec version, with a warning that the spec is wrong', () => {
    const c = chooseProfile(spec, { a: node('a', '11.1.3', 'pc-i440fx-11.1', RECORDED_SCHEMAS['11.1.3'].summary), b: node('b', '11.1.3', 'pc-i440fx-11.1') });
    expect(c.ok && c.profile.primaryCapabilities).toEqual(['x-colo', 'return-path']);
    expect(c.ok && c.profile.schemaFrom).toMatch(/live schema of a/);
    expect(c.ok && c.profile.warnings).toEqual([expect.stringMatching(/spec says QEMU 7\.2 but a runs 11\.1\.3/)]);
  });
  it('refuses two major.minor lines, and two machine types', () => {
    expect(chooseProfile(spec, { a: node('a', '7.2.22'), b: node('b', '11.1.3') })).toMatchObject({
      ok: false,
      code: 'MIXED_QEMU',
      message: expect.stringMatching(/a 7\.2\.22, b 11\.1\.3/),
    });
    expect(chooseProfile(spec, { a: node('a', '7.2.22'), b: node('b', '7.2.22', 'pc-q35-7.2') })).toMatchObject({
      ok: false,
      code: 'MIXED_QEMU',
      message: expect.stringMatching(/machine types/),
    });
    expect(chooseProfile(spec, { a: node('a', '7.2.22'), b: node('b', '7.2.9') }).ok).toBe(true);
  });
  it('no node answered: the spec version from its recorded schema', () => {
    const c = chooseProfile(spec, {});
    expect(c.ok && c.profile).toEqual(recordedProfile(parseVersion('7.2')!, spec.qemu.accel));
  });
});
