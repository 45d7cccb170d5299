// apply: carry out the plan (from the spec, or a saved plan that still holds) on the live pair, and
// read the pair again. The CLI's `colo apply` and the fleet's use this; it returns what happened as
// a typed result (the commands render it), refusals as ColoError with their code.
import { mergeDiagnostics, type Diagnostic } from '../model/diagnostic.js';
import { executeSteps, StepError, type ExecuteOptions } from '../apply/execute.js';
import type { Plan } from '../plan/types.js';
import type { Spec } from '../spec/types.js';
import { ColoError, type OpEnv } from './errors.js';
import { checkFailover } from './failover.js';
import { converged, planOver, untouchedProps } from './live.js';
import { checkSavedPlan, checkSavedSteps, type SavedPlan } from './saved-plan.js';
import { openSession } from './session.js';
import { trace } from '../sys/trace.js';

export interface ApplyInput {
  /** the saved plan and its file name; its fingerprint must match the live state */
  saved?: { plan: SavedPlan; file: string };
  /** QMP bound per command (ms); reads take at most 5 s of it */
  timeoutMs: number;
  /** testing: stop after N steps, as if the process died there */
  stopAfter?: number;
  /** let apply run a failover the plan proposes */
  allowFailover?: boolean;
  /** false: a failover does not run the dead node's fence command (journaled) */
  fence?: boolean;
  journal?: string;
  /** the spec's warnings, added to the plan's */
  warnings?: Diagnostic[];
  /** the plan made from the live state, before any refusal (not called for a saved plan) */
  onPlan?(plan: Plan): void;
  /** asked before the first step; undefined: approved */
  confirm?(plan: Plan): Promise<boolean>;
  onStep?: ExecuteOptions['onStep'];
  progress?: ExecuteOptions['progress'];
}

interface Ran {
  plan: Plan;
  /** steps run, of plan.steps.length */
  ran: number;
  ms: number;
  /** the guest's pauses on each node while the steps ran (ms) */
  pauses: Record<string, number[]>;
}

export type ApplyResult =
  | { outcome: 'nothing-to-do'; plan: Plan }
  | { outcome: 'cancelled'; plan: Plan }
  /** --stop-after ended it early */
  | ({ outcome: 'stopped' } & Ran)
  /** read again after the steps: `after` is the plan from the live state then */
  | ({ outcome: 'converged' | 'not-converged'; after: Plan } & Ran);

/** What differs between the saved plan and a fresh one, for the refusal message. */
export function whatMoved(saved: Plan, now: Plan): string[] {
  const out: string[] = [];
  if (saved.transition !== now.transition) out.push(`transition ${saved.transition} → ${now.transition}`);
  for (const [name, n] of Object.entries(now.nodes)) {
    const before = saved.nodes[name];
    if (before && before.state !== n.state) out.push(`${name}: ${before.state} → ${n.state}`);
  }
  const key = (c: Plan['changes'][number]) => `${c.action} ${c.address}`;
  const was = new Set(saved.changes.map(key));
  const is = new Set(now.changes.map(key));
  for (const k of is) if (!was.has(k)) out.push(`new change: ${k}`);
  for (const k of was) if (!is.has(k)) out.push(`no longer needed: ${k}`);
  return out.length ? out : ['the live state read differently (resources changed)'];
}

/** After the steps, the pair as the spec says (a failover or a degraded pair: its own transition, nothing left). */
export function hasConverged(after: Plan): boolean {
  return after.steps.length === 0 && after.transition !== 'blocked' && (after.transition !== 'steady' || converged(after));
}

function refuseNothing(plan: Plan): void {
  if (plan.transition === 'degraded') throw new ColoError(plan.reason, 1, 'DEGRADED');
  if (!converged(plan)) {
    const left = plan.changes.filter((c) => c.action !== 'unmanaged');
    throw new ColoError(
      `nothing apply can do in place:\n${left.map((c) => `  ! ${c.action} ${c.address}: ${c.faultTolerance ?? 'differs from the spec; a relaunch of the node fixes it'}`).join('\n')}`,
      1,
      'BLOCKED_CHANGES',
    );
  }
}

/** Plan from the live state, check it may run, run its steps under the pair's lock, read again. */
export async function apply(env: OpEnv, spec: Spec, o: ApplyInput): Promise<ApplyResult> {
  // before anything is read or locked: a plan of another pair, or of another version of this spec, is refused
  trace('apply: spec read');
  if (o.saved) checkSavedPlan(o.saved.plan, spec, o.saved.file);
  const { journal, session, end } = await openSession(env, spec, o.journal, o.timeoutMs);
  try {
    const readMs = Math.min(o.timeoutMs, 5000);
    // read over the session's connections (journaled by it), kept for the steps and the read after them
    const live = await planOver(spec, session, { timeoutMs: readMs, fence: o.fence !== false });
    const plan = live.plan;
    trace(`apply: read and planned, ${plan.steps.length} steps`);
    plan.warnings = mergeDiagnostics(plan.warnings, o.warnings ?? []);
    if (o.saved) {
      if (o.saved.plan.fingerprint !== plan.fingerprint) {
        throw new ColoError(
          `the saved plan ${o.saved.file} is stale: the pair changed since it was made:\n  - ${whatMoved(o.saved.plan, plan).join('\n  - ')}\nRun colo plan again.`,
          1,
          'STALE_PLAN',
        );
      }
      // the fresh plan runs, and only when the file says the same: an edited transition, gated, failover or step is refused
      checkSavedSteps(o.saved.plan, plan, o.saved.file);
    } else o.onPlan?.(plan);
    if (plan.transition === 'blocked') throw new ColoError(`nothing to apply: ${plan.reason}`, 1, 'BLOCKED');
    if (plan.gated && !o.allowFailover) {
      throw new ColoError(
        `the plan is a ${plan.transition}; colo fails over only when told to: colo apply --allow-failover, or colo failover -f FILE --survivor NAME`,
        1,
        'FAILOVER_GATED',
      );
    }
    if (plan.failover) {
      const dead = plan.failover.dead;
      const safety = checkFailover(spec, dead, live.observed[dead], { noFence: o.fence === false });
      if (safety.note) journal.note(dead, 'no-fence', { reason: safety.note });
    }
    if (plan.steps.length === 0) {
      refuseNothing(plan);
      return { outcome: 'nothing-to-do', plan };
    }
    if (o.confirm) {
      // no monitor held while a person answers (for as long as they take): the steps connect again
      await session.releaseMonitors();
      if (!(await o.confirm(plan))) return { outcome: 'cancelled', plan };
    }
    journal.note('*', 'apply', { transition: plan.transition, steps: plan.steps.length, fingerprint: plan.fingerprint });
    const started = Date.now();
    let ran: number;
    try {
      ran = await executeSteps(session, plan.steps, { stopAfter: o.stopAfter, progress: o.progress, onStep: o.onStep });
    } catch (e) {
      if (e instanceof StepError)
        throw new ColoError(`${e.message}\nThe apply stopped there. Run colo plan to see the live state; colo apply continues from it.`, 1, 'STEP_FAILED');
      throw e;
    }
    const ms = Date.now() - started;
    trace('apply: steps done');
    // what the guest noticed: how long its VM was paused while these steps ran
    const pauses = await session.pauses();
    for (const [node, list] of Object.entries(pauses))
      journal.note(node, 'vm-pauses', { pausesMs: list, totalMs: Math.round(list.reduce((a, b) => a + b, 0)) });
    if (o.stopAfter !== undefined) return { outcome: 'stopped', plan, ran, ms, pauses };
    trace('apply: pauses read');
    // the objects' properties the steps cannot have changed are not read again (one burst less per
    // colo-compare node); all of them after a confirmation, which let the monitors go while a person answered
    const known = o.confirm ? undefined : untouchedProps(live.readings, plan.steps.slice(0, ran));
    const after = (await planOver(spec, session, { timeoutMs: readMs, known })).plan;
    trace('apply: read after');
    return { outcome: hasConverged(after) ? 'converged' : 'not-converged', plan, ran, ms, pauses, after };
  } finally {
    await end();
  }
}
