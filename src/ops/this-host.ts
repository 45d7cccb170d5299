// Whether a host is this machine: loopback (src/addr/hosts.ts holds the one definition), an address of
// one of this machine's interfaces (of the node's network namespace when it names one), or this
// machine's own name. Read at the edge: the TLS file checks, launch and stop, status ask here.
import { spawnSync } from 'node:child_process';
import { hostname, networkInterfaces } from 'node:os';
import { canonicalHost, isLoopback } from '../addr/hosts.js';

/** The addresses of this machine's interfaces, or of network namespace `netns` (bounded: `ip -j addr`, 5 s). */
export function localAddresses(netns?: string): Set<string> {
  const out = new Set<string>();
  if (!netns) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
    return out;
  }
  const r = spawnSync('ip', ['-j', '-n', netns, 'addr', 'show'], { encoding: 'utf8', timeout: 5000 });
  try {
    for (const link of JSON.parse(r.stdout) as Array<{ addr_info?: Array<{ local?: string }> }>)
      for (const a of link.addr_info ?? []) if (a.local) out.add(a.local);
  } catch {
    // no such namespace, or no ip: no address there
  }
  return out;
}

/** This machine's name, as `status` shows where it runs from. */
export function machineName(): string {
  return hostname();
}

/** one spelling of a host (src/addr/hosts.ts): `2001:DB8:0::1` and `2001:db8::1`, `::ffff:10.0.0.1` and `10.0.0.1` are one */
const bare = (h: string) =>
  canonicalHost(
    h
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/\.$/, '')
      .toLowerCase(),
  );

/** `host` is this machine (or its namespace `netns`): loopback, one of its addresses, or its name. */
export function hostIsHere(host: string, netns?: string): boolean {
  if (isLoopback(host)) return true;
  const h = bare(host);
  const me = bare(hostname());
  if (h === me || h === me.split('.')[0]) return true;
  return [...localAddresses(netns)].some((a) => bare(a) === h);
}
