import type { ObservedNode } from '../model/observed.js';
import { peerOf, replicatingNode } from '../model/node-role.js';
import type { Profile } from '../model/profile.js';
import { isTlsObject } from '../model/tls.js';
import { channelsOnTls } from '../spec/tls.js';
import { resource, toMap, type Resource } from '../model/state.js';
import { diskIds } from '../spec/ids.js';
import type { NodeSpec, Role, Spec } from '../spec/types.js';
import type { DesiredState } from '../diff/diff.js';
import type { PairClassification } from './types.js';

export type { DesiredState } from '../diff/diff.js';

/**
 * How a node's QEMU was started: as a secondary when its disk's first quorum child is the
 * replication driver (childs0) or it has a rewriter, else as a primary. A failover does not change it.
 */
export function launchedAs(spec: Spec, o: ObservedNode | undefined): Role {
  if (!o) return 'primary';
  const first = Object.values(o.resources).some((r) => r.kind === 'block-child' && r.id.endsWith('/children.0') && r.value.driver === 'replication');
  const rewriter = spec.netdevs.some((n) => o.resources[`${o.name}/object/${n.ids.rewriter}`]);
  return first || rewriter ? 'secondary' : 'primary';
}

/** The primary's block nodes for disk i in either layout (replication driver or plain NBD). */
function primaryBlockNodes(node: NodeSpec, spec: Spec): Resource[] {
  return spec.disks.flatMap((_d, i) => [diskIds(i).replication, diskIds(i).nbd].map((id) => resource(node.name, 'block-node', id, {})));
}

/** A failover: the survivor leaves COLO; the pieces of its old role go, what a resume reuses stays. */
function afterFailover(spec: Spec, profile: Profile, survivor: NodeSpec, role: Role, observed: ObservedNode | undefined): DesiredState {
  const launched = launchedAs(spec, observed);
  const before = replicatingNode(spec, profile, survivor, role, launched);
  const keep = (r: Resource): boolean => {
    if (r.kind === 'capability' || r.kind === 'parameter' || r.kind === 'filter-order') return true;
    // TLS credentials stay: the survivor's monitor and its next channels use them
    if (isTlsObject(r)) return true;
    if (r.kind === 'block-child') return r.id.endsWith('/children.0');
    if (role === 'secondary') {
      // the redirectors and their chardevs go, and the NBD server with its exports; the rewriter stays
      const gone = new Set(
        spec.netdevs.flatMap((n) => [n.ids.secondaryRedirectorIn, n.ids.secondaryRedirectorOut, n.ids.secondaryMirrorChardev, n.ids.secondaryOutChardev]),
      );
      return r.kind !== 'nbd-server' && r.kind !== 'nbd-export' && !gone.has(r.id);
    }
    // a primary loses compare, iothread and its filters (a rewriter it kept from a secondary launch stays);
    // its chardevs stay for a resume to reuse, but on TLS those the dead secondary was connected to
    // go (measured on 7.2: with no frontend left a TLS server end never notices its peer is gone and
    // keeps refusing the next secondary)
    if (r.kind !== 'object') return r.kind === 'chardev' && !peerFacingTls.has(r.id);
    return keptFromSecondary.has(r.id);
  };
  const peerFacingTls = new Set(channelsOnTls(spec) ? spec.netdevs.flatMap((n) => [n.ids.mirrorChardev, n.ids.secondaryInChardev]) : []);
  const keptFromSecondary = new Set(
    launched === 'secondary' && role === 'primary'
      ? replicatingNode(spec, profile, survivor, 'secondary', 'secondary')
          .filter((r) => r.kind === 'object' && !spec.netdevs.some((n) => r.id === n.ids.secondaryRedirectorIn || r.id === n.ids.secondaryRedirectorOut))
          .map((r) => r.id)
      : [],
  );
  const removed = before.filter((r) => r.kind !== 'colo' && !keep(r));
  if (role === 'primary') {
    removed.push(...primaryBlockNodes(survivor, spec));
    // the child goes by the name the live block graph gives it (children.1 when colo attached it)
    const quorums = spec.disks.map((d) => `${d.id}/`);
    const live = Object.values(observed?.resources ?? {}).filter(
      (r) => r.kind === 'block-child' && !r.id.endsWith('/children.0') && quorums.some((q) => r.id.startsWith(q)),
    );
    removed.push(...live);
  }
  return { resources: toMap([resource(survivor.name, 'colo', 'colo', { mode: 'none' })]), removed: toMap(removed), complete: false };
}

/** The state a transition leads to. Pure. */
export function desiredState(spec: Spec, profile: Profile, pair: PairClassification, observed: Record<string, ObservedNode>): DesiredState {
  const node = (name: string) => spec.nodes.find((n) => n.name === name) ?? peerOf(spec, name);
  switch (pair.transition) {
    case 'setup':
    case 'steady':
    case 'secondary-resume':
    case 'primary-resume': {
      const p = node(pair.primary);
      const s = node(pair.secondary);
      const list = [
        ...replicatingNode(spec, profile, p, 'primary', launchedAs(spec, observed[p.name])),
        ...replicatingNode(spec, profile, s, 'secondary', 'secondary'),
      ];
      return { resources: toMap(list), removed: {}, complete: true };
    }
    case 'secondary-failover':
    case 'primary-failover': {
      const survivor = node(pair.survivor);
      return afterFailover(spec, profile, survivor, pair.transition === 'secondary-failover' ? 'secondary' : 'primary', observed[survivor.name]);
    }
    case 'degraded': {
      // the survivor runs alone: what a failover that stopped halfway left of its old role goes now
      const survivor = node(pair.survivor);
      // a cancelled migration leaves the primary it was becoming, whatever its last COLO mode was
      const was = !pair.cancelMigration && observed[survivor.name]?.colo?.lastMode === 'secondary' ? 'secondary' : 'primary';
      return afterFailover(spec, profile, survivor, was, observed[survivor.name]);
    }
    default:
      return { resources: {}, removed: {}, complete: false };
  }
}
