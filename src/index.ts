/** The library entry: the pure core and the edges, for scripts and benchmarks. */
export { loadSpec } from './spec/load.js';
export type { Spec } from './spec/types.js';
export { parseVersion, profileFor, recordedProfile } from './model/profile.js';
export { chooseProfile, specProfile } from './plan/choose-profile.js';
export { nodeArgs } from './model/argv.js';
export { buildPlan } from './plan/build-plan.js';
export { assumeObserved } from './plan/assume.js';
export type { Plan, Step } from './plan/types.js';
export { observePair, observeNode } from './observe/observe.js';
export { fingerprint } from './ops/fingerprint.js';
export { QmpClient } from './qmp/client.js';
export { run } from './cli/cli.js';
