import type { Change } from '../diff/types.js';
import type { ObservedNode } from '../model/observed.js';
import { tlsResources } from '../model/tls.js';
import { channelsOnTls, nodeHasCreds, TLS_IDS } from '../spec/tls.js';
import type { Spec } from '../spec/types.js';
import { classifyNode } from './classify.js';
import type { PairClassification } from './types.js';

/** What a node runs, TLS-wise, as far as QEMU shows it: its credential objects and its migration's tls-creds. */
function liveTls(o: ObservedNode): { creds: boolean; migration: string } {
  const has = (id: string) => o.resources[`${o.name}/object/${id}`] !== undefined;
  return { creds: has(TLS_IDS.server) && has(TLS_IDS.client), migration: String(o.resources[`${o.name}/migration/parameter/tls-creds`]?.value.value ?? '') };
}

/** How to get a node onto the spec's TLS setting: QEMU takes credentials and a chardev's TLS only when it creates them. */
function whatItTakes(o: ObservedNode, peer: string): string {
  const cls = classifyNode(o).class;
  if (cls === 'fresh-primary' || cls === 'fresh-secondary') return `relaunch it from the spec: colo stop --node ${o.name}, then colo launch --node ${o.name}`;
  return `a running channel cannot change: fail over to ${peer} (colo failover --survivor ${peer}), relaunch ${o.name} (colo stop --node ${o.name}; colo launch --node ${o.name}) and apply to resume; then the same the other way round for ${peer}`;
}

/**
 * A plain spec against a node that runs TLS, or a TLS spec against one that does not: nothing can be
 * changed in place (the channels would not talk), so every change of the plan is blocked and the
 * node's TLS says what it takes. Failovers are not guarded: they only take pieces out. Pure.
 */
export function guardTls(spec: Spec, pair: PairClassification, observed: Record<string, ObservedNode>, changes: Change[]): Change[] {
  if (!('primary' in pair)) return changes;
  const blockers: Change[] = [];
  for (const name of [pair.primary, pair.secondary]) {
    const o = observed[name];
    const n = spec.nodes.find((x) => x.name === name);
    if (!o || o.reach !== 'ok' || !n) continue;
    const live = liveTls(o);
    const peer = pair.primary === name ? pair.secondary : pair.primary;
    const address = `${name}/object/${TLS_IDS.server}`;
    let why: string | undefined;
    const objects = tlsResources(spec, n, 'primary')
      .filter((r) => r.kind === 'object')
      .map((r) => r.id);
    const missing = objects.filter((id) => o.resources[`${name}/object/${id}`] === undefined);
    if (nodeHasCreds(spec, n) && !live.creds) {
      why = `${name} runs without TLS credentials (${TLS_IDS.server}, ${TLS_IDS.client}), but the spec ${channelsOnTls(spec) ? 'puts every COLO channel on X.509 TLS' : 'serves its monitor over TLS'}: ${whatItTakes(o, peer)}`;
    } else if (missing.length) {
      why = `${name} runs without ${missing.join(', ')} (the tls-authz list of the spec's allowed identities): its server ends admit any certificate of its CA; ${whatItTakes(o, peer)}`;
    } else if (!channelsOnTls(spec) && (live.migration !== '' || (live.creds && !nodeHasCreds(spec, n)))) {
      why = `${name} runs its COLO channels on TLS (${live.migration ? `migration tls-creds ${live.migration}` : `objects ${TLS_IDS.server}, ${TLS_IDS.client}`}), but the spec has them in clear: its peer's plain channels would not talk to it. Put spec.tls back, or ${whatItTakes(o, peer)}`;
    }
    if (why) blockers.push({ node: name, address, kind: 'object', id: TLS_IDS.server, action: 'blocked', faultTolerance: `security: ${why}` });
  }
  if (!blockers.length) return changes;
  const blockedAt = new Set(blockers.map((b) => b.address));
  const rest = changes
    .filter((c) => !blockedAt.has(c.address))
    .map((c) =>
      c.action === 'create' || c.action === 'update'
        ? {
            ...c,
            action: 'blocked' as const,
            faultTolerance: c.faultTolerance ?? `not done: TLS does not match the spec on ${blockers.map((b) => b.node).join(' and ')}`,
          }
        : c,
    );
  return [...blockers, ...rest];
}
