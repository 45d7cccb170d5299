/**
 * A saved plan (`colo plan --out`) is applied only to the pair and the spec it was made from: it
 * names its pair (`name`) and carries `spec_hash`, the hash of the normalised spec (comments and
 * layout do not count, every value does). Two pairs made from one template read alike over QMP, so
 * the live fingerprint alone cannot tell them apart. Pure: the hash is computed at the edge.
 */
import type { Spec } from '../spec/types.js';

export interface SavedPlanIdentity {
  name?: unknown;
  spec_hash?: unknown;
}

/** The spec as one stable text: keys sorted at every level, so one spec always hashes alike. */
export function canonicalSpecText(spec: Spec): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return JSON.stringify(sort(spec));
}

/** Why a saved plan must not be applied with this spec, or undefined when it was made from it. */
export function savedPlanMismatch(
  saved: SavedPlanIdentity,
  spec: Spec,
  specHash: string,
): { code: 'PLAN_FORMAT' | 'PLAN_SPEC_MISMATCH'; message: string } | undefined {
  if (typeof saved.name !== 'string' || typeof saved.spec_hash !== 'string')
    return { code: 'PLAN_FORMAT', message: 'it names no pair or carries no spec_hash (saved by an older colo?): run colo plan --out again' };
  if (saved.name !== spec.name)
    return {
      code: 'PLAN_SPEC_MISMATCH',
      message: `it was made for pair ${JSON.stringify(saved.name)}, and the spec is pair ${JSON.stringify(spec.name)}: apply a plan only to its own pair`,
    };
  if (saved.spec_hash !== specHash)
    return {
      code: 'PLAN_SPEC_MISMATCH',
      message: `the spec of pair ${spec.name} changed since the plan was made (spec_hash differs): run colo plan --out again and review it`,
    };
  return undefined;
}
