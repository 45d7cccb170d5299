/**
 * A saved plan (`colo plan --out`) is applied only to the pair and the spec it was made from: it
 * names its pair (`name`) and carries `specHash`, the hash of the normalised spec (comments and
 * layout do not count, every value does). Two pairs made from one template read alike over QMP, so
 * the live fingerprint alone cannot tell them apart. Pure: the hash is computed at the edge.
 */
import { MAX_TIMER_MS } from '../spec/limits.js';
import type { Spec } from '../spec/types.js';
import type { Plan, Step } from './types.js';

export interface SavedPlanIdentity {
  name?: unknown;
  specHash?: unknown;
  steps?: unknown;
}

/** A value as one stable JSON text: keys sorted at every level, undefined members left out (as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
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
  return JSON.stringify(sort(value)) ?? 'undefined';
}

/** The spec as one stable text: keys sorted at every level, so one spec always hashes alike. */
export function canonicalSpecText(spec: Spec): string {
  return canonicalJson(spec);
}

const stepName = (s: Partial<Step> | undefined): string => {
  if (!s || typeof s !== 'object') return 'no step';
  const what = s.kind === 'qmp' ? s.execute : s.kind === 'wait' ? `wait ${s.wait}` : s.kind === 'hook' ? `hook ${s.hook}` : s.kind;
  return `${String(s.node)}: ${String(what)}`;
};

/**
 * How a saved plan differs from the plan made fresh from the same spec and the same live state, or
 * undefined when it is the same. apply runs only what colo plans: the fingerprint says the live state
 * is the one the plan was made from, so a genuine plan file always equals the fresh plan; one that
 * differs (a transition, `gated`, the failover, or any step edited: a heartbeat loss sent to the
 * secondary, a migration to an `exec:` URI) was edited and is refused.
 */
export function savedPlanDiffers(saved: Pick<Plan, 'transition' | 'gated' | 'failover' | 'steps'>, fresh: Plan): string | undefined {
  if (saved.transition !== fresh.transition) return `its transition is ${JSON.stringify(saved.transition)}, colo plans ${JSON.stringify(fresh.transition)}`;
  if (saved.gated !== fresh.gated) return `it says gated: ${String(saved.gated)}, colo plans gated: ${String(fresh.gated)}`;
  if (canonicalJson(saved.failover) !== canonicalJson(fresh.failover))
    return `its failover is ${canonicalJson(saved.failover)}, colo plans ${canonicalJson(fresh.failover)}`;
  const steps = Array.isArray(saved.steps) ? saved.steps : [];
  const n = Math.max(steps.length, fresh.steps.length);
  for (let i = 0; i < n; i++)
    if (canonicalJson(steps[i]) !== canonicalJson(fresh.steps[i]))
      return `step ${i + 1} (${stepName(steps[i])}) is not the step colo plans there (${stepName(fresh.steps[i])})`;
  return undefined;
}

/** Why a saved plan must not be applied with this spec, or undefined when it was made from it. */
export function savedPlanMismatch(
  saved: SavedPlanIdentity,
  spec: Spec,
  hash: string,
): { code: 'PLAN_FORMAT' | 'PLAN_SPEC_MISMATCH'; message: string } | undefined {
  if (typeof saved.name !== 'string' || typeof saved.specHash !== 'string')
    return { code: 'PLAN_FORMAT', message: 'it names no pair or carries no specHash (saved by an older colo?): run colo plan --out again' };
  if (saved.name !== spec.name)
    return {
      code: 'PLAN_SPEC_MISMATCH',
      message: `it was made for pair ${JSON.stringify(saved.name)}, and the spec is pair ${JSON.stringify(spec.name)}: apply a plan only to its own pair`,
    };
  if (saved.specHash !== hash)
    return {
      code: 'PLAN_SPEC_MISMATCH',
      message: `the spec of pair ${spec.name} changed since the plan was made (specHash differs): run colo plan --out again and review it`,
    };
  const steps = savedStepsMismatch(saved.steps, spec);
  if (steps) return { code: 'PLAN_SPEC_MISMATCH', message: `${steps}: the plan file was edited or made by another colo; run colo plan --out again` };
  return undefined;
}

const sameArgv = (a: unknown, b: readonly string[]) => Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The commands a saved plan would run on this machine, checked against the spec it names: a hook
 * step runs one of the spec's hooks, a fence step the fenced node's fence, as the spec writes them;
 * every timeout a timer can wait. A plan file is data: an edited one must not run a command, or
 * wait a time, that no spec declared (`colo plan` shows exactly what apply does).
 */
export function savedStepsMismatch(steps: unknown, spec: Spec): string | undefined {
  if (!Array.isArray(steps)) return 'it has no list of steps';
  const hooks = [...spec.hooks.afterFailover, ...spec.hooks.beforeResume];
  for (const [i, step] of steps.entries()) {
    const s = step as { kind?: unknown; hook?: unknown; node?: unknown; run?: unknown; timeoutMs?: unknown };
    const at = `step ${i + 1}`;
    if (!['qmp', 'wait', 'hook', 'fence'].includes(s?.kind as string)) return `${at} is of no kind colo runs`;
    if (s.timeoutMs !== undefined && !(Number.isInteger(s.timeoutMs) && (s.timeoutMs as number) >= 1 && (s.timeoutMs as number) <= MAX_TIMER_MS))
      return `${at} waits ${JSON.stringify(s.timeoutMs)} ms, which no timer can`;
    if (s.kind === 'hook' && !hooks.some((h) => h.name === s.hook && sameArgv(s.run, h.run) && h.timeoutMs === s.timeoutMs))
      return `${at} runs hook ${JSON.stringify(s.hook)} as the spec does not write it`;
    if (s.kind === 'fence') {
      const node = spec.nodes.find((n) => n.name === s.node);
      if (!node?.fence || !sameArgv(s.run, node.fence.run) || node.fence.timeoutMs !== s.timeoutMs)
        return `${at} fences ${JSON.stringify(s.node)} with a command the spec does not give it`;
    }
  }
  return undefined;
}
