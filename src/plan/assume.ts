import type { ObservedNode } from '../model/observed.js';
import { attachedChild } from '../model/disk.js';
import { launchedResources, peerOf, preferredPrimary } from '../model/node-role.js';
import type { Profile } from '../model/profile.js';
import { toMap, type Resource, type ResourceMap } from '../model/state.js';
import type { NodeSpec, Spec } from '../spec/types.js';
import { desiredState } from './desired.js';
import type { PairClassification, Transition } from './types.js';

function node(name: string, profile: Profile, o: Partial<ObservedNode>, resources: ResourceMap): ObservedNode {
  return { name, reach: 'ok', version: profile.version, jobs: [], ...o, resources };
}

function unreachable(name: string): ObservedNode {
  return { name, reach: 'unreachable', error: 'assumed dead', resources: {}, jobs: [] };
}

/** A node as it is right after `colo launch` in `role`. */
function launched(spec: Spec, profile: Profile, n: NodeSpec, role: 'primary' | 'secondary', primary: NodeSpec): ObservedNode {
  const runstate = role === 'primary' ? 'prelaunch' : 'inmigrate';
  return node(n.name, profile, { runstate, colo: { mode: 'none' } }, toMap(launchedResources(spec, profile, n, role, primary)));
}

/**
 * What a transition leaves on one node: the desired state set, colo's removed pieces gone, and
 * the filter chains without the filters removed. The same desired state the plan converges to.
 */
function after(
  spec: Spec,
  profile: Profile,
  pair: PairClassification,
  before: Record<string, ObservedNode>,
  name: string,
  o: Partial<ObservedNode>,
): ObservedNode {
  const d = desiredState(spec, profile, pair, before);
  const mine = (map: ResourceMap) => Object.values(map).filter((r) => r.node === name);
  const removedIds = new Set(mine(d.removed).map((r) => r.id));
  const resources: Resource[] = Object.values({ ...before[name].resources, ...toMap(mine(d.resources)) })
    .filter((r) => !d.removed[r.address])
    .map((r) => (r.kind === 'filter-order' ? { ...r, value: { order: (r.value.order as string[]).filter((id) => !removedIds.has(id)) } } : r))
    .map(({ recipe: _recipe, ...r }) => r);
  return node(name, profile, o, toMap(resources));
}

/**
 * The observed state an offline plan starts from: two freshly launched nodes for setup, or the
 * state just before the transition asked for with --assume, reached by applying the desired
 * states of the transitions before it.
 */
export function assumeObserved(spec: Spec, profile: Profile, transition: Transition): Record<string, ObservedNode> {
  const p = preferredPrimary(spec);
  const s = peerOf(spec, p.name);
  const pairOf = (...nodes: ObservedNode[]) => Object.fromEntries(nodes.map((n) => [n.name, n]));
  const fresh = pairOf(launched(spec, profile, p, 'primary', p), launched(spec, profile, s, 'secondary', p));
  const setup: PairClassification = { transition: 'setup', primary: p.name, secondary: s.name, gated: false, reason: '' };
  const colo = { migration: { status: 'colo' }, runstate: 'running' };
  // the pair after setup (only built when a later transition is asked for)
  const steadyPair = () => {
    const primary = after(spec, profile, setup, fresh, p.name, { ...colo, colo: { mode: 'primary' } });
    // what the attach leaves in the primary's block graph, as QEMU shows it
    Object.assign(primary.resources, toMap(spec.disks.flatMap((d, i) => attachedChild(p, s, spec, d, i, profile.primaryChild))));
    return pairOf(primary, after(spec, profile, setup, fresh, s.name, { ...colo, colo: { mode: 'secondary' } }));
  };
  const alone = (lastMode: string) => ({ runstate: 'running', colo: { mode: 'none', lastMode }, migration: { status: 'completed' } });
  switch (transition) {
    case 'setup':
      return fresh;
    case 'steady':
      return steadyPair();
    case 'secondary-failover':
      return pairOf(unreachable(p.name), steadyPair()[s.name]);
    case 'primary-failover':
      return pairOf(steadyPair()[p.name], unreachable(s.name));
    case 'secondary-resume': {
      const fo: PairClassification = { transition: 'secondary-failover', survivor: s.name, dead: p.name, gated: true, reason: '' };
      return pairOf(after(spec, profile, fo, steadyPair(), s.name, alone('secondary')), launched(spec, profile, p, 'secondary', s));
    }
    case 'primary-resume': {
      const fo: PairClassification = { transition: 'primary-failover', survivor: p.name, dead: s.name, gated: true, reason: '' };
      return pairOf(after(spec, profile, fo, steadyPair(), p.name, alone('primary')), launched(spec, profile, s, 'secondary', p));
    }
    default:
      throw new Error(`cannot assume ${transition}`);
  }
}
