import type { Profile } from '../model/profile.js';
import type { ObservedNode } from '../model/observed.js';
import { buildPlan } from '../plan/build-plan.js';
import { chooseProfile } from '../plan/choose-profile.js';
import type { Plan } from '../plan/types.js';
import type { Spec } from '../spec/types.js';
import { fingerprint, observePair, type NodeReading, type ObserveOptions } from '../observe/observe.js';
import { CliError } from './io.js';

export { converged } from '../plan/converged.js';

export interface LivePlan {
  plan: Plan;
  observed: Record<string, ObservedNode>;
  readings: Record<string, NodeReading>;
  profile: Profile;
}

/** The profile of the QEMU that answered (its schema), else the spec's; a pair that cannot replicate is an error. */
export function liveProfile(spec: Spec, observed: Record<string, ObservedNode>): Profile {
  const choice = chooseProfile(spec, observed);
  if (!choice.ok) throw new CliError(choice.message, 1, choice.code);
  return choice.profile;
}

/** Observe both nodes in parallel and plan from what is there. */
export async function planLive(spec: Spec, timeoutMs: number, onResult?: ObserveOptions['onResult'], fence = true): Promise<LivePlan> {
  const readings = await observePair(spec, { timeoutMs, onResult });
  const observed = Object.fromEntries(Object.entries(readings).map(([k, r]) => [k, r.observed]));
  const profile = liveProfile(spec, observed);
  const plan = buildPlan(spec, profile, observed, { mode: 'live', fingerprint: fingerprint(observed), fence });
  return { plan, observed, readings, profile };
}
