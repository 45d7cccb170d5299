import type { ObservedNode } from '../model/observed.js';
import { formatVersion, parseVersion, profileFor, recordedProfile, versionLine, type Profile } from '../model/profile.js';
import type { Spec } from '../spec/types.js';

export type ProfileChoice =
  | { ok: true; profile: Profile }
  /** the pair cannot replicate as it runs: two QEMU lines or machine types, or a QEMU without COLO */
  | { ok: false; code: 'MIXED_QEMU' | 'NO_COLO'; message: string };

/** The spec's choice of the primary's child, where the QEMU offers it. */
function withChild(spec: Spec, profile: Profile): Profile {
  if (spec.colo.primaryChild === profile.primaryChild) return profile;
  if (spec.colo.primaryChild === 'replication' || profile.primaryChild === 'nbd') return { ...profile, primaryChild: spec.colo.primaryChild };
  return {
    ...profile,
    warnings: [...profile.warnings, 'colo.primaryChild is nbd, but this QEMU offers no blockdev-del of an nbd node: the replication driver is used'],
  };
}

/** The profile of the spec's version, from the schema recorded from that QEMU (offline). */
export function specProfile(spec: Spec): Profile {
  return withChild(spec, recordedProfile(parseVersion(spec.qemu.version)!, spec.qemu.accel));
}

/**
 * Live: the profile of the QEMU that answered, from its own schema. Both nodes must run the same
 * major.minor and machine type (COLO's stream is version-specific: 11.1 refuses a 7.2 machine type).
 * No node answered: the spec's. Pure.
 */
export function chooseProfile(spec: Spec, observed: Record<string, ObservedNode>): ProfileChoice {
  const live = Object.values(observed).flatMap((o) => (o.version ? [{ ...o, version: o.version }] : []));
  if (!live.length) return { ok: true, profile: specProfile(spec) };
  const lines = new Set(live.map((o) => versionLine(o.version)));
  if (lines.size > 1) {
    return {
      ok: false,
      code: 'MIXED_QEMU',
      message: `the nodes run different QEMU versions (${live.map((o) => `${o.name} ${formatVersion(o.version)}`).join(', ')}): COLO needs the same major.minor on both; relaunch one with the other's QEMU`,
    };
  }
  const machines = new Set(live.map((o) => o.machine).filter((m) => m !== undefined));
  if (machines.size > 1) {
    return {
      ok: false,
      code: 'MIXED_QEMU',
      message: `the nodes run different machine types (${live.map((o) => `${o.name} ${o.machine}`).join(', ')}): COLO needs the same on both`,
    };
  }
  const first = live.find((o) => o.schema) ?? live[0];
  const profile = first.schema
    ? profileFor(first.version, first.schema, spec.qemu.accel, `the live schema of ${first.name} (QEMU ${formatVersion(first.version)})`)
    : recordedProfile(first.version, spec.qemu.accel);
  if (profile.unsupported) return { ok: false, code: 'NO_COLO', message: profile.unsupported };
  const chosen = withChild(spec, profile);
  const said = parseVersion(spec.qemu.version)!;
  if (versionLine(said) !== versionLine(first.version)) {
    chosen.warnings.push(
      `the spec says QEMU ${spec.qemu.version} but ${first.name} runs ${formatVersion(first.version)}: the live forms are used; correct qemu.version`,
    );
  }
  return { ok: true, profile: chosen };
}
