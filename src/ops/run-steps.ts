// Run a plan's steps under the pair's lock, journaled: what the OCF agent does for a join (setup,
// resume) or to let the guest run alone, as apply does for a whole plan.
import { executeSteps, StepError } from '../apply/execute.js';
import type { Step } from '../plan/types.js';
import type { Spec } from '../spec/types.js';
import { ColoError, type OpEnv } from './errors.js';
import { openSession } from './session.js';

export interface RunStepsInput {
  /** journaled as the action that ran them */
  what: string;
  /** the node the journal note is about */
  node: string;
  timeoutMs: number;
  journal?: string;
  /** wait for the pair's lock until then (epoch ms) */
  lockUntil?: number;
}

/** Runs `steps` in order; resolves to how long they took (ms); a failed step is STEP_FAILED with QEMU's text. */
export async function runSteps(env: OpEnv, spec: Spec, steps: Step[], o: RunStepsInput): Promise<number> {
  const { journal, session, end } = await openSession(env, spec, o.journal, o.timeoutMs, o.lockUntil);
  const started = Date.now();
  try {
    journal.note(o.node, o.what, { steps: steps.length });
    await executeSteps(session, steps);
    return Date.now() - started;
  } catch (e) {
    if (e instanceof StepError) throw new ColoError(`${o.what}: ${e.message}`, 1, 'STEP_FAILED');
    throw e;
  } finally {
    await end();
  }
}
