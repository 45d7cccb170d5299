// The real QEMUs tests run on: this machine's (Debian 12: 7.2), and Debian 13's 10.0 and
// trixie-backports' 11.1 in chroots that scripts/qemu-chroot.sh makes (.ci/run makes both).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hasKvm } from './qemu.js';

export interface QemuTarget {
  /** major.minor, as the spec's qemu.version */
  line: '7.2' | '10.0' | '11.1';
  binary: string;
  accel: 'kvm' | 'tcg';
  /** checkpoints can run: under KVM, or on 11.1 (its COLO checkpoints under TCG) */
  checkpoints: boolean;
  /** why the target is missing here ('' when present) */
  missing: string;
}

function chroot(line: '10.0' | '11.1'): { binary: string; missing: string } {
  const dir = `${process.env.COLO_QEMU_CHROOT_BASE ?? '/var/tmp'}/colo-qemu${line.replace('.', '')}`;
  const binary = `${dir}/qemu-system-x86_64`;
  if (!existsSync(binary) || !existsSync(`${dir}/ready`)) return { binary, missing: `no QEMU ${line} chroot (sh scripts/qemu-chroot.sh ${line})` };
  if (process.getuid?.() !== 0) return { binary, missing: 'the chroot needs root' };
  const r = spawnSync('mountpoint', ['-q', `${dir}/root/tmp`]);
  return { binary, missing: r.status === 0 ? '' : `the QEMU ${line} chroot's /tmp is not mounted (sh scripts/qemu-chroot.sh ${line})` };
}

export function qemuTargets(): QemuTarget[] {
  const kvm = hasKvm() && process.env.COLO_TEST_ACCEL !== 'tcg';
  const accel = kvm ? 'kvm' : 'tcg';
  const host = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  const q10 = chroot('10.0');
  const q11 = chroot('11.1');
  return [
    { line: '7.2', binary: 'qemu-system-x86_64', accel, checkpoints: kvm, missing: host.status === 0 ? '' : 'no qemu-system-x86_64 on PATH' },
    { line: '10.0', binary: q10.binary, accel, checkpoints: kvm, missing: q10.missing },
    { line: '11.1', binary: q11.binary, accel, checkpoints: true, missing: q11.missing },
  ];
}
