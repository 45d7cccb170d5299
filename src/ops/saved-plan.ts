// A plan saved by `colo plan --out`, read back for `colo apply PLAN`: capped, parsed, and checked
// against schemas/plan.schema.json before anything uses it as a plan; then bound to its pair and
// spec (name, specHash, the hooks and fences it runs: plan/saved-plan.ts) before anything is read.
import { createHash } from 'node:crypto';
import { canonicalSpecText, savedPlanDiffers, savedPlanMismatch } from '../plan/saved-plan.js';
import type { Plan } from '../plan/types.js';
import { escapeControls, truncate } from '../spec/display.js';
import type { Spec } from '../spec/types.js';
import { ColoError, type OpEnv } from './errors.js';
import { validate } from './plan-validator.generated.js';
import { readPlanText } from './read-spec.js';
import { FORMAT_VERSION } from '../model/diagnostic.js';

/** A plan saved by `colo plan --out`: the plan, the spec file apply reads again, the spec's hash. */
export type SavedPlan = Plan & { specFile?: string; specHash?: string };

interface SchemaError {
  instancePath: string;
  message?: string;
}

/** The saved plan in FILE, or an error: PLAN_READ (cannot read, not JSON), PLAN_FORMAT (not a live plan of this format). */
export function readSavedPlan(file: string, env: OpEnv): SavedPlan {
  const text = readPlanText(file, env);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ColoError(`${file}: cannot read the saved plan: not JSON (${escapeControls(truncate((e as Error).message))})`, 1, 'PLAN_READ');
  }
  const d = doc as { format_version?: unknown; fingerprint?: unknown } | null;
  if (d?.format_version === 1) throw new ColoError(`${file}: a plan saved by an older colo (format_version 1): run colo plan --out again`, 1, 'PLAN_FORMAT');
  if (d?.format_version !== FORMAT_VERSION || !d.fingerprint)
    throw new ColoError(`${file}: not a live plan saved by colo plan --out (format_version ${FORMAT_VERSION} with a fingerprint)`, 1, 'PLAN_FORMAT');
  if ((doc as { mode?: unknown }).mode !== 'live')
    throw new ColoError(`${file}: not a live plan saved by colo plan --out (mode "live" with a fingerprint)`, 1, 'PLAN_FORMAT');
  if (!validate(doc)) {
    const errors = ((validate as unknown as { errors?: SchemaError[] }).errors ?? []).slice(0, 3);
    const said = errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
    throw new ColoError(`${file}: not a live plan saved by colo plan --out: ${escapeControls(truncate(said))}`, 1, 'PLAN_FORMAT');
  }
  return doc as SavedPlan;
}

/** sha256 of the normalised spec: what a saved plan was made from. */
export function specHash(spec: Spec): string {
  return 'sha256:' + createHash('sha256').update(canonicalSpecText(spec)).digest('hex');
}

/** The JSON `colo plan --out` writes: the plan, the spec file colo apply reads again, and the spec's hash. */
export function savedPlanText(plan: Plan, spec: Spec, specFile: string): string {
  return JSON.stringify({ ...plan, specFile, specHash: specHash(spec) }, null, 2) + '\n';
}

/** Refuses a saved plan made for another pair or from another version of the spec (PLAN_SPEC_MISMATCH, PLAN_FORMAT). */
export function checkSavedPlan(saved: { name?: unknown; specHash?: unknown; steps?: unknown }, spec: Spec, planFile: string): void {
  const why = savedPlanMismatch(saved, spec, specHash(spec));
  if (why) throw new ColoError(`the saved plan ${planFile} does not fit this spec: ${why.message}`, 1, why.code);
}

/** Refuses a saved plan that is not the plan colo makes now from the same spec and live state (PLAN_SPEC_MISMATCH): an edited file. */
export function checkSavedSteps(saved: Plan, fresh: Plan, planFile: string): void {
  const why = savedPlanDiffers(saved, fresh);
  if (why)
    throw new ColoError(
      `the saved plan ${planFile} is not the plan colo makes from this spec and live state: ${escapeControls(truncate(why))}: the plan file was edited or made by another colo; run colo plan --out again`,
      1,
      'PLAN_SPEC_MISMATCH',
    );
}
