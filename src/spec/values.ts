/**
 * What QEMU accepts for each kind of value colo writes into an option string (`-device MODEL,id=…`,
 * `host=…`, `-incoming tcp:HOST:PORT`, HMP `drive_add … file.host=…`). A value that is not one of
 * these is refused: nothing the user writes is passed through to become another option. Paths
 * are escaped instead (model/disk.ts `optValue`: `,` → `,,`), as QEMU's option syntax allows.
 * The schema's patterns are these (a unit test keeps them equal).
 */

/** QEMU's id rule (id_wellformed): a letter, then letters, digits, `-`, `.`, `_`; colo caps it at 64. */
export const ID_PATTERN = '^[A-Za-z][A-Za-z0-9_.-]{0,63}$';

/** A QOM type name as `-device` takes it: rtl8139, e1000e, virtio-net-pci. */
export const MODEL_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

/** A QOM property name (extra filter props): letters, digits, `-`, `_`, starting with a letter. */
export const PROP_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';

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

/** A DNS name: dot-separated labels of letters, digits and inner `-`, at most 253 characters. */
export function isDnsName(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => DNS_LABEL.test(l)) && !/^[\d.]+$/.test(name);
}

/** A host as QEMU's inet options take it: an IP literal or a DNS name, nothing else. */
export function isHost(s: string): boolean {
  return isIpv4(s) || isIpv6(s) || isDnsName(s);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|0*:(0*:){0,6}0*1)$/i;
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/\.$/, ''));
}

export const MIN_PORT = 1;
export const MAX_PORT = 65535;
export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_PORT && n <= MAX_PORT;
}
