// A plan saved by `colo plan --out`, read back for `colo apply PLAN`: capped, parsed, and checked
// against schemas/plan.schema.json before anything uses it as a plan.
import { escapeControls, truncate } from '../spec/display.js';
import type { SavedPlan } from './apply.js';
import { ColoError, type OpEnv } from './errors.js';
import { validate } from './plan-validator.generated.js';
import { readPlanText } from './read-spec.js';
import { FORMAT_VERSION } from '../model/diagnostic.js';

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
