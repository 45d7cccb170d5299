// Hosts as colo reads them: an IP literal or a DNS name, loopback, one host. The one definition of
// each: the spec's rules and warnings, TLS, the fleet's collisions, the model's chardevs and the
// credential checks all ask here, and compare hosts and paths in their one canonical spelling. Pure.

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

/** The eight 16-bit groups of an IPv6 literal (isIpv6 holds). */
function ipv6Groups(s: string): number[] {
  let text = s;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number);
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = rest !== undefined && rest ? rest.split(':') : [];
  const zeros = rest !== undefined ? 8 - h.length - t.length : 0;
  return [...h, ...Array<string>(zeros).fill('0'), ...t].map((g) => parseInt(g, 16));
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function ipv6Text(groups: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * The one spelling of a host, so one machine is one host however the spec writes it: DNS names in
 * lower case without the trailing dot of a fully qualified name, IPv6 literals in RFC 5952 form
 * (`2001:DB8:0:0::1` → `2001:db8::1`), an IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as its IPv4.
 * Anything that is not a host is returned as it is.
 */
export function canonicalHost(host: string): string {
  if (isIpv4(host)) return host.split('.').map(Number).join('.');
  if (isIpv6(host)) {
    const g = ipv6Groups(host);
    if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return [g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255].join('.');
    return ipv6Text(g);
  }
  if (isDnsName(host)) return host.replace(/\.$/, '').toLowerCase();
  return host;
}

/**
 * This machine's loopback, compared in canonical form: 127.0.0.0/8 as an IPv4 literal (also
 * IPv4-mapped), ::1 in any spelling (also in brackets), the name localhost (any case, a trailing dot).
 * `127.evil.example` is a DNS name, not loopback.
 */
export function isLoopback(host: string): boolean {
  const h = canonicalHost(host.replace(/^\[(.*)\]$/, '$1'));
  return (isIpv4(h) && h.startsWith('127.')) || h === '::1' || h === 'localhost';
}

/** A key that is equal for one machine's names: the canonical form, every loopback spelling one host. */
export function hostKey(host: string): string {
  return isLoopback(host) ? 'loopback' : canonicalHost(host);
}

/** Two hosts are one machine: one canonical form, or both loopback. */
export function sameHost(a: string, b: string): boolean {
  return hostKey(a) === hostKey(b);
}

/**
 * The one spelling of an absolute path, so `/srv/a`, `/srv/a/`, `/srv//a` and `/srv/b/../a` are one
 * directory: empty and `.` segments dropped, `..` taken back (lexically: symlinks are the host's).
 * A relative path is returned as it is.
 */
export function canonicalPath(path: string): string {
  if (!path.startsWith('/')) return path;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** host:port as QEMU's URIs (tcp:, nbd://) want it: an IPv6 literal in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
