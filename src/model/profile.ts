/**
 * What differs between QEMU versions for COLO. 7.2 is the default and the one tested live;
 * 8.1+ and 9.2+ follow QEMU's documentation.
 */
export interface QemuVersion {
  major: number;
  minor: number;
  micro: number;
}

export interface Profile {
  version: QemuVersion;
  /** the profile family: '7.2' | '8.1+' | '9.2+' (versions older than 7.2 use '7.2' with a warning) */
  family: '7.2' | '8.1+' | '9.2+';
  /** from 8.1 the secondary must set the x-colo capability too */
  secondaryXColo: boolean;
  /** from 9.2 `reconnect` is deprecated for `reconnect-ms` */
  reconnectMs: boolean;
  /**
   * nbd-server-add: deprecated since 5.2 but the form that takes a drive id; block-export-add wants a
   * node name, and `-drive id=` gives only the device name (7.2 answers "Cannot find device='' nor
   * node-name='parent0'").
   */
  nbdExport: 'nbd-server-add';
  warnings: string[];
}

export function parseVersion(text: string): QemuVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3] ?? 0) } : undefined;
}

export function formatVersion(v: QemuVersion): string {
  return `${v.major}.${v.minor}.${v.micro}`;
}

function atLeast(v: QemuVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

export function profileFor(version: QemuVersion, accel: 'kvm' | 'tcg'): Profile {
  const warnings: string[] = [];
  const family = atLeast(version, 9, 2) ? '9.2+' : atLeast(version, 8, 1) ? '8.1+' : '7.2';
  if (!atLeast(version, 7, 2)) {
    warnings.push(`QEMU ${formatVersion(version)} is older than 7.2, the oldest version colo knows; the 7.2 forms are used untested`);
  }
  if (version.major === 10 && version.minor <= 1) {
    warnings.push(`QEMU ${version.major}.${version.minor} has broken COLO ("Can't receive COLO message"); use 9.2 or 10.2+`);
  }
  if (accel === 'tcg') {
    warnings.push(
      `COLO under TCG deadlocks QEMU at the first checkpoint (seen on 7.2 and 10.0: the COLO thread waits for the BQL it holds): ` +
        'setup, failover and resume work, but keep x-checkpoint-delay larger than the time the pair runs, romfile="" on NICs, and no parameter change while replicating; use KVM for real fault tolerance',
    );
  }
  return {
    version,
    family,
    secondaryXColo: family !== '7.2',
    reconnectMs: family === '9.2+',
    nbdExport: 'nbd-server-add',
    warnings,
  };
}
