import type { NicIds, NicPorts } from './types.js';

/** The chardev id of the yank monitor colo gives every QEMU it launches (model/yank-monitor.ts): no spec id may take it. */
export const YANK_MONITOR_ID = 'colo-yank';

/** The seed's ids for the first NIC; NIC n (n >= 1) gets each of them suffixed with `-n`. */
export const SEED_NIC_IDS: NicIds = {
  mirror: 'm0',
  redirectorIn: 'redire0',
  redirectorOut: 'redire1',
  compare: 'comp0',
  iothread: 'iothread1',
  mirrorChardev: 'mirror0',
  secondaryInChardev: 'compare1',
  primaryInChardev: 'compare0',
  primaryInClient: 'compare0-0',
  compareOutChardev: 'compare_out',
  compareOutClient: 'compare_out0',
  secondaryMirrorChardev: 'red0',
  secondaryOutChardev: 'red1',
  secondaryRedirectorIn: 'f1',
  secondaryRedirectorOut: 'f2',
  rewriter: 'rew0',
};

export function defaultNicIds(index: number): NicIds {
  if (index === 0) return { ...SEED_NIC_IDS };
  return Object.fromEntries(Object.entries(SEED_NIC_IDS).map(([k, v]) => [k, `${v}-${index}`])) as unknown as NicIds;
}

/** Per-NIC chardev ports: NIC n uses base+5n plus 0 (primary_in), 2 (mirror), 3 (secondary_in), 4 (outdev). */
export function defaultNicPorts(base: number, index: number): NicPorts {
  const b = base + 5 * index;
  return { primaryIn: b, mirror: b + 2, secondaryIn: b + 3, compareOut: b + 4 };
}

/**
 * Block node ids of disk n: the seed's parent0, childs0 and replication0 for n = 0, and nbd0 for
 * the primary's plain NBD child (QEMU 11's document).
 */
export function diskIds(index: number): { parent: string; childs: string; replication: string; nbd: string } {
  return { parent: `parent${index}`, childs: `childs${index}`, replication: `replication${index}`, nbd: `nbd${index}` };
}

/** Id of the drive-mirror job that copies disk n to a new secondary. */
export function resyncJobId(index: number): string {
  return index === 0 ? 'resync' : `resync${index}`;
}
