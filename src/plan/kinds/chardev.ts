import type { Change } from '../../diff/types.js';
import { at, PHASE, qmp, type KindContext, type Phased, type ResourceKindPlanner } from './context.js';

/** Socket chardevs: chardev-add from the desired recipe, chardev-remove in reverse order. */
export const chardevKind: ResourceKindPlanner = {
  steps(changes: Change[], ctx: KindContext): Phased[] {
    const out: Phased[] = [];
    for (const c of changes.filter((x) => x.action === 'create')) {
      const want = ctx.want(c.address);
      const server = want?.value.server === true;
      out.push(
        at(PHASE.chardevs)(
          qmp(
            c.node,
            'chardev-add',
            want?.recipe,
            `add chardev ${c.id} (${server ? 'server' : 'client'}${want?.value.host ? ` ${want.value.host}` : ''}:${want?.value.port})`,
            `chardev ${c.id} absent`,
          ),
        ),
      );
    }
    for (const c of changes.filter((x) => x.action === 'delete').reverse()) {
      out.push(at(PHASE.chardevDelete)(qmp(c.node, 'chardev-remove', { id: c.id }, `remove chardev ${c.id}`, `chardev ${c.id} present`)));
    }
    return out;
  },
};
