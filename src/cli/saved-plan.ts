import { createHash } from 'node:crypto';
import type { Plan } from '../plan/types.js';
import { canonicalSpecText, savedPlanMismatch } from '../plan/saved-plan.js';
import type { Spec } from '../spec/types.js';
import { CliError } from './io.js';

/** sha256 of the normalised spec: what a saved plan was made from. */
export function specHash(spec: Spec): string {
  return 'sha256:' + createHash('sha256').update(canonicalSpecText(spec)).digest('hex');
}

/** The JSON `colo plan --out` writes: the plan, the spec file colo apply reads again, and the spec's hash. */
export function savedPlanText(plan: Plan, spec: Spec, specFile: string): string {
  return JSON.stringify({ ...plan, spec_file: specFile, spec_hash: specHash(spec) }, null, 2) + '\n';
}

/** Refuses a saved plan made for another pair or from another version of the spec. */
export function checkSavedPlan(saved: { name?: unknown; spec_hash?: unknown; steps?: unknown }, spec: Spec, planFile: string): void {
  const why = savedPlanMismatch(saved, spec, specHash(spec));
  if (why) throw new CliError(`the saved plan ${planFile} does not fit this spec: ${why.message}`, 1, why.code);
}
