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

/** A path colo, QEMU and the programs they run all read alike, whatever their working directory. */
export const ABSOLUTE_PATH_PATTERN = '^/';

/** A program colo runs (qemu.binary): a name or a path, never an option of the program that starts it. */
export const PROGRAM_PATTERN = '^[^-\\s]';

/** A tap's ifup/ifdown script: `no`, or an absolute path (QEMU runs it from its own working directory). */
export const SCRIPT_PATTERN = '^(no|/.*)$';

/** A Linux interface name (IFNAMSIZ), not starting with `-` or `.`: scripts and `ip` would take `-x` for an option. */
export const IFNAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$';

/** A network namespace name as `ip netns exec NAME` takes it, never read as an option. */
export const NETNS_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$';

export { canonicalHost, canonicalPath, hostKey, isDnsName, isHost, isIpv4, isIpv6, isLoopback, sameHost } from '../addr/hosts.js';

export const MIN_PORT = 1;
export const MAX_PORT = 65535;
export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_PORT && n <= MAX_PORT;
}
