import type { Resource, ResourceMap } from '../model/state.js';
import type { Change } from '../plan/types.js';

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Values compared only on the keys the desired state sets; filter order only among managed ids. */
function differs(want: Resource, have: Resource): boolean {
  if (want.kind === 'filter-order') {
    const order = want.value.order as string[];
    const seen = (have.value.order as string[]).filter((id) => order.includes(id));
    return !same(seen, order.filter((id) => seen.includes(id)));
  }
  return Object.entries(want.value).some(([k, v]) => have.value[k] !== undefined && !same(have.value[k], v));
}

/** Why a missing or changed resource leaves the pair less fault tolerant than the spec says. */
function faultTolerance(want: Resource, have: Resource | undefined): string | undefined {
  const missing = have === undefined;
  switch (want.kind) {
    case 'object': {
      const t = String(want.value['qom-type']);
      if (missing && t.startsWith('filter-')) return `${t} ${want.id} is missing: guest traffic is not mirrored/compared on this path`;
      if (missing && t === 'colo-compare') return `colo-compare ${want.id} is missing: the primary's output is not compared`;
      return undefined;
    }
    case 'block-child':
      return missing ? `replication child ${want.id} is not attached: disk writes are not replicated` : undefined;
    case 'nbd-export':
    case 'nbd-server':
      return missing ? 'the secondary does not receive disk writes' : undefined;
    case 'colo':
      return have?.value.mode !== want.value.mode && want.value.mode !== 'none' ? `COLO is not running here (mode ${have?.value.mode ?? 'unknown'})` : undefined;
    case 'parameter':
      if (want.id === 'x-checkpoint-delay' && have && Number(have.value.value) < Number(want.value.value)) {
        return `checkpoint interval raised from ${have.value.value} to ${want.value.value} ms: more work lost to a failover`;
      }
      if (want.id === 'x-checkpoint-delay' && have && Number(have.value.value) > Number(want.value.value)) {
        return `checkpoints every ${have.value.value} ms, the spec says ${want.value.value}: more work is lost to a failover until this is repaired`;
      }
      return undefined;
    case 'capability':
      return missing || have?.value.state !== want.value.state ? `the ${want.id} capability is off` : undefined;
    default:
      return undefined;
  }
}

/**
 * Desired against observed for the nodes that answered. Objects live but not in the spec are
 * reported as unmanaged and never deleted.
 */
export function diffResources(desired: ResourceMap, observed: ResourceMap, reachable: Set<string>, managedKinds = new Set(['object', 'chardev', 'nbd-export'])): Change[] {
  const changes: Change[] = [];
  for (const want of Object.values(desired)) {
    if (!reachable.has(want.node)) continue;
    const have = observed[want.address];
    if (!have) {
      changes.push({ node: want.node, address: want.address, action: 'create', after: want.value, faultTolerance: faultTolerance(want, undefined) });
    } else if (differs(want, have)) {
      // only these are changed in place; a filter with other properties or out of order is not
      // replaced while COLO runs (deleting a filter drops the traffic it carries): a relaunch fixes it
      const inPlace = want.kind === 'parameter' || want.kind === 'capability' || want.kind === 'colo';
      changes.push({
        node: want.node,
        address: want.address,
        action: inPlace ? 'update' : 'blocked',
        before: have.value,
        after: want.value,
        faultTolerance: faultTolerance(want, have),
      });
    }
  }
  for (const have of Object.values(observed)) {
    if (!reachable.has(have.node) || desired[have.address] || !managedKinds.has(have.kind)) continue;
    changes.push({ node: have.node, address: have.address, action: 'unmanaged', before: have.value });
  }
  return changes.sort((a, b) => Number(!!b.faultTolerance) - Number(!!a.faultTolerance) || a.address.localeCompare(b.address));
}
