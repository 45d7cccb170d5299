// plan offline: what it takes to bring two fresh nodes (or an assumed transition) to the spec, without QEMU.
import { assumeObserved } from '../plan/assume.js';
import { buildPlan } from '../plan/build-plan.js';
import { specProfile } from '../plan/choose-profile.js';
import type { Plan, Transition } from '../plan/types.js';
import type { Spec } from '../spec/types.js';

export function offlinePlan(spec: Spec, transition: Transition): Plan {
  const profile = specProfile(spec);
  return buildPlan(spec, profile, assumeObserved(spec, profile, transition), { mode: 'offline' });
}
