// The project's test guest (guest/build.sh: kernel + busybox initramfs from Debian packages) and a
// spec that runs it as a COLO pair on tap NICs inside a test network namespace.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function guestDir(): string {
  return process.env.COLO_GUEST_DIR ?? join(ROOT, 'guest', 'out');
}

/** Builds the guest when missing (about 4 minutes), reuses it otherwise. */
export function ensureGuest(): { kernel: string; initrd: string } {
  const dir = guestDir();
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd.gz');
  if (!existsSync(kernel) || !existsSync(initrd))
    execFileSync('sh', [join(ROOT, 'guest', 'build.sh')], { stdio: 'inherit', env: { ...process.env, COLO_GUEST_DIR: dir } });
  return { kernel, initrd };
}

export function guestPairYaml(o: {
  name: string;
  dir: string;
  ns: string;
  portBase: number;
  kernel: string;
  initrd: string;
  checkpointDelayMs?: number;
}): string {
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: ${o.name}}
spec:
  qemu:
    version: "7.2"
    accel: kvm
    memory: 128M
    smp: 1
    cpu: qemu64,-cx16,-popcnt
    kernel: ${o.kernel}
    initrd: ${o.initrd}
    append: console=ttyS0 noxsave clearcpuid=151,288,295,308,514,515,528,534,590
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:${o.dir}/a.qmp, workdir: ${o.dir}/a, netns: ${o.ns}, netdevs: {hn0: {ifname: tap-a}}}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:${o.dir}/b.qmp, workdir: ${o.dir}/b, netns: ${o.ns}, netdevs: {hn0: {ifname: tap-b}}}
  disks:
    - {id: colo-disk0, size: 64M}
  netdevs:
    - {id: hn0, type: tap, script: "no", downscript: "no", vhost: false, vnetHdr: false, model: virtio-net-pci, mac: "52:54:00:12:34:56", romfile: ""}
  ports: {migration: ${o.portBase}, nbd: ${o.portBase + 1}, base: ${o.portBase + 10}}
  colo:
    checkpointDelayMs: ${o.checkpointDelayMs ?? 6000}
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
