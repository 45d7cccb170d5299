import { isFence, isHook, isQmp, isWait, type Effect, type Step } from '../plan/types.js';
import { QmpError, QmpTimeoutError, type QmpClient } from '../qmp/client.js';
import { stepText } from '../plan/step-text.js';
import { runHook } from './hooks.js';
import type { Session } from './session.js';
import { waitFor, type Progress } from './wait.js';
import { trace } from '../sys/trace.js';

/** A step failed: which node, which step, and QEMU's own text. */
export class StepError extends Error {
  constructor(
    readonly node: string,
    readonly index: number,
    readonly step: Step,
    readonly detail: string,
  ) {
    super(`step ${index + 1} on ${node} failed: ${stepText(step)}\n  ${detail}`);
  }
}

export interface ExecuteOptions {
  onStep?: (index: number, step: Step, outcome: string) => void;
  progress?: Progress;
  /** testing: stop after this many steps, as if the process died there */
  stopAfter?: number;
  env?: NodeJS.ProcessEnv;
}

/** HMP answers success with nothing (drive_add -n, drive_del); any text is QEMU's error. */
function hmpError(line: string, out: string): string | undefined {
  return out.trim() && !/^info\b/.test(line) ? out.trim() : undefined;
}

/** Reads back what a step was for. */
async function effectHolds(client: QmpClient, effect: Effect): Promise<boolean> {
  const nodes = await client.execute('query-named-block-nodes');
  return !nodes.some((n) => n['node-name'] === effect.id);
}

/** Waits for the events a command set off, in order, from `since`; a timeout is reported, not thrown. */
async function awaitEvents(client: QmpClient, want: { events: string[]; timeoutMs: number }, since: number): Promise<string> {
  const deadline = Date.now() + want.timeoutMs;
  let from = since;
  for (const name of want.events) {
    const left = deadline - Date.now();
    if (left <= 0) return `ok; ${name} not seen within ${want.timeoutMs} ms`;
    try {
      await client.waitForEvent(name, () => true, { timeoutMs: left, since: from });
    } catch {
      return `ok; ${name} not seen within ${want.timeoutMs} ms`;
    }
    const i = client.events().findIndex((e, k) => k >= from && e.event === name);
    from = i < 0 ? client.events().length : i + 1;
  }
  return `ok; ${want.events.join(' → ')} seen`;
}

/** Runs the steps in order; the first failure stops everything with a StepError. Returns how many ran. */
export async function executeSteps(session: Session, steps: Step[], opts: ExecuteOptions = {}): Promise<number> {
  for (let i = 0; i < steps.length; i++) {
    if (opts.stopAfter !== undefined && i >= opts.stopAfter) return i;
    const step = steps[i];
    let outcome = 'ok';
    try {
      if (isQmp(step)) {
        const client = await session.client(step.node);
        const since = client.events().length;
        try {
          const out = await client.execute(step.execute, step.arguments);
          if (step.execute === 'human-monitor-command') {
            const err = hmpError(String(step.arguments?.['command-line']), String(out ?? ''));
            if (err) throw new StepError(step.node, i, step, `QEMU: ${err}`);
          }
        } catch (e) {
          if (e instanceof QmpError && step.alreadyDone && e.desc.includes(step.alreadyDone)) outcome = `already done (${e.desc})`;
          else if ((e instanceof QmpError || e instanceof StepError) && step.effect && (await effectHolds(client, step.effect))) {
            // QEMU reported an error, but what the step is for happened (11.1: drive_del of a child whose NBD peer died)
            const text = e instanceof QmpError ? e.desc : e.detail;
            session.journal.note(step.node, 'effect-despite-error', { command: step.execute, arguments: step.arguments, qemu: text });
            outcome = `done, although QEMU said: ${text.split('\n')[0]}`;
          } else throw e;
        }
        if (step.awaitEvents && outcome === 'ok') outcome = await awaitEvents(client, step.awaitEvents, since);
      } else if (isWait(step)) {
        outcome = await waitFor(await session.client(step.node), step, opts.progress);
      } else if (isFence(step)) {
        // no monitor held while a program runs for as long as it takes (a fence, a hook)
        await session.releaseMonitors();
        const r = await runHook(step, opts.env ?? process.env);
        session.journal.note(step.node, 'fence', { run: step.run, code: r.code, output: r.output.slice(-2000), ...(r.error ? { error: r.error } : {}) });
        if (r.error) throw new StepError(step.node, i, step, `${r.error}. The survivor did not take over: ${step.node} may still run the guest`);
        outcome = `fenced (exit ${r.code})`;
      } else if (isHook(step)) {
        await session.releaseMonitors();
        const r = await runHook(step, opts.env ?? process.env);
        session.journal.hook(step.node, step.hook, step.run, r);
        if (r.error) throw new StepError(step.node, i, step, r.error);
        outcome = `exit ${r.code}`;
      }
    } catch (e) {
      if (e instanceof StepError) throw e;
      const detail =
        e instanceof QmpError
          ? `QEMU: ${e.desc} (${e.errorClass})`
          : e instanceof QmpTimeoutError
            ? `no answer within ${e.timeoutMs} ms: ${e.message}`
            : (e as Error).message;
      throw new StepError(step.node, i, step, detail);
    }
    trace(`step ${i + 1} ${step.node} ${isQmp(step) ? step.execute : isWait(step) ? `wait ${step.wait}` : 'run'}: ${outcome}`);
    opts.onStep?.(i, step, outcome);
  }
  return steps.length;
}
