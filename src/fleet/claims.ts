import { defaultNicPorts } from '../spec/ids.js';
import { parseQmpAddress } from '../addr/qmp-address.js';
import { canonicalPath, hostKey } from '../addr/hosts.js';
import type { Spec } from '../spec/types.js';
import type { Claim } from './types.js';

/** One host, one key: loopback names are one host, and every spelling of a host is its canonical form. */
export { hostKey };

const NIC_PORT_NAMES = ['primaryIn', 'mirror', 'secondaryIn', 'compareOut'] as const;

/**
 * What a pair binds on each of its hosts: every pair port on both nodes' hosts (after a failover
 * either node binds all of them), each node's TCP QMP port or unix QMP socket on its own host.
 * One claim per key and pair. Pure.
 */
export function pairClaims(spec: Spec, file: string): Claim[] {
  const out = new Map<string, Claim>();
  const claim = (key: string, host: string, what: string, path: string) => {
    if (!out.has(key)) out.set(key, { key, host, what, path, file, pair: spec.name });
  };
  const hosts = new Map<string, string>();
  for (const n of spec.nodes) if (!hosts.has(hostKey(n.host))) hosts.set(hostKey(n.host), n.host);
  const ports: Array<[number, string, string]> = [
    [spec.ports.migration, 'migration port', '/spec/ports/migration'],
    [spec.ports.nbd, 'NBD port', '/spec/ports/nbd'],
  ];
  spec.netdevs.forEach((n, i) => {
    const derived = defaultNicPorts(spec.ports.base, i);
    for (const name of NIC_PORT_NAMES) {
      const path = n.ports[name] === derived[name] ? '/spec/ports/base' : `/spec/netdevs/${i}/ports/${name}`;
      ports.push([n.ports[name], `${name} chardev port of netdev ${n.id}`, path]);
    }
  });
  for (const [h, shown] of hosts) for (const [port, what, path] of ports) claim(`${h} tcp ${port}`, shown, what, path);
  spec.nodes.forEach((n, i) => {
    const q = parseQmpAddress(n.qmp);
    if (!q) return;
    const path = `/spec/nodes/${i}/qmp`;
    if (q.kind !== 'unix') claim(`${hostKey(q.host)} tcp ${q.port}`, q.host, `QMP port of node ${n.name}`, path);
    else claim(`${hostKey(n.host)} unix ${canonicalPath(q.path)}`, n.host, `QMP socket of node ${n.name}`, path);
  });
  // a work directory holds a node's images: two nodes of two pairs in one would overwrite them
  spec.nodes.forEach((n, i) =>
    claim(`${hostKey(n.host)} dir ${canonicalPath(n.workdir)}`, n.host, `work directory of node ${n.name}`, `/spec/nodes/${i}/workdir`),
  );
  return [...out.values()];
}
