// Hosts as colo reads them: an IP literal or a DNS name, loopback, one host. The one definition of
// each: the spec's rules and warnings, TLS, the fleet's collisions, the model's chardevs and the
// credential checks all ask here. Pure.

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** An IPv6 literal without brackets or zone: eight groups, `::` once for a run of zeros, an IPv4 tail. */
export function isIpv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || s.split('::').length > 2) return false;
  let groups = s.split(':');
  let width = 8;
  const last = groups[groups.length - 1];
  if (last.includes('.')) {
    if (!isIpv4(last)) return false;
    groups = groups.slice(0, -1);
    width = 6;
  }
  if (s.includes('::')) {
    const [head, tail] = s.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':').filter((g) => !g.includes('.')) : [];
    return h.length + t.length < width && [...h, ...t].every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g));
  }
  return groups.length === width && groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g));
}

/** An IP literal (v4, or v6 without brackets): what a connected socket shows, what a certificate's IP SAN names. */
export function isIpLiteral(s: string): boolean {
  return isIpv4(s) || isIpv6(s);
}

/** A DNS name: dot-separated labels of letters, digits and inner `-`, at most 253 characters. */
export function isDnsName(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => DNS_LABEL.test(l)) && !/^[\d.]+$/.test(name);
}

/** A host as QEMU's inet options take it: an IP literal or a DNS name, nothing else. */
export function isHost(s: string): boolean {
  return isIpLiteral(s) || isDnsName(s);
}

const LOOPBACK_V6 = /^0*:(0*:){0,6}0*1$/;

/**
 * This machine's loopback: 127.0.0.0/8 as an IPv4 literal, ::1 in any spelling, the name localhost
 * (any case, a trailing dot). `127.evil.example` is a DNS name, not loopback.
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return (isIpv4(h) && h.startsWith('127.')) || h.toLowerCase() === 'localhost' || LOOPBACK_V6.test(h);
}

/** Two hosts are one machine: the same spelling, or both loopback. */
export function sameHost(a: string, b: string): boolean {
  return a === b || (isLoopback(a) && isLoopback(b));
}

/** A key that is equal for one machine's names (loopback names are one host). */
export function hostKey(host: string): string {
  return isLoopback(host) ? 'loopback' : host;
}

/** host:port as QEMU's URIs (tcp:, nbd://) want it: an IPv6 literal in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
