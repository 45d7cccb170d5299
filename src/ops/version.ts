// colo's version and the QEMU lines whose QMP schemas it has recorded (colo version).
import { RECORDED_SCHEMAS } from '../model/recorded-schemas.js';
import { parseVersion, versionLine } from '../model/profile.js';

/** package.json's version (test/unit/contract.test.ts holds them equal). */
export const COLO_VERSION = '0.1.0';

export interface VersionInfo {
  colo: string;
  /** each recorded schema: its QEMU line (major.minor), the release it was recorded from, the package */
  qemu: Array<{ line: string; recordedFrom: string; package: string }>;
}

export function versionInfo(): VersionInfo {
  return {
    colo: COLO_VERSION,
    qemu: Object.entries(RECORDED_SCHEMAS).map(([v, r]) => ({ line: versionLine(parseVersion(v)!), recordedFrom: v, package: r.package })),
  };
}
