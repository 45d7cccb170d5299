import { RECORDED_SCHEMAS } from './recorded-schemas.js';
import type { SchemaSummary } from './schema-summary.js';

/**
 * What colo does differently per QEMU, decided from what that QEMU offers (its QMP schema,
 * summarised) and, where no schema element shows a behaviour, from what was measured on the
 * versions named below.
 */
export interface QemuVersion {
  major: number;
  minor: number;
  micro: number;
}

export interface Profile {
  version: QemuVersion;
  /** where the features come from: a live node's schema, or one recorded from a real QEMU */
  schemaFrom: string;
  /** capabilities the primary sets in one migrate-set-capabilities */
  primaryCapabilities: string[];
  /** capabilities the secondary sets before migrate (none on 7.2) */
  secondaryCapabilities: string[];
  /** the reconnect option of a client socket chardev */
  reconnect: 'reconnect' | 'reconnect-ms';
  /**
   * nbd-server-add while QEMU has it: block-export-add wants a node name, and `-drive id=` gives
   * only the device name (7.2 answers "Cannot find device='' nor node-name='parent0'").
   */
  nbdExport: 'nbd-server-add' | 'block-export-add';
  /**
   * The primary's disk child: the plain NBD node of QEMU 11's document where QEMU offers
   * blockdev-add/blockdev-del of the nbd driver (measured on 7.2.22 and 11.1.3: it replicates and
   * fails over like the replication driver, and takes writes before COLO starts, which the
   * replication driver refuses while the quorum hides it), else the replication driver (drive_add).
   */
  primaryChild: 'nbd' | 'replication';
  /** QEMU has `yank`: a failover can cut a dead peer's migration, chardev and NBD connections */
  yank: boolean;
  /**
   * A COLO checkpoint deadlocks this QEMU (measured: 7.2.22 and 10.0.13 under TCG; 11.1.3 checkpoints
   * under TCG): nothing may force one (no first checkpoint after a setup or resume). Decided here once,
   * read by the planner; the warning's words are for people.
   */
  checkpointDeadlocks: boolean;
  /**
   * COLO starts from a migration paused before its switchover (pause-before-switchover, then
   * migrate-continue), so a resume can add colo-compare and the filters while the guest is stopped
   * at the end of the RAM copy. Measured: 10.0.13 and 11.1.3 enter COLO from there; 7.2.22 completes
   * the migration instead (no COLO).
   */
  pauseAtSwitchover: boolean;
  /** why COLO cannot run on this QEMU at all (a build without replication) */
  unsupported?: string;
  warnings: string[];
}

export function parseVersion(text: string): QemuVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3] ?? 0) } : undefined;
}

export function formatVersion(v: QemuVersion): string {
  return `${v.major}.${v.minor}.${v.micro}`;
}

/** major.minor: COLO's stream format and machine types change between them */
export function versionLine(v: QemuVersion): string {
  return `${v.major}.${v.minor}`;
}

function cmp(v: QemuVersion, major: number, minor: number, micro = 0): number {
  return v.major - major || v.minor - minor || v.micro - micro;
}

/** QEMU versions whose COLO is broken upstream ("Can't receive COLO message"; fixed by 0b5bf4ea76). */
function brokenColo(v: QemuVersion): string | undefined {
  if (v.major === 10 && v.minor === 0 && v.micro < 7) return '10.0.7';
  if (v.major === 10 && v.minor === 1 && v.micro < 3) return '10.1.3';
  return undefined;
}

/** The decisions for one QEMU from its schema summary. Pure. */
export function profileFor(version: QemuVersion, schema: SchemaSummary, accel: 'kvm' | 'tcg', schemaFrom: string): Profile {
  const warnings: string[] = [];
  const missing = ['query-colo-status', 'x-colo-lost-heartbeat', 'x-blockdev-change'].filter((c) => !schema.commands.includes(c));
  if (!schema.capabilities.includes('x-colo')) missing.push('the x-colo capability');
  const unsupported = missing.length
    ? `QEMU ${formatVersion(version)} offers no COLO (missing ${missing.join(', ')}): it was built without replication`
    : undefined;
  if (cmp(version, 7, 2) < 0) warnings.push(`QEMU ${formatVersion(version)} is older than 7.2, the oldest version colo was measured on`);
  const fixedIn = brokenColo(version);
  if (fixedIn) warnings.push(`QEMU ${formatVersion(version)} has broken COLO upstream ("Can't receive COLO message"): the fix is in ${fixedIn}`);
  // measured: 7.2.22 and 10.0.13 deadlock at the first checkpoint under TCG, 11.1.3 checkpoints
  const checkpointDeadlocks = accel === 'tcg' && cmp(version, 11, 1) < 0;
  if (checkpointDeadlocks) {
    warnings.push(
      `COLO under TCG deadlocks QEMU ${versionLine(version)} at the first checkpoint (measured on 7.2 and 10.0; 11.1 checkpoints under TCG): ` +
        'setup, failover and resume work, but keep x-checkpoint-delay larger than the time the pair runs, romfile="" on NICs, and no parameter change while replicating',
    );
  }
  // no schema element shows these two; measured: 11.1.3 refuses x-colo without return-path, 10.0.13 takes it alone;
  // from 8.1 the secondary must set x-colo (QEMU's documentation; 7.2 does not need it)
  const withReturnPath = cmp(version, 11, 0) >= 0 && schema.capabilities.includes('return-path');
  const colo = withReturnPath ? ['x-colo', 'return-path'] : ['x-colo'];
  return {
    version,
    schemaFrom,
    primaryCapabilities: colo,
    secondaryCapabilities: cmp(version, 8, 1) >= 0 ? colo : [],
    reconnect: schema.chardevSocket.includes('reconnect-ms') ? 'reconnect-ms' : 'reconnect',
    nbdExport: schema.commands.includes('nbd-server-add') ? 'nbd-server-add' : 'block-export-add',
    primaryChild: ['blockdev-add', 'blockdev-del'].every((c) => schema.commands.includes(c)) && schema.blockDrivers.includes('nbd') ? 'nbd' : 'replication',
    yank: schema.commands.includes('yank'),
    checkpointDeadlocks,
    pauseAtSwitchover: cmp(version, 10, 0) >= 0 && schema.capabilities.includes('x-colo'),
    ...(unsupported ? { unsupported } : {}),
    warnings,
  };
}

/** The recorded schema for a version: the same major.minor (newest micro), else the newest older one. */
export function recordedSchemaFor(version: QemuVersion): { version: QemuVersion; package: string; summary: SchemaSummary; exact: boolean } {
  const all = Object.entries(RECORDED_SCHEMAS)
    .map(([v, r]) => ({ version: parseVersion(v)!, ...r }))
    .sort((x, y) => cmp(y.version, x.version.major, x.version.minor, x.version.micro));
  const same = all.find((r) => r.version.major === version.major && r.version.minor === version.minor);
  const pick = same ?? all.find((r) => cmp(r.version, version.major, version.minor) <= 0) ?? all[all.length - 1];
  return { ...pick, exact: same !== undefined };
}

/** Offline: the profile of the spec's version, from the schema recorded from that QEMU. */
export function recordedProfile(version: QemuVersion, accel: 'kvm' | 'tcg'): Profile {
  const r = recordedSchemaFor(version);
  // the version's own micro where the spec gives one; else the recorded build's
  const v = version.micro || !r.exact ? version : r.version;
  const profile = profileFor(v, r.summary, accel, `recorded from QEMU ${formatVersion(r.version)}`);
  if (!r.exact)
    profile.warnings.push(
      `no schema of QEMU ${versionLine(version)} is recorded: the forms of ${formatVersion(r.version)} are used; run colo plan against the live pair to use its own`,
    );
  return profile;
}
