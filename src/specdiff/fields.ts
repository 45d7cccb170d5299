import { parseSize } from '../spec/sizes.js';
import type { NodeSpec, Spec } from '../spec/types.js';
import type { SpecChange } from './types.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface Field {
  path: string;
  before: unknown;
  after: unknown;
}

function field(path: string, a: unknown, b: unknown, out: Field[]): void {
  if (!same(a, b)) out.push({ path, before: a, after: b });
}

/**
 * What the guest sees: a migration between different values fails or the guest would be lied to,
 * so only a guest restart applies them. Disks and NICs by position (their order is the guest's).
 */
export function guestFields(a: Spec, b: Spec): Field[] {
  const out: Field[] = [];
  const memA = parseSize(a.qemu.memory);
  const memB = parseSize(b.qemu.memory);
  if (memA !== memB) out.push({ path: 'spec.qemu.memory', before: a.qemu.memory, after: b.qemu.memory });
  field('spec.qemu.smp', a.qemu.smp, b.qemu.smp, out);
  field('spec.qemu.cpu', a.qemu.cpu, b.qemu.cpu, out);
  field('spec.qemu.machine', a.qemu.machine, b.qemu.machine, out);
  for (const k of ['kernel', 'initrd', 'append'] as const) field(`spec.qemu.${k}`, a.qemu[k], b.qemu[k], out);
  field('spec.disks (count)', a.disks.length, b.disks.length, out);
  for (let i = 0; i < Math.min(a.disks.length, b.disks.length); i++) {
    if (a.disks[i].sizeBytes !== b.disks[i].sizeBytes) out.push({ path: `spec.disks[${i}].size`, before: a.disks[i].size, after: b.disks[i].size });
    field(`spec.disks[${i}].interface`, a.disks[i].interface, b.disks[i].interface, out);
  }
  field('spec.netdevs (count)', a.netdevs.length, b.netdevs.length, out);
  for (let i = 0; i < Math.min(a.netdevs.length, b.netdevs.length); i++) {
    // romfile: the option ROM is guest memory, a migration between two sizes of it fails
    for (const k of ['model', 'mac', 'romfile'] as const) field(`spec.netdevs[${i}].${k}`, a.netdevs[i][k], b.netdevs[i][k], out);
  }
  return out;
}

const GUEST_WHY: Record<string, string> = {
  memory: "the guest's RAM size",
  smp: "the guest's vCPU count",
  cpu: 'the CPU model the guest sees',
  machine: "the machine type (the guest's hardware)",
  kernel: 'the kernel the guest boots',
  initrd: 'the initrd the guest boots',
  append: 'the kernel command line the guest boots with',
  '(count)': 'a device the guest sees appears or goes away',
  size: 'the disk size the guest sees',
  interface: 'the disk controller the guest sees',
  model: 'the NIC model the guest sees',
  mac: 'the MAC address the guest sees',
  romfile: "the NIC's option ROM (guest memory: a migration between two ROM sizes fails)",
};

export function guestChanges(a: Spec, b: Spec): SpecChange[] {
  return guestFields(a, b).map((f) => {
    const key = Object.keys(GUEST_WHY).find((k) => f.path.endsWith(k)) ?? '';
    return {
      node: '*',
      area: 'guest',
      address: f.path,
      action: 'update',
      class: 'impossible',
      before: f.before,
      after: f.after,
      why: `${GUEST_WHY[key] ?? 'guest-visible'}: COLO cannot change it under a running guest; stop the pair, restart the guest with the new spec, set COLO up again`,
    };
  });
}

/** Fields that reach QEMU only through its command line (no QOM resource shows them), for both nodes. */
export function pairArgvFields(a: Spec, b: Spec): Field[] {
  const out: Field[] = [];
  field('metadata.name', a.name, b.name, out);
  for (const k of ['binary', 'accel', 'version', 'extraArgs'] as const) field(`spec.qemu.${k}`, a.qemu[k], b.qemu[k], out);
  for (let i = 0; i < Math.min(a.disks.length, b.disks.length); i++) {
    field(`spec.disks[${i}].format`, a.disks[i].format, b.disks[i].format, out);
    field(`spec.disks[${i}].id`, a.disks[i].id, b.disks[i].id, out);
  }
  for (let i = 0; i < Math.min(a.netdevs.length, b.netdevs.length); i++) {
    for (const k of ['id', 'type', 'ifname', 'script', 'downscript', 'bridge', 'helper', 'vnetHdr'] as const) {
      field(`spec.netdevs[${i}].${k}`, a.netdevs[i][k], b.netdevs[i][k], out);
    }
  }
  return out;
}

/** Command-line fields of one node (its own monitor, work directory, namespace, per-node netdev names). */
export function nodeArgvFields(a: NodeSpec, b: NodeSpec, index: number): Field[] {
  const out: Field[] = [];
  for (const k of ['qmp', 'workdir', 'netns', 'netdevs'] as const) field(`spec.nodes[${index}].${k}`, a[k], b[k], out);
  return out;
}

export function hookChanges(a: Spec, b: Spec): SpecChange[] {
  const out: SpecChange[] = [];
  if (a.colo.resumeDowntimeLimitMs !== b.colo.resumeDowntimeLimitMs)
    out.push({
      node: '*',
      area: 'migration',
      address: 'spec.colo.resumeDowntimeLimitMs',
      action: 'update',
      class: 'in-place',
      before: a.colo.resumeDowntimeLimitMs,
      after: b.colo.resumeDowntimeLimitMs,
      why: "set by colo itself on the primary at the next resume (its migration's downtime-limit); nothing is sent to QEMU now",
    });
  for (const k of ['afterFailover', 'beforeResume'] as const) {
    if (same(a.hooks[k], b.hooks[k])) continue;
    out.push({
      node: '*',
      area: 'hooks',
      address: `spec.hooks.${k}`,
      action: 'update',
      class: 'in-place',
      before: a.hooks[k],
      after: b.hooks[k],
      why: 'run by colo itself at the next failover or resume; nothing is sent to QEMU',
    });
  }
  return out;
}
