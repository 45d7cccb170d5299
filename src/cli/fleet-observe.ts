import { semaphore } from '../fleet/pool.js';
import { fingerprint, observeNode, type NodeReading } from '../observe/observe.js';
import { buildPlan } from '../plan/build-plan.js';
import type { Spec } from '../spec/types.js';
import { liveProfile, type LivePlan } from './live-plan.js';

/**
 * planLive for many pairs: every node of every pair is observed at once, at most `parallel`
 * nodes at a time (one QMP connection each); each pair is planned as soon as its two nodes are read,
 * as planLive plans one pair.
 */
export function fleetPlanner(parallel: number, timeoutMs: number) {
  const slot = semaphore(parallel);
  return async (spec: Spec): Promise<LivePlan> => {
    const list: NodeReading[] = await Promise.all(spec.nodes.map((n) => slot(() => observeNode(n, { timeoutMs }))));
    const readings = Object.fromEntries(list.map((r) => [r.observed.name, r]));
    const observed = Object.fromEntries(list.map((r) => [r.observed.name, r.observed]));
    const profile = liveProfile(spec, observed);
    const plan = buildPlan(spec, profile, observed, { mode: 'live', fingerprint: fingerprint(observed), fence: true });
    return { plan, observed, readings, profile };
  };
}
