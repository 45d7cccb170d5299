// The yank monitor: one more QMP monitor on every QEMU colo launches, held for the QEMU's lifetime by
// a small helper process (src/ops/yank-helper.ts) that negotiated out-of-band execution while the
// main loop still answered. `yank` and `query-yank` run out of band; `qmp_capabilities` does not, so
// only a connection opened before QEMU's main loop blocks (a COLO checkpoint draining towards a lost
// peer) can cut that peer's connections. Both sockets are unix sockets in a private (0700) directory
// of the node's work directory: nothing listens on the network. Pure.
import type { Spec } from '../spec/types.js';
import type { NodeSpec } from '../spec/types.js';
import type { YankInstance } from './observed.js';
import { optValue } from './option-value.js';
import { YANK_MONITOR_ID } from '../spec/ids.js';

export { YANK_MONITOR_ID };

/** A unix socket path longer than this does not fit sockaddr_un (108 bytes with its NUL). */
export const MAX_UNIX_PATH = 107;

export interface YankPaths {
  /** the private directory (0700) */
  dir: string;
  /** QEMU's yank monitor (server) */
  qmp: string;
  /** the helper's control socket (0600) */
  ctl: string;
  /** the helper's pid and start time, for stop */
  pid: string;
  /** the helper's log */
  log: string;
}

/** The files of a yank directory. */
export function yankFiles(dir: string): YankPaths {
  return { dir, qmp: `${dir}/qmp.sock`, ctl: `${dir}/ctl.sock`, pid: `${dir}/helper.pid`, log: `${dir}/helper.log` };
}

/** A node's yank directory (WORKDIR/yank) and its files. */
export function yankPaths(node: NodeSpec): YankPaths {
  return yankFiles(`${node.workdir.replace(/\/+$/, '')}/yank`);
}

/** Why a node gets no yank monitor (its sockets' paths do not fit), or undefined. */
export function yankMonitorProblem(node: NodeSpec): string | undefined {
  const p = yankPaths(node);
  const long = [p.qmp, p.ctl].find((s) => new TextEncoder().encode(s).length > MAX_UNIX_PATH);
  return long ? `the socket path ${long} is longer than ${MAX_UNIX_PATH} bytes` : undefined;
}

/** The QEMU arguments of the yank monitor: a unix socket chardev (QEMU serves it in its own I/O thread) and a QMP monitor on it. */
export function yankMonitorArgs(node: NodeSpec): string[] {
  if (yankMonitorProblem(node)) return [];
  return [
    '-chardev',
    `socket,id=${YANK_MONITOR_ID},path=${optValue(yankPaths(node).qmp)},server=on,wait=off`,
    '-mon',
    `chardev=${YANK_MONITOR_ID},mode=control`,
  ];
}

/**
 * Of what `yank` can cut on a node (query-yank), its connections to the peer: the migration, the
 * chardevs that reach the peer (a primary's mirror and secondary-in, a secondary's redirectors), and
 * the NBD clients (every block-node instance: a survivor's NBD connection to the peer's export).
 * The chardevs the node serves itself (colo-compare's loopback pairs, its monitors) are never cut.
 * `as`: the survivor's role, or 'either' when it cannot be read (a blocked main loop): a primary's and
 * a secondary's peer-facing chardevs have distinct ids, so the union cuts the right ones.
 */
export function peerConnections(spec: Spec, live: YankInstance[], as: 'primary' | 'secondary' | 'either'): YankInstance[] {
  const peerFacing = new Set(
    spec.netdevs.flatMap((n) => [
      ...(as !== 'secondary' ? [n.ids.mirrorChardev, n.ids.secondaryInChardev] : []),
      ...(as !== 'primary' ? [n.ids.secondaryMirrorChardev, n.ids.secondaryOutChardev] : []),
    ]),
  );
  return live.filter((y) => y.type === 'migration' || (y.type === 'chardev' && peerFacing.has(y.id)) || y.type === 'block-node');
}

/** How a yank's instances read in a step or a log line. */
export function yankText(cut: YankInstance[]): string {
  return cut.map((y) => (y.type === 'migration' ? 'the migration' : y.type === 'chardev' ? y.id : y['node-name'])).join(', ');
}

/** A yank instance as QEMU names it, checked: anything else from a socket is refused. */
export function isYankInstance(v: unknown): v is YankInstance {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  const name = (s: unknown) => typeof s === 'string' && s.length > 0 && s.length <= 128;
  if (o.type === 'migration') return Object.keys(o).length === 1;
  if (o.type === 'chardev') return name(o.id) && Object.keys(o).length === 2;
  if (o.type === 'block-node') return name(o['node-name']) && Object.keys(o).length === 2;
  return false;
}
