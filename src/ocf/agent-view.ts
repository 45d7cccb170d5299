// The OCF agent's own QMP monitor. A QMP monitor serves one client at a time, so the agent never
// shares one with `colo apply`, `colo status` or a person: QEMU started by the agent gets a second
// -qmp beside the spec's, at the spec's unix path + "-agent" (a.qmp → a.qmp-agent). The agent reads
// and drives its own node there; it reaches the peer over the spec's monitor, as apply does, so the
// peer's agent keeps its monitor for its own monitor operations.
import { formatQmpAddress, parseQmpAddress } from '../addr/qmp-address.js';
import type { NodeSpec, Spec } from '../spec/types.js';

/** The agent's monitor socket path for a node (unix QMP only; a TCP monitor is shared). */
export function agentSocket(node: NodeSpec): string | undefined {
  const q = parseQmpAddress(node.qmp);
  return q?.kind === 'unix' ? `${q.path}-agent` : undefined;
}

/** The extra QEMU argument giving the agent its own monitor. */
export function agentMonitorArgs(node: NodeSpec): string[] {
  const path = agentSocket(node);
  return path ? ['-qmp', `unix:${path},server=on,wait=off`] : [];
}

/** The spec as the agent on `self` connects: its own node over the agent's monitor. */
export function agentView(spec: Spec, self: string): Spec {
  return {
    ...spec,
    nodes: spec.nodes.map((n) => {
      const path = n.name === self ? agentSocket(n) : undefined;
      return path ? { ...n, qmp: formatQmpAddress({ kind: 'unix', path }) } : n;
    }) as [NodeSpec, NodeSpec],
  };
}
