import { buildPlan } from '../plan/build-plan.js';
import { peerOf } from '../model/node-role.js';
import { executeSteps, StepError } from '../apply/execute.js';
import { observeNode, readNode, unreachableFrom } from '../observe/observe.js';
import { classifyNode } from '../plan/classify.js';
import { failoverSafety } from '../plan/failover-safety.js';
import { stepText } from '../render/step-text.js';
import { CliError, type Io } from './io.js';
import { liveProfile } from './live-plan.js';
import { loadSpecFile, nodeOrFail } from './load-file.js';
import { ms } from './options.js';
import { openSession } from './session-open.js';

/** The fast path: read the survivor once, fail over, no confirmation, the dead node is not contacted. */
export async function cmdFailover(
  io: Io,
  o: { file: string; survivor: string; color: boolean; timeout?: string; peerTimeout?: string; journal?: string; force?: boolean; fence?: boolean },
): Promise<number> {
  const started = Date.now();
  const { spec } = await loadSpecFile(o.file, io, o.color);
  const survivor = nodeOrFail(spec, o.survivor);
  const dead = peerOf(spec, survivor.name);
  const timeoutMs = ms(o.timeout, 5000);
  // the other node, read while the survivor is: a failover away from a live node makes two guests
  const peerRead = observeNode(dead, { timeoutMs: ms(o.peerTimeout, 1000, '--peer-timeout'), objectProps: false, hangConfirmMs: 0 });
  const { journal, session, end } = openSession(io, spec, o.journal, timeoutMs);
  try {
    let client;
    try {
      client = await session.client(survivor.name);
    } catch (e) {
      const u = unreachableFrom(survivor.name, e, timeoutMs);
      throw new CliError(`survivor ${survivor.name} is ${u.reach}: ${u.error}`, 1, 'SURVIVOR_UNREACHABLE');
    }
    let reading;
    try {
      reading = await readNode(survivor.name, client, { timeoutMs, objectProps: false, hangConfirmMs: 0 });
    } catch (e) {
      const u = unreachableFrom(survivor.name, e, timeoutMs);
      throw new CliError(`survivor ${survivor.name} stopped answering while it was read: ${u.error}`, 1, 'SURVIVOR_UNREACHABLE');
    }
    const peer = (await peerRead).observed;
    const safety = failoverSafety(dead, classifyNode(peer), { force: o.force, noFence: o.fence === false });
    if (!safety.ok) throw new CliError(safety.message, 1, safety.code);
    if (safety.note) journal.note(dead.name, 'no-fence', { reason: safety.note });
    const observed = {
      [survivor.name]: reading.observed,
      [dead.name]: {
        name: dead.name,
        reach: 'unreachable' as const,
        error: `declared dead by colo failover (it was ${classifyNode(peer).class})`,
        resources: {},
        jobs: [],
      },
    };
    const plan = buildPlan(spec, liveProfile(spec, { [survivor.name]: reading.observed }), observed, { mode: 'live', fence: safety.fence });
    if (plan.transition === 'degraded' && plan.steps.length === 0) {
      io.stdout.write(`${survivor.name} already runs alone (COLO mode none): nothing to fail over.\n`);
      return 0;
    }
    if (plan.transition !== 'secondary-failover' && plan.transition !== 'primary-failover' && plan.transition !== 'degraded') {
      throw new CliError(`${survivor.name} is ${plan.nodes[survivor.name].state}: no failover applies (${plan.reason})`, 1, 'NO_FAILOVER');
    }
    journal.note(survivor.name, 'failover', { transition: plan.transition, dead: dead.name });
    await executeSteps(session, plan.steps, {
      onStep: (i, step, outcome) => io.stdout.write(`  ${String(i + 1).padStart(3)}. ${step.node}: ${stepText(step)} … ${outcome}\n`),
    });
    io.stdout.write(
      `${plan.transition}: ${survivor.name} runs alone, ${plan.steps.length} steps in ${Date.now() - started} ms. Launch a new secondary and apply to resume.\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof StepError) throw new CliError(e.message, 1, 'STEP_FAILED');
    throw e;
  } finally {
    await end();
  }
}
