// The project's test guest (guest/build.sh: kernel + busybox initramfs from Debian packages, cached
// per machine by its inputs) and a spec that runs it as a COLO pair on tap NICs inside a test network
// namespace — under KVM where KVM boots it quickly (decided by booting it, not by /dev/kvm existing),
// else under QEMU 11.1 with TCG (the line whose COLO checkpoints run under TCG).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasKvm } from './qemu.js';
import { qemuTargets } from './qemus.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The guest's readiness line on its serial console (guest/init). */
export const READY_LINE = 'guest-init: httpd on :80, stream on :8080 ready';

export interface GuestFiles {
  kernel: string;
  initrd: string;
}

/**
 * Builds the guest when no build of the same inputs exists on this machine (4-7 minutes), else
 * reuses it at once; returns its files (guest/build.sh prints them last).
 */
export function ensureGuest(opts: { quiet?: boolean } = {}): GuestFiles {
  const out = execFileSync('sh', [join(ROOT, 'guest', 'build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', opts.quiet ? 'pipe' : 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const kernel = /^kernel: (.+)$/m.exec(out)?.[1];
  const initrd = /^initrd: (.+)$/m.exec(out)?.[1];
  if (!kernel || !initrd || !existsSync(kernel) || !existsSync(initrd)) throw new Error(`guest/build.sh printed no guest:\n${out.slice(-2000)}`);
  return { kernel, initrd };
}

/** A copy of the guest's files in `dir` (under /tmp: the QEMU chroots see only /tmp, /proc, /dev, /sys). */
export function stageGuest(files: GuestFiles, dir: string): GuestFiles {
  mkdirSync(dir, { recursive: true });
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd.gz');
  copyFileSync(files.kernel, kernel);
  copyFileSync(files.initrd, initrd);
  return { kernel, initrd };
}

/** How the guest runs here: the QEMU line, its binary, the accelerator and the guest's CPU and command line. */
export interface GuestTarget {
  line: '7.2' | '11.1';
  binary: string;
  accel: 'kvm' | 'tcg';
  cpu: string;
  append: string;
  /** why this target (the boot probe's outcome) */
  why: string;
}

/** KVM here may be kvm-pvm: the guest needs these CPU flags and this command line there (guest/README.md). */
const KVM_CPU = 'qemu64,-cx16,-popcnt';
const KVM_APPEND = 'console=ttyS0 noxsave clearcpuid=151,288,295,308,514,515,528,534,590';

/**
 * Boots the guest standalone (no disk, no NIC) and waits at most `limitMs` for its readiness line on
 * the serial console. The QEMU is killed by PID either way; its directory removed.
 */
export async function bootProbe(o: {
  binary: string;
  accel: 'kvm' | 'tcg';
  cpu: string;
  append: string;
  files: GuestFiles;
  limitMs: number;
}): Promise<{ ready: boolean; ms: number; tail: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'colo-guest-probe-'));
  const console = join(dir, 'console.log');
  const t0 = Date.now();
  const binary = o.binary.split(' ');
  const proc = spawn(
    binary[0],
    [
      ...binary.slice(1),
      ...['-accel', o.accel, '-cpu', o.cpu, '-m', '128', '-smp', '1', '-display', 'none', '-nodefaults', '-no-reboot'],
      ...['-kernel', o.files.kernel, '-initrd', o.files.initrd, '-append', o.append, '-serial', `file:${console}`],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  let exited = false;
  proc.on('exit', () => (exited = true));
  proc.on('error', (e) => {
    exited = true;
    err += String(e);
  });
  const read = () => (existsSync(console) ? readFileSync(console, 'utf8') : '');
  try {
    while (Date.now() - t0 < o.limitMs && !exited) {
      if (read().includes(READY_LINE)) return { ready: true, ms: Date.now() - t0, tail: '' };
      await new Promise((r) => setTimeout(r, 250));
    }
    return { ready: read().includes(READY_LINE), ms: Date.now() - t0, tail: (read().split('\n').slice(-3).join(' | ') + ' ' + err).trim().slice(-400) };
  } finally {
    if (proc.pid !== undefined && !exited) {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await new Promise((r) => (exited ? r(undefined) : proc.once('exit', r)));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * KVM where it boots the guest within `kvmLimitMs` (a boot probe: on kvm-pvm hosts /dev/kvm exists
 * yet the guest can take minutes), else QEMU 11.1 under TCG, else `missing` says why neither can
 * run here. COLO_GUEST_ACCEL=tcg skips the probe; COLO_GUEST_ACCEL=kvm takes KVM unprobed.
 */
export async function chooseGuestTarget(
  files: GuestFiles,
  kvmLimitMs = Number(process.env.COLO_GUEST_KVM_PROBE_MS ?? 45_000),
): Promise<GuestTarget | { missing: string }> {
  const forced = process.env.COLO_GUEST_ACCEL;
  const host = spawnSync('qemu-system-x86_64', ['--version']).status === 0;
  let kvmWhy = !hasKvm() ? 'no usable /dev/kvm' : !host ? 'no qemu-system-x86_64 for KVM' : '';
  if (!kvmWhy && forced === 'kvm')
    return { line: '7.2', binary: 'qemu-system-x86_64', accel: 'kvm', cpu: KVM_CPU, append: KVM_APPEND, why: 'COLO_GUEST_ACCEL=kvm' };
  if (!kvmWhy && forced !== 'tcg') {
    const probe = await bootProbe({ binary: 'qemu-system-x86_64', accel: 'kvm', cpu: KVM_CPU, append: KVM_APPEND, files, limitMs: kvmLimitMs });
    if (probe.ready)
      return { line: '7.2', binary: 'qemu-system-x86_64', accel: 'kvm', cpu: KVM_CPU, append: KVM_APPEND, why: `KVM booted the guest in ${probe.ms} ms` };
    kvmWhy = `KVM did not boot the guest within ${kvmLimitMs} ms (${probe.tail || 'no console output'})`;
  } else if (forced === 'tcg') kvmWhy = 'COLO_GUEST_ACCEL=tcg';
  const q11 = qemuTargets().find((t) => t.line === '11.1')!;
  if (q11.missing) return { missing: `${kvmWhy}; and ${q11.missing}` };
  return { line: '11.1', binary: q11.binary, accel: 'tcg', cpu: 'qemu64', append: 'console=ttyS0', why: `${kvmWhy}: QEMU 11.1 under TCG` };
}

/** Whether a run that cannot run the guest must fail rather than skip (CI, or COLO_REQUIRE_GUEST=1). */
export function guestRequired(): boolean {
  return Boolean(process.env.CI) || process.env.COLO_REQUIRE_GUEST === '1';
}

export function guestPairYaml(o: {
  name: string;
  dir: string;
  ns: string;
  portBase: number;
  kernel: string;
  initrd: string;
  target: GuestTarget;
  checkpointDelayMs?: number;
}): string {
  const t = o.target;
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: ${o.name}}
spec:
  qemu:
    version: "${t.line}"
    binary: ${t.binary}
    accel: ${t.accel}
    memory: 128M
    smp: 1
    cpu: ${t.cpu}
    kernel: ${o.kernel}
    initrd: ${o.initrd}
    append: ${t.append}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:${o.dir}/a.qmp, workdir: ${o.dir}/a, netns: ${o.ns}, netdevs: {hn0: {ifname: tap-a}}}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:${o.dir}/b.qmp, workdir: ${o.dir}/b, netns: ${o.ns}, netdevs: {hn0: {ifname: tap-b}}}
  disks:
    # virtio-blk: the guest's record writer (guest/init) writes to it, as /dev/vda
    - {id: colo-disk0, size: 64M, interface: virtio}
  netdevs:
    - {id: hn0, type: tap, script: "no", downscript: "no", vhost: false, vnetHdr: false, model: virtio-net-pci, mac: "52:54:00:12:34:56", romfile: ""}
  ports: {migration: ${o.portBase}, nbd: ${o.portBase + 1}, base: ${o.portBase + 10}}
  colo:
    checkpointDelayMs: ${o.checkpointDelayMs ?? 2000}
    # colo-compare sends a guest's answer only once the secondary's matches it, or at a checkpoint:
    # an answer the secondary has not matched within 500 ms asks for a checkpoint (looked for every
    # 100 ms) rather than waiting for the periodic one (QEMU's defaults: 3000 ms, scanned every 3 s)
    compare: {timeoutMs: 500, expiredScanCycleMs: 100}
  hooks:
    afterFailover:
      - name: switch-tap
        run: "ip netns exec ${o.ns} sh -c 'ip link set tap-$COLO_FAILED nomaster; ip link set tap-$COLO_SURVIVOR master br0'"
        timeoutMs: 5000
`;
}

export interface ClientRun {
  proc: ChildProcess;
  lines: any[];
  done: Promise<any>;
}

/** Starts scripts/guest-client.mjs inside the namespace; resolves to its summary. */
export function startClient(ns: string, args: string[]): ClientRun {
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, join(ROOT, 'scripts', 'guest-client.mjs'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: any[] = [];
  let buf = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  const done = new Promise((resolve) => proc.on('close', () => resolve(lines.find((l) => l.summary)?.summary ?? lines.at(-1))));
  return { proc, lines, done };
}

/**
 * The request rate the guest can carry: 2/s where it answers within 300 ms, 1/s within 800 ms, else
 * one every 2 s (on slow nested KVM the guest needs 0.5–1 s per request even without COLO, and a
 * faster client would only queue requests into its own timeouts).
 */
export async function chooseRate(ns: string): Promise<{ rate: number; probe: any }> {
  const probe = await startClient(ns, ['--duration', '6', '--rate', '1', '--timeout', '2000']).done;
  const ms = probe.failed === 0 ? probe.latencyMedianMs : Infinity;
  return { rate: ms < 300 ? 2 : ms < 800 ? 1 : 0.5, probe };
}
