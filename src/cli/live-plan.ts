import { formatVersion, profileFor, type Profile } from '../model/profile.js';
import { buildPlan } from '../plan/build-plan.js';
import type { ObservedNode, Plan } from '../plan/types.js';
import type { Spec } from '../spec/types.js';
import { fingerprint, observePair, type NodeReading, type ObserveOptions } from '../observe/observe.js';
import { specProfile } from './load-file.js';

export interface LivePlan {
  plan: Plan;
  observed: Record<string, ObservedNode>;
  readings: Record<string, NodeReading>;
  profile: Profile;
}

/** The profile of the QEMU that answered (query-version), else the spec's. */
export function liveProfile(spec: Spec, observed: Record<string, ObservedNode>): Profile {
  const versions = Object.values(observed).filter((o) => o.version);
  if (!versions.length) return specProfile(spec);
  const profile = profileFor(versions[0].version!, spec.qemu.accel);
  const distinct = new Set(versions.map((o) => formatVersion(o.version!)));
  if (distinct.size > 1) profile.warnings.push(`the nodes run different QEMU versions (${versions.map((o) => `${o.name} ${formatVersion(o.version!)}`).join(', ')}): COLO needs the same on both`);
  return profile;
}

/** Observe both nodes in parallel and plan from what is there. */
export async function planLive(spec: Spec, timeoutMs: number, onResult?: ObserveOptions['onResult']): Promise<LivePlan> {
  const readings = await observePair(spec, { timeoutMs, onResult });
  const observed = Object.fromEntries(Object.entries(readings).map(([k, r]) => [k, r.observed]));
  const profile = liveProfile(spec, observed);
  const plan = buildPlan(spec, profile, observed, { mode: 'live', fingerprint: fingerprint(observed) });
  return { plan, observed, readings, profile };
}

/** A plan that leaves nothing to do. */
export function converged(plan: Plan): boolean {
  return plan.transition === 'steady' && plan.steps.length === 0 && plan.changes.every((c) => c.action === 'unmanaged');
}
