import type { Resource, ResourceKind, ResourceMap } from '../model/state.js';
import { KIND_FACTS } from '../model/resource-kinds.js';
import { tlsDrift } from './tls.js';
import type { Change, KindPolicy } from './types.js';

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Values compared only on the keys the desired state sets; filter order only among managed ids. */
function differs(want: Resource, have: Resource): boolean {
  if (want.kind === 'filter-order') {
    const order = want.value.order as string[];
    const seen = (have.value.order as string[]).filter((id) => order.includes(id));
    return !same(
      seen,
      order.filter((id) => seen.includes(id)),
    );
  }
  return Object.entries(want.value).some(([k, v]) => have.value[k] !== undefined && !same(have.value[k], v));
}

/** Why a missing or changed resource leaves the pair less fault tolerant than the spec says (each kind says it: model/resource-kinds.ts). */
function faultTolerance(want: Resource, have: Resource | undefined): string | undefined {
  return tlsDrift(want, have) ?? KIND_FACTS[want.kind].cost?.(want, have);
}

/** What must be there and what must be gone (plan/desired.ts makes it per transition). */
export interface DesiredState {
  /** what must be there */
  resources: ResourceMap;
  /** colo's own resources the transition takes out (deleted where they are still live) */
  removed: ResourceMap;
  /** false: only what the transition changes is named (a failover), so live extras are not reported */
  complete: boolean;
}

export interface DiffOptions {
  /** nodes that answered: nothing is decided about the others */
  reachable: Set<string>;
  /** how each kind may be changed live */
  policy: (kind: ResourceKind) => KindPolicy;
  /** the pair runs COLO: some pieces cannot be added now */
  replicating: boolean;
}

/**
 * Desired against observed, decided once: what to create, update or delete, what is blocked and
 * why, and what is live but not colo's (unmanaged: shown, never deleted). In desired order, so the
 * kinds can follow it; sort for display. Pure.
 */
export function diffState(desired: DesiredState, observed: ResourceMap, o: DiffOptions): Change[] {
  const managed = new Set<ResourceKind>(['object', 'chardev', 'nbd-export']);
  const changes: Change[] = [];
  const base = (r: Resource) => ({ node: r.node, address: r.address, kind: r.kind, id: r.id });
  for (const want of Object.values(desired.resources)) {
    if (!o.reachable.has(want.node)) continue;
    const have = observed[want.address];
    const policy = o.policy(want.kind);
    if (!have) {
      const blocked = policy.createBlocked?.(want, o.replicating);
      const ft = faultTolerance(want, undefined);
      changes.push({
        ...base(want),
        action: blocked ? 'blocked' : 'create',
        after: want.value,
        ...(blocked ? { faultTolerance: `${ft ?? `${want.id} is missing`}; ${blocked}` } : ft ? { faultTolerance: ft } : {}),
      });
    } else if (differs(want, have)) {
      // a filter with other properties or out of order is not replaced while COLO runs (deleting a
      // filter drops the traffic it carries): a relaunch fixes it
      const ft = faultTolerance(want, have);
      changes.push({
        ...base(want),
        action: policy.inPlace ? 'update' : 'blocked',
        before: have.value,
        after: want.value,
        ...(ft ? { faultTolerance: ft } : {}),
      });
    }
  }
  for (const gone of Object.values(desired.removed)) {
    const have = observed[gone.address];
    if (!o.reachable.has(gone.node) || !have) continue;
    changes.push({
      ...base(gone),
      action: 'delete',
      before: have.value,
      faultTolerance: 'removed by the failover: the pair runs without a replica until a resume',
    });
  }
  if (desired.complete) {
    for (const have of Object.values(observed)) {
      if (!o.reachable.has(have.node) || desired.resources[have.address] || desired.removed[have.address] || !managed.has(have.kind)) continue;
      changes.push({ ...base(have), action: 'unmanaged', before: have.value });
    }
  }
  return changes;
}

/** Display order: what weakens security first (lost TLS), then fault tolerance, then by address. */
export function displayOrder(changes: Change[]): Change[] {
  const rank = (c: Change) => (c.faultTolerance?.startsWith('security:') ? 2 : c.faultTolerance ? 1 : 0);
  return [...changes].sort((a, b) => rank(b) - rank(a) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}
