import type { Change } from '../../diff/types.js';
import { at, PHASE, qmp, type KindContext, type Phased, type ResourceKindPlanner } from './context.js';
import { pausesAtSwitchover } from './switchover.js';

type Position = { insert: 'before' | 'behind'; position: string };

/**
 * Where a missing filter goes in its netdev's chain: before what follows its last present
 * predecessor, else before its first present successor (a survivor's rew0 stays last).
 */
function positions(wanted: string[], observedOrder: string[], missing: Set<string>): Map<string, Position | undefined> {
  const order = [...observedOrder];
  const out = new Map<string, Position | undefined>();
  wanted.forEach((id, k) => {
    if (!missing.has(id) || order.includes(id)) return;
    const prev = [...wanted.slice(0, k)].reverse().find((x) => order.includes(x));
    let pos: Position | undefined;
    let index: number;
    if (prev !== undefined) {
      const i = order.indexOf(prev);
      const next = order[i + 1];
      pos = next ? { insert: 'before', position: `id=${next}` } : { insert: 'behind', position: `id=${prev}` };
      index = i + 1;
    } else {
      const next = wanted.slice(k + 1).find((x) => order.includes(x)) ?? order[0];
      pos = next ? { insert: 'before', position: `id=${next}` } : undefined;
      index = next ? order.indexOf(next) : order.length;
    }
    order.splice(index, 0, id);
    out.set(id, pos);
  });
  return out;
}

const COMPARE_TYPES = ['iothread', 'colo-compare'];

/**
 * QOM objects (net filters, iothread, colo-compare): object-add in the desired order, filters at
 * their place in the chain; object-del in QEMU's failover order — on a secondary the redirectors
 * in reverse chain order, on a primary colo-compare and its iothread, then the filters.
 */
export const objectKind: ResourceKindPlanner = {
  steps(changes: Change[], ctx: KindContext): Phased[] {
    const out: Phased[] = [];
    const creates = changes.filter((c) => c.action === 'create');
    const missing = new Set(creates.map((c) => c.id));
    const placed = new Map<string, Position | undefined>();
    for (const order of Object.values(ctx.desired.resources).filter((r) => r.kind === 'filter-order')) {
      const live = (ctx.live(order.address)?.value.order as string[] | undefined) ?? [];
      for (const [id, pos] of positions(order.value.order as string[], live, missing)) placed.set(`${order.node}/${id}`, pos);
    }
    for (const c of creates) {
      const want = ctx.want(c.address);
      const pos = placed.get(`${c.node}/${c.id}`);
      const type = String(want?.value['qom-type']);
      out.push(
        at(pausesAtSwitchover(ctx, c.node) ? PHASE.objectsAtSwitchover : PHASE.objects)(
          qmp(
            c.node,
            'object-add',
            { ...want?.recipe, ...(pos ?? {}) },
            `add ${type} ${c.id}${pos ? ` (${pos.insert} ${pos.position})` : ''}`,
            `object ${c.id} absent`,
          ),
        ),
      );
    }
    const deletes = changes.filter((c) => c.action === 'delete');
    const type = (c: Change) => String(ctx.live(c.address)?.value['qom-type'] ?? c.before?.['qom-type']);
    const ordered =
      ctx.pair.transition === 'secondary-failover'
        ? [...deletes].reverse()
        : [...deletes.filter((c) => COMPARE_TYPES.includes(type(c))).reverse(), ...deletes.filter((c) => !COMPARE_TYPES.includes(type(c)))];
    for (const c of ordered) out.push(at(PHASE.objectDelete)(qmp(c.node, 'object-del', { id: c.id }, `remove ${type(c)} ${c.id}`, `object ${c.id} present`)));
    return out;
  },
};

/** The chain order itself: it follows from the object-adds; a chain out of order is not rebuilt while running. */
export const filterOrderKind: ResourceKindPlanner = {
  steps: () => [],
};
