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
  steps(changes: Change[], ctx: KindContext): Phased[] {
    const byNode = new Map<string, string[]>();
    for (const c of changes.filter((x) => x.action === 'create' || x.action === 'update')) byNode.set(c.node, [...(byNode.get(c.node) ?? []), c.id]);
    return [...byNode].map(([node, caps]) => {
      const secondary = isSecondary(ctx, node);
      return at(secondary ? PHASE.secondaryCapabilities : PHASE.primaryCapabilities)(
        qmp(
          node,
          'migrate-set-capabilities',
          { capabilities: caps.map((capability) => ({ capability, state: true })) },
          `enable ${caps.join(' and ')} on the ${secondary ? 'secondary' : 'primary'}`,
          `${caps.join(', ')} off`,
        ),
      );
    });
  },
};

/** What setting one migration parameter does, for the plan. */
function parameterText(id: string, value: unknown, replicating: boolean): string {
  if (id === 'x-checkpoint-delay')
    return replicating
      ? `checkpoint every ${value} ms (takes a checkpoint at once)`
      : `checkpoint every ${value} ms (set before migrate: on a running pair it forces a checkpoint)`;
  if (id === 'tls-creds')
    return `migration on TLS with ${value}${value === 'tlsC' ? ' (the sending side: client credentials)' : value === 'tlsS' ? ' (the receiving side: server credentials)' : ''}`;
  if (id === 'tls-hostname') return `check the receiver's certificate names ${value}`;
  if (id === 'tls-authz') return `admit only the identities of ${value}`;
  return `${id} ${value}`;
}

/**
 * Migration parameters (x-checkpoint-delay, and on TLS tls-creds, tls-hostname, tls-authz): one
 * migrate-set-parameters per node, before migrate; on a replicating pair a change forces a
 * checkpoint at once. A survivor that was secondary still has the server credentials: they switch
 * to the client ones here, before it migrates to its new secondary.
 */
export const parameterKind: ResourceKindPlanner = {
  steps(changes: Change[], ctx: KindContext): Phased[] {
    const byNode = new Map<string, Change[]>();
    for (const c of changes.filter((x) => x.action === 'create' || x.action === 'update')) {
      const replicating = ctx.obs(c.node)?.colo?.mode === 'primary';
      if (!replicating && migrationBusy(ctx.obs(c.node)?.migration?.status)) continue; // set once COLO runs, by the steady plan
      byNode.set(c.node, [...(byNode.get(c.node) ?? []), c]);
    }
    return [...byNode].map(([node, list]) => {
      const replicating = ctx.obs(node)?.colo?.mode === 'primary';
      const args = Object.fromEntries(list.map((c) => [c.id, c.after?.value]));
      const why = list.map((c) => parameterText(c.id, c.after?.value, replicating)).join('; ');
      const pre = list.map((c) => `${c.id} is not ${c.after?.value}`).join(', ');
      return at(PHASE.parameters)(qmp(node, 'migrate-set-parameters', args, why, pre));
    });
  },
};
