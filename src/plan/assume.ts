import { diskIds } from '../spec/ids.js';
import type { NodeSpec, Spec } from '../spec/types.js';
import { launchedResources, peerOf, preferredPrimary, replicatingResources } from '../model/node-role.js';
import type { Profile } from '../model/profile.js';
import { resource, toMap, type Resource } from '../model/state.js';
import type { ObservedNode } from '../model/observed.js';
import type { Transition } from './types.js';

function node(name: string, profile: Profile, o: Partial<ObservedNode>, resources: Resource[]): ObservedNode {
  return { name, reach: 'ok', version: profile.version, jobs: [], ...o, resources: toMap(resources.filter((r) => r.node === name)) };
}

function unreachable(name: string): ObservedNode {
  return { name, reach: 'unreachable', error: 'assumed dead', resources: {}, jobs: [] };
}

function without(list: Resource[], drop: (r: Resource) => boolean): Resource[] {
  return list.filter((r) => !drop(r));
}

/**
 * The observed state an offline plan starts from: two freshly launched nodes for setup, or the
 * state just before the transition asked for with --assume.
 */
export function assumeObserved(spec: Spec, profile: Profile, transition: Transition): Record<string, ObservedNode> {
  const p = preferredPrimary(spec);
  const s = peerOf(spec, p.name);
  const replicating = replicatingResources(spec, profile, p);
  const colo = (n: NodeSpec, mode: string) => resource(n.name, 'colo', 'colo', { mode });
  const withMode = (list: Resource[], n: NodeSpec, mode: string) => [...without(list, (r) => r.node === n.name && r.kind === 'colo'), colo(n, mode)];
  const pairOf = (...nodes: ObservedNode[]) => Object.fromEntries(nodes.map((n) => [n.name, n]));

  switch (transition) {
    case 'setup':
      return pairOf(
        node(p.name, profile, { runstate: 'prelaunch', colo: { mode: 'none' } }, launchedResources(spec, p, 'primary', p)),
        node(s.name, profile, { runstate: 'inmigrate', colo: { mode: 'none' } }, launchedResources(spec, s, 'secondary', p)),
      );
    case 'steady':
      return pairOf(
        node(p.name, profile, { runstate: 'running', colo: { mode: 'primary' }, migration: { status: 'colo' } }, replicating),
        node(s.name, profile, { runstate: 'running', colo: { mode: 'secondary' }, migration: { status: 'colo' } }, replicating),
      );
    case 'secondary-failover':
      return pairOf(unreachable(p.name), node(s.name, profile, { runstate: 'running', colo: { mode: 'secondary' }, migration: { status: 'colo' } }, replicating));
    case 'primary-failover':
      return pairOf(node(p.name, profile, { runstate: 'running', colo: { mode: 'primary' }, migration: { status: 'colo' } }, replicating), unreachable(s.name));
    case 'secondary-resume': {
      // s survived a secondary failover: redirectors, their chardevs and NBD gone, the rewriter kept
      const ids = new Set(spec.netdevs.flatMap((n) => [n.ids.secondaryRedirectorIn, n.ids.secondaryRedirectorOut, n.ids.secondaryMirrorChardev, n.ids.secondaryOutChardev]));
      let left = without(replicating, (r) => r.node === s.name && (ids.has(r.id) || r.kind === 'nbd-server' || r.kind === 'nbd-export'));
      left = left.map((r) => (r.node === s.name && r.kind === 'filter-order' ? { ...r, value: { order: (r.value.order as string[]).filter((id) => !ids.has(id)) } } : r));
      left = withMode(left, s, 'none');
      return pairOf(
        node(s.name, profile, { runstate: 'running', colo: { mode: 'none', lastMode: 'secondary' }, migration: { status: 'completed' } }, left),
        node(p.name, profile, { runstate: 'inmigrate', colo: { mode: 'none' } }, launchedResources(spec, p, 'secondary', s)),
      );
    }
    case 'primary-resume': {
      // p survived a primary failover: replication, compare, iothread and filters gone, chardevs kept
      const ids = new Set(spec.netdevs.flatMap((n) => [n.ids.mirror, n.ids.redirectorIn, n.ids.redirectorOut, n.ids.compare, n.ids.iothread]));
      spec.disks.forEach((_d, i) => ids.add(diskIds(i).replication));
      let left = without(replicating, (r) => r.node === p.name && (ids.has(r.id) || r.kind === 'block-child' || (r.kind === 'object' && String(r.value['qom-type']).startsWith('filter-'))));
      left = left.map((r) => (r.node === p.name && r.kind === 'filter-order' ? { ...r, value: { order: [] } } : r));
      left = withMode(left, p, 'none');
      return pairOf(
        node(p.name, profile, { runstate: 'running', colo: { mode: 'none', lastMode: 'primary' }, migration: { status: 'completed' } }, left),
        node(s.name, profile, { runstate: 'inmigrate', colo: { mode: 'none' } }, launchedResources(spec, s, 'secondary', p)),
      );
    }
    default:
      throw new Error(`cannot assume ${transition}`);
  }
}

