import type { Change } from '../../diff/types.js';
import { migrationBusy } from '../../model/observed.js';
import { at, PHASE, qmp, type KindContext, type Phased, type ResourceKindPlanner } from './context.js';

/** Whether `node` is the secondary of the pair this plan sets up or keeps. */
function isSecondary(ctx: KindContext, node: string): boolean {
  return 'secondary' in ctx.pair && ctx.pair.secondary === node;
}

/**
 * Migration capabilities: every one that is off, in one migrate-set-capabilities per node (QEMU
 * checks them together: 11.1 refuses x-colo without return-path in the same command or before).
 */
export const capabilityKind: ResourceKindPlanner = {
  policy: { inPlace: true },
  steps(changes: Change[], ctx: KindContext): Phased[] {
    const byNode = new Map<string, string[]>();
    for (const c of changes.filter((x) => x.action === 'create' || x.action === 'update')) byNode.set(c.node, [...(byNode.get(c.node) ?? []), c.id]);
    return [...byNode].map(([node, caps]) => {
      const secondary = isSecondary(ctx, node);
      return at(secondary ? PHASE.secondaryCapabilities : PHASE.primaryCapabilities)(
        qmp(node, 'migrate-set-capabilities', { capabilities: caps.map((capability) => ({ capability, state: true })) }, `enable ${caps.join(' and ')} on the ${secondary ? 'secondary' : 'primary'}`, `${caps.join(', ')} off`),
      );
    });
  },
};

/** Migration parameters (x-checkpoint-delay): set before migrate; on a replicating pair a change forces a checkpoint at once. */
export const parameterKind: ResourceKindPlanner = {
  policy: { inPlace: true },
  steps(changes: Change[], ctx: KindContext): Phased[] {
    const out: Phased[] = [];
    for (const c of changes.filter((x) => x.action === 'create' || x.action === 'update')) {
      const value = c.after?.value;
      const replicating = ctx.obs(c.node)?.colo?.mode === 'primary';
      if (!replicating && migrationBusy(ctx.obs(c.node)?.migration?.status)) continue; // set once COLO runs, by the steady plan
      const why = replicating ? `checkpoint every ${value} ms (takes a checkpoint at once)` : `checkpoint every ${value} ms (set before migrate: on a running pair it forces a checkpoint)`;
      out.push(at(PHASE.parameters)(qmp(c.node, 'migrate-set-parameters', { [c.id]: value }, why, `${c.id} is not ${value}`)));
    }
    return out;
  },
};
