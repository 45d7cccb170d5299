// The Pacemaker configuration of a cluster's pairs (`colo ocf config`): per pair an agent of its own
// (ocf:colo:colo-PAIR, installed with `colo ocf install --name colo-PAIR --spec FILE`, the spec baked
// in, so the resource has no instance attributes: Pacemaker 2.1.5 restarts a promoted instance whose
// promotable clone has some), a primitive, a promotable clone and a -INFINITY location on every
// cluster node outside the pair. The cluster's nodes are the union of the pairs' node names. Pure:
// the renders (render/pacemaker-*.ts) write it as crm or pcs command lines or CIB XML.
import type { Spec } from '../spec/types.js';

export interface PcmkOp {
  /** the op's id suffix */
  key: string;
  name: 'start' | 'stop' | 'promote' | 'demote' | 'notify' | 'monitor';
  interval: string;
  timeout: string;
  role?: 'Promoted' | 'Unpromoted';
}

export interface PcmkPair {
  pair: string;
  /** the pair's file, as given */
  file: string;
  /** the agent's type: ocf:colo:TYPE */
  agent: string;
  primitive: string;
  clone: string;
  nodes: [string, string];
  /** cluster nodes outside the pair: a -INFINITY location each */
  banned: string[];
  ops: PcmkOp[];
}

export interface PcmkConfig {
  nodes: string[];
  pairs: PcmkPair[];
  /** the clone's meta attributes, in order */
  meta: Array<[string, string]>;
}

/** The operations and timeouts docs/pacemaker.md recommends (and the agent's meta-data starts from). */
export const PCMK_OPS: readonly PcmkOp[] = [
  { key: 'start', name: 'start', interval: '0s', timeout: '60s' },
  { key: 'stop', name: 'stop', interval: '0s', timeout: '30s' },
  { key: 'promote', name: 'promote', interval: '0s', timeout: '30s' },
  { key: 'demote', name: 'demote', interval: '0s', timeout: '10s' },
  { key: 'notify', name: 'notify', interval: '0s', timeout: '90s' },
  { key: 'mon-p', name: 'monitor', interval: '1s', role: 'Promoted', timeout: '5s' },
  { key: 'mon-u', name: 'monitor', interval: '2s', role: 'Unpromoted', timeout: '5s' },
];

export const PCMK_CLONE_META: ReadonlyArray<[string, string]> = [
  ['promotable', 'true'],
  ['promoted-max', '1'],
  ['clone-max', '2'],
  ['clone-node-max', '1'],
  ['notify', 'true'],
  ['priority', '10'],
  ['migration-threshold', '1'],
];

/** The agent type of a pair: `colo ocf install --name` writes it, `ocf config` references it. */
export const agentName = (pair: string): string => `colo-${pair}`;

/** A node name that names two hosts across the pairs, or a host named two ways: the pairs cannot share a cluster. */
export interface PcmkConflict {
  pair: string;
  node: string;
  message: string;
}

/** The cluster's configuration from its pairs (in the given order), or why the pairs cannot be one cluster. */
export function pacemakerConfig(pairs: ReadonlyArray<{ file: string; spec: Spec }>): { config?: PcmkConfig; conflicts: PcmkConflict[] } {
  const conflicts: PcmkConflict[] = [];
  const hostOf = new Map<string, { host: string; pair: string }>();
  const nameOf = new Map<string, { node: string; pair: string }>();
  const nodes: string[] = [];
  for (const { spec: s } of pairs) {
    for (const n of s.nodes) {
      const h = hostOf.get(n.name);
      const key = n.host.toLowerCase();
      const named = nameOf.get(key);
      if (h && h.host.toLowerCase() !== key)
        conflicts.push({
          pair: s.name,
          node: n.name,
          message: `node ${n.name} is host ${n.host} here but ${h.host} in pair ${h.pair}: one cluster node is one host`,
        });
      else if (named && named.node !== n.name)
        conflicts.push({
          pair: s.name,
          node: n.name,
          message: `host ${n.host} is node ${n.name} here but ${named.node} in pair ${named.pair}: name each host as the cluster does, the same in every pair`,
        });
      if (!h) {
        hostOf.set(n.name, { host: n.host, pair: s.name });
        nodes.push(n.name);
      }
      if (!named) nameOf.set(key, { node: n.name, pair: s.name });
    }
  }
  if (conflicts.length) return { conflicts };
  nodes.sort();
  const out = [...pairs]
    .sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0))
    .map(({ file, spec: s }): PcmkPair => {
      const mine = s.nodes.map((n) => n.name) as [string, string];
      const primitive = agentName(s.name);
      return {
        pair: s.name,
        file,
        agent: agentName(s.name),
        primitive,
        clone: `${primitive}-clone`,
        nodes: mine,
        banned: nodes.filter((n) => !mine.includes(n)),
        ops: [...PCMK_OPS],
      };
    });
  return { config: { nodes, pairs: out, meta: [...PCMK_CLONE_META] }, conflicts };
}
