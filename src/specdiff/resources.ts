// How each kind's change reaches the running pair, and what it weakens, is the kind's own fact: model/resource-kinds.ts.
import { KIND_FACTS } from '../model/resource-kinds.js';
import type { Resource, ResourceMap } from '../model/state.js';
import type { Role } from '../spec/types.js';
import type { SpecChange } from './types.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The chain's order among the filters both sides have: an added or removed filter alone is no reorder. */
function reordered(a: string[], b: string[]): boolean {
  const common = a.filter((id) => b.includes(id));
  return !same(
    common,
    b.filter((id) => common.includes(id)),
  );
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
    const facts = KIND_FACTS[r.kind];
    const c = facts.diffClass(action, roleOf(r.node));
    const w = facts.weakens?.(a, b);
    out.push({
      node: r.node,
      area: facts.area,
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
