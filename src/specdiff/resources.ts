import type { Resource, ResourceKind, ResourceMap } from '../model/state.js';
import type { Role } from '../spec/types.js';
import type { ChangeArea, ChangeClass, SpecChange } from './types.js';

const AREA: Record<ResourceKind, ChangeArea> = {
  chardev: 'chardev',
  object: 'object',
  'filter-order': 'filter-chain',
  'block-node': 'block',
  'block-child': 'block',
  'nbd-server': 'nbd',
  'nbd-export': 'nbd',
  capability: 'migration',
  parameter: 'migration',
  colo: 'colo',
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The chain's order among the filters both sides have: an added or removed filter alone is no reorder. */
function reordered(a: string[], b: string[]): boolean {
  const common = a.filter((id) => b.includes(id));
  return !same(
    common,
    b.filter((id) => common.includes(id)),
  );
}

/**
 * How one resource change reaches the running pair — what `colo apply` can do on it, else what a
 * relaunch of which node it takes:
 * - migration parameters and capabilities: set over QMP (`migrate-set-parameters`, …);
 * - an object or chardev that is new: added over QMP (`object-add` with its chain position, `chardev-add`);
 * - anything else on the secondary: the secondary is relaunched with the new argv;
 * - on the primary, objects (filters, colo-compare, iothread) and the replication child are what a
 *   primary failover removes and a resume adds back: relaunching the secondary re-creates them from
 *   the new spec; the primary's chardevs come from its own argv and stay, and an object the new
 *   spec drops is not removed by that failover: a switchover.
 */
function classify(kind: ResourceKind, action: SpecChange['action'], role: Role): { class: ChangeClass; why: string } {
  if (kind === 'parameter' || kind === 'capability') return { class: 'in-place', why: 'set over QMP on the running primary (colo apply, steady)' };
  if (action === 'create' && (kind === 'object' || kind === 'chardev'))
    return { class: 'in-place', why: `added over QMP (${kind === 'object' ? 'object-add, at its place in the filter chain' : 'chardev-add'}) while COLO runs` };
  if (role === 'secondary') return { class: 'relaunch-secondary', why: 'the secondary is relaunched with the new argv and resyncs from the primary' };
  if (kind === 'chardev')
    return {
      class: 'switchover',
      why: "the primary's chardevs are on its command line and survive a failover: the primary must be relaunched, after a planned role swap",
    };
  // the failover removes the objects the spec names: one the new spec no longer names would stay
  if (kind === 'object' && action === 'delete')
    return {
      class: 'switchover',
      why: 'a failover removes only the objects the spec names, and QMP cannot drop a filter while COLO runs without losing its traffic: the primary must be relaunched, after a planned role swap',
    };
  return {
    class: 'relaunch-secondary',
    why: 'removed from the primary by the failover that drops the secondary, and added back from the new spec when the relaunched secondary resumes',
  };
}

/** What the change takes away from fault tolerance, as the planner's review table says it. */
function weakens(r: Resource, a: Resource | undefined, b: Resource | undefined): string | undefined {
  if (r.kind === 'parameter' && r.id === 'x-checkpoint-delay' && a && b && Number(b.value.value) > Number(a.value.value)) {
    return `checkpoint interval raised from ${a.value.value} to ${b.value.value} ms: more work lost to a failover`;
  }
  if (r.kind === 'object' && a && !b && String(a.value['qom-type']).startsWith('filter-')) return `${a.value['qom-type']} ${r.id} removed`;
  if (r.kind === 'object' && a && !b && a.value['qom-type'] === 'colo-compare')
    return `colo-compare ${r.id} removed: the primary's output is no longer compared`;
  return undefined;
}

/** Desired resources of the old spec against the new one's, with the role each node has in the new spec. Pure. */
export function resourceChanges(before: ResourceMap, after: ResourceMap, roleOf: (node: string) => Role): SpecChange[] {
  const out: SpecChange[] = [];
  const addresses = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const address of addresses) {
    const a: Resource | undefined = before[address];
    const b: Resource | undefined = after[address];
    const r = (b ?? a)!;
    if (a && b && same(a.value, b.value)) continue;
    if (r.kind === 'filter-order' && a && b && !reordered(a.value.order as string[], b.value.order as string[])) continue;
    const action: SpecChange['action'] = !a ? 'create' : !b ? 'delete' : 'update';
    const c = classify(r.kind, action, roleOf(r.node));
    const w = weakens(r, a, b);
    out.push({
      node: r.node,
      area: AREA[r.kind],
      address,
      action,
      class: c.class,
      ...(a ? { before: a.value } : {}),
      ...(b ? { after: b.value } : {}),
      why: c.why,
      ...(w ? { weakens: w } : {}),
    });
  }
  return out;
}
