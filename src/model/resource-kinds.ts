// Every resource kind in one place: can QEMU change it live, when it cannot be created, what its
// absence or drift costs in fault tolerance (the plan's review wording), and what `colo diff` calls
// a spec change of it (its class and why). plan/ (through plan/kinds) and specdiff/ both read this
// table; the steps that create and remove each kind are plan/kinds/*.ts. Pure.
import type { Role } from '../spec/types.js';
import type { Resource, ResourceKind } from './state.js';

/**
 * How a spec change reaches a running pair, from the least to the most disruptive. Ordered: a diff's
 * class is its strongest change's.
 */
export type ChangeClass =
  /** QMP on the running pair: `colo apply` does it while COLO replicates (checkpoint delay, an extra filter) */
  | 'in-place'
  /** the secondary restarts with new argv and resyncs from the primary: fault tolerance is lost meanwhile */
  | 'relaunch-secondary'
  /** the primary's argv changes: a planned role swap first (relaunch the secondary, fail over to it, relaunch the old primary) */
  | 'switchover'
  /** guest-visible (memory, vCPUs, disk count or size, NIC model or MAC, machine type): only a guest restart applies it */
  | 'impossible';

export const CLASSES: ChangeClass[] = ['in-place', 'relaunch-secondary', 'switchover', 'impossible'];

/** The part of a node's state a resource kind is in (colo diff's areas). */
export type KindArea = 'object' | 'chardev' | 'filter-chain' | 'migration' | 'block' | 'nbd' | 'colo';

export interface KindFacts {
  area: KindArea;
  /** a differing value can be changed in place (else: blocked, a relaunch fixes it) */
  inPlace: boolean;
  /** why a missing resource cannot be created now (undefined: it can); `replicating`: the pair runs COLO */
  createBlocked?(want: Resource, replicating: boolean): string | undefined;
  /** what the resource missing (have undefined) or drifting costs in fault tolerance, in the plan's words */
  cost?(want: Resource, have: Resource | undefined): string | undefined;
  /** what a spec change of it is for a running pair (colo diff), on a node that has `role` in the new spec */
  diffClass(action: 'create' | 'delete' | 'update', role: Role): { class: ChangeClass; why: string };
  /** what a spec change takes away from fault tolerance (colo diff), before → after */
  weakens?(before: Resource | undefined, after: Resource | undefined): string | undefined;
}

const WHILE_REPLICATING = (_want: Resource, replicating: boolean): string | undefined =>
  replicating ? 'it cannot be re-attached while COLO runs: fail over (colo failover) and resume' : undefined;

const QMP_SET = { class: 'in-place', why: 'set over QMP on the running primary (colo apply, steady)' } as const;
const RELAUNCH_SECONDARY = { class: 'relaunch-secondary', why: 'the secondary is relaunched with the new argv and resyncs from the primary' } as const;
const RECREATED_BY_RESUME = {
  class: 'relaunch-secondary',
  why: 'removed from the primary by the failover that drops the secondary, and added back from the new spec when the relaunched secondary resumes',
} as const;

/**
 * A change of a kind colo does not change in place: on the secondary a relaunch of it; on the
 * primary, what a primary failover removes and a resume adds back (objects, the replication child).
 */
const byRelaunch = (_action: string, role: Role) => (role === 'secondary' ? RELAUNCH_SECONDARY : RECREATED_BY_RESUME);

const checkpointDelay = (before: Resource | undefined, after: Resource | undefined): string | undefined =>
  before && after && Number(after.value.value) > Number(before.value.value)
    ? `checkpoint interval raised from ${before.value.value} to ${after.value.value} ms: more work lost to a failover`
    : undefined;

export const KIND_FACTS: Record<ResourceKind, KindFacts> = {
  chardev: {
    area: 'chardev',
    inPlace: false,
    diffClass(action, role) {
      if (action === 'create') return { class: 'in-place', why: 'added over QMP (chardev-add) while COLO runs' };
      if (role === 'secondary') return RELAUNCH_SECONDARY;
      return {
        class: 'switchover',
        why: "the primary's chardevs are on its command line and survive a failover: the primary must be relaunched, after a planned role swap",
      };
    },
  },
  object: {
    area: 'object',
    inPlace: false,
    cost(want, have) {
      const t = String(want.value['qom-type']);
      if (!have && t.startsWith('filter-')) return `${t} ${want.id} is missing: guest traffic is not mirrored/compared on this path`;
      if (!have && t === 'colo-compare') return `colo-compare ${want.id} is missing: the primary's output is not compared`;
      return undefined;
    },
    diffClass(action, role) {
      if (action === 'create') return { class: 'in-place', why: 'added over QMP (object-add, at its place in the filter chain) while COLO runs' };
      if (role === 'secondary') return RELAUNCH_SECONDARY;
      // the failover removes the objects the spec names: one the new spec no longer names would stay
      if (action === 'delete')
        return {
          class: 'switchover',
          why: 'a failover removes only the objects the spec names, and QMP cannot drop a filter while COLO runs without losing its traffic: the primary must be relaunched, after a planned role swap',
        };
      return RECREATED_BY_RESUME;
    },
    weakens(before, after) {
      if (!before || after) return undefined;
      const t = String(before.value['qom-type']);
      if (t.startsWith('filter-')) return `${t} ${before.id} removed`;
      if (t === 'colo-compare') return `colo-compare ${before.id} removed: the primary's output is no longer compared`;
      return undefined;
    },
  },
  'filter-order': { area: 'filter-chain', inPlace: false, diffClass: byRelaunch },
  'block-child': {
    area: 'block',
    inPlace: false,
    createBlocked: (want, replicating) =>
      want.id.endsWith('/children.0')
        ? "the node's own disk layout comes from its command line: relaunch it (colo launch)"
        : WHILE_REPLICATING(want, replicating),
    cost: (want, have) => (have ? undefined : `replication child ${want.id} is not attached: disk writes are not replicated`),
    diffClass: byRelaunch,
  },
  'block-node': { area: 'block', inPlace: false, createBlocked: WHILE_REPLICATING, diffClass: byRelaunch },
  'nbd-server': {
    area: 'nbd',
    inPlace: false,
    createBlocked: WHILE_REPLICATING,
    cost: (_want, have) => (have ? undefined : 'the secondary does not receive disk writes'),
    diffClass: byRelaunch,
  },
  'nbd-export': {
    area: 'nbd',
    inPlace: false,
    createBlocked: WHILE_REPLICATING,
    cost: (_want, have) => (have ? undefined : 'the secondary does not receive disk writes'),
    diffClass: byRelaunch,
  },
  capability: {
    area: 'migration',
    inPlace: true,
    cost: (want, have) => (!have || have.value.state !== want.value.state ? `the ${want.id} capability is off` : undefined),
    diffClass: () => QMP_SET,
  },
  parameter: {
    area: 'migration',
    inPlace: true,
    cost(want, have) {
      if (want.id !== 'x-checkpoint-delay' || !have) return undefined;
      if (Number(have.value.value) < Number(want.value.value)) return checkpointDelay(have, want);
      if (Number(have.value.value) > Number(want.value.value))
        return `checkpoints every ${have.value.value} ms, the spec says ${want.value.value}: more work is lost to a failover until this is repaired`;
      return undefined;
    },
    diffClass: () => QMP_SET,
    weakens: (before, after) => (after?.id === 'x-checkpoint-delay' ? checkpointDelay(before, after) : undefined),
  },
  colo: {
    area: 'colo',
    inPlace: true,
    cost(want, have) {
      if (want.value.mode === 'none') return have?.value.mode !== 'none' ? `${want.node} leaves COLO and runs without a replica` : undefined;
      return have?.value.mode !== want.value.mode ? `COLO is not running here (mode ${have?.value.mode ?? 'unknown'})` : undefined;
    },
    diffClass: byRelaunch,
  },
};
