import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Session } from '../apply/session.js';
import { executeSteps, StepError } from '../apply/execute.js';
import { Journal } from '../apply/journal.js';
import type { Plan } from '../plan/types.js';
import { connectNode } from '../observe/observe.js';
import { vmPauses } from '../qmp/client.js';
import { renderPlanText, stepText } from '../render/plan-text.js';
import { nodeStatus, renderStatusText, type Checkpoints } from '../render/status-text.js';
import type { Spec } from '../spec/types.js';
import { checkPlanFormat, writePlan } from './commands-offline.js';
import { escapeControls, truncate } from '../spec/display.js';
import { readPlanText } from './read-input.js';
import { checkSavedPlan, savedPlanText } from './saved-plan.js';
import { CliError, type Io } from './io.js';
import { openSession } from './session-open.js';
import { classifyNode } from '../plan/classify.js';
import { failoverSafety } from '../plan/failover-safety.js';
import { count, ms } from './options.js';
import { converged, planLive } from './live-plan.js';
import { loadSpecFile, specWarnings } from './load-file.js';
import { progressPrinter } from './progress.js';

interface Common {
  file?: string;
  color: boolean;
  timeout?: string;
  journal?: string;
}

export async function cmdPlanLive(io: Io, o: Common & { format: string; out?: string; detailedExitcode?: boolean }): Promise<number> {
  checkPlanFormat(o.format);
  if (o.out && o.file === '-') throw new CliError('--out needs -f FILE: a saved plan names the spec file that colo apply reads again', 1, 'BAD_OPTION');
  const timeoutMs = ms(o.timeout, 5000);
  const { spec, path, problems } = await loadSpecFile(o.file!, io, o.color);
  const { plan } = await planLive(spec, timeoutMs);
  plan.warnings.push(...specWarnings(problems));
  writePlan(io, plan, o.format, o.color);
  if (o.out) {
    writeFileSync(resolve(io.cwd, o.out), savedPlanText(plan, spec, path));
    io.stderr.write(`plan saved to ${o.out}: apply it with colo apply ${o.out}\n`);
  }
  if (plan.transition === 'blocked') return 1;
  if (!o.detailedExitcode) return 0;
  return converged(plan) ? 0 : 2;
}

/**
 * QEMU exposes no checkpoint counter: each checkpoint stops and resumes the primary's VM, so the
 * STOP/RESUME events seen on the primary over `sampleMs` are counted, with the pauses they make.
 */
async function sampleCheckpoints(spec: Spec, primary: string, sampleMs: number, timeoutMs: number): Promise<Checkpoints> {
  const client = await connectNode(
    spec.nodes.find((n) => n.name === primary)!,
    { connectTimeoutMs: timeoutMs, commandTimeoutMs: timeoutMs },
  );
  try {
    await new Promise((r) => setTimeout(r, sampleMs));
    const pauses = vmPauses(client.events());
    pauses.sort((a, b) => a - b);
    return {
      node: primary,
      sampleMs,
      count: pauses.length,
      pauseMedianMs: pauses.length ? Math.round(pauses[Math.floor(pauses.length / 2)]) : undefined,
      pauseMaxMs: pauses.length ? Math.round(pauses[pauses.length - 1]) : undefined,
    };
  } finally {
    await client.close();
  }
}

export async function cmdStatus(io: Io, o: Common & { format: string; sample?: string }): Promise<number> {
  if (o.format !== 'text' && o.format !== 'json') throw new CliError(`--format must be text or json, not "${o.format}"`, 1, 'BAD_OPTION');
  const { spec } = await loadSpecFile(o.file!, io, o.color);
  const timeoutMs = ms(o.timeout, 5000);
  const { plan, observed } = await planLive(spec, timeoutMs);
  const nodes = spec.nodes.map((n) => nodeStatus(observed[n.name]));
  const primary = Object.values(observed).find((x) => x.colo?.mode === 'primary')?.name;
  const checkpoints = o.sample && primary ? await sampleCheckpoints(spec, primary, ms(o.sample, 3000, '--sample'), timeoutMs) : undefined;
  if (o.format === 'json')
    io.stdout.write(
      JSON.stringify({ name: spec.name, transition: plan.transition, reason: plan.reason, nodes, ...(checkpoints ? { checkpoints } : {}) }, null, 2) + '\n',
    );
  else io.stdout.write(renderStatusText(spec.name, nodes, plan, o.color, checkpoints));
  return 0;
}

async function confirm(io: Io, plan: Plan): Promise<boolean> {
  if (!io.stdin.isTTY) throw new CliError('refusing to apply without --auto-approve: stdin is not a terminal', 1, 'NEEDS_APPROVAL');
  const rl = createInterface({ input: io.stdin, output: io.stdout as NodeJS.WritableStream });
  try {
    const answer = await rl.question(`Apply these ${plan.steps.length} steps to ${plan.name}? Only "yes" is accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

/** What differs between the saved plan and a fresh one, for the refusal message. */
function whatMoved(saved: Plan, now: Plan): string[] {
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

async function runSteps(io: Io, plan: Plan, session: Session, stopAfter?: number): Promise<void> {
  const started = Date.now();
  const progress = io.stderr.isTTY ? progressPrinter(io) : undefined;
  const ran = await executeSteps(session, plan.steps, {
    stopAfter,
    progress,
    onStep: (i, step, outcome) => {
      progress?.('', 0, 0);
      io.stdout.write(`  ${String(i + 1).padStart(3)}. ${step.node}: ${stepText(step)} … ${outcome}\n`);
    },
  });
  io.stdout.write(`${ran === plan.steps.length ? ran : `${ran} of ${plan.steps.length}`} steps in ${Date.now() - started} ms\n`);
  // what the guest noticed: how long its VM was paused while these steps ran
  for (const [node, pauses] of Object.entries(await session.pauses())) {
    const total = pauses.reduce((a, b) => a + b, 0);
    session.journal.note(node, 'vm-pauses', { pausesMs: pauses, totalMs: Math.round(total) });
    io.stdout.write(`guest on ${node} paused ${pauses.length} time(s), ${Math.round(total)} ms in all (longest ${Math.max(...pauses)} ms)\n`);
  }
}

export async function cmdApply(
  io: Io,
  o: Common & { planFile?: string; autoApprove?: boolean; allowFailover?: boolean; stopAfter?: string; fence?: boolean },
): Promise<number> {
  let saved: (Plan & { spec_file?: string }) | undefined;
  if (o.planFile) {
    const planText = readPlanText(o.planFile, io);
    try {
      saved = JSON.parse(planText);
    } catch (e) {
      throw new CliError(`${o.planFile}: cannot read the saved plan: not JSON (${escapeControls(truncate((e as Error).message))})`, 1, 'PLAN_READ');
    }
    if (saved?.format_version !== 1 || !saved.fingerprint)
      throw new CliError(`${o.planFile}: not a live plan saved by colo plan --out (format_version 1 with a fingerprint)`, 1, 'PLAN_FORMAT');
  }
  const file = o.file ?? saved?.spec_file;
  if (!file) throw new CliError('apply needs -f FILE or a saved PLAN', 1, 'USAGE');
  const timeoutMs = ms(o.timeout, 10000);
  const stopAfter = o.stopAfter !== undefined ? count(o.stopAfter, '--stop-after', 1) : undefined;
  const { spec, problems } = await loadSpecFile(file, io, o.color);
  // before anything is read or locked: a plan of another pair, or of another version of this spec, is refused
  if (saved) checkSavedPlan(saved, spec, o.planFile!);
  const { journal, session, end } = openSession(io, spec, o.journal, timeoutMs);
  try {
    const reads = (node: string, cmd: string, args: unknown, r: Parameters<Journal['qmp']>[3]) => journal.qmp(node, cmd, args, r);
    const live = await planLive(spec, Math.min(timeoutMs, 5000), reads, o.fence !== false);
    let plan = live.plan;
    plan.warnings.push(...specWarnings(problems));
    if (saved) {
      if (saved.fingerprint !== plan.fingerprint) {
        throw new CliError(
          `the saved plan ${o.planFile} is stale: the pair changed since it was made:\n  - ${whatMoved(saved, plan).join('\n  - ')}\nRun colo plan again.`,
          1,
          'STALE_PLAN',
        );
      }
      plan = saved;
    } else {
      io.stdout.write(renderPlanText(plan, o.color));
    }
    if (plan.transition === 'blocked') throw new CliError(`nothing to apply: ${plan.reason}`, 1, 'BLOCKED');
    if (plan.gated && !o.allowFailover) {
      throw new CliError(
        `the plan is a ${plan.transition}; colo fails over only when told to: colo apply --allow-failover, or colo failover -f FILE --survivor NAME`,
        1,
        'FAILOVER_GATED',
      );
    }
    if (plan.failover) {
      const dead = spec.nodes.find((n) => n.name === plan.failover?.dead);
      const safety = dead ? failoverSafety(dead, classifyNode(live.observed[dead.name]), { noFence: o.fence === false }) : undefined;
      if (safety && !safety.ok) throw new CliError(safety.message, 1, safety.code);
      if (safety?.note && dead) journal.note(dead.name, 'no-fence', { reason: safety.note });
    }
    if (plan.steps.length === 0) {
      if (plan.transition === 'degraded') throw new CliError(plan.reason, 1, 'DEGRADED');
      if (!converged(plan)) {
        const left = plan.changes.filter((c) => c.action !== 'unmanaged');
        throw new CliError(
          `nothing apply can do in place:\n${left.map((c) => `  ! ${c.action} ${c.address}: ${c.faultTolerance ?? 'differs from the spec; a relaunch of the node fixes it'}`).join('\n')}`,
          1,
          'BLOCKED_CHANGES',
        );
      }
      io.stdout.write('Nothing to do.\n');
      return 0;
    }
    if (!o.autoApprove && !(await confirm(io, plan))) {
      io.stdout.write('Apply cancelled.\n');
      return 1;
    }
    journal.note('*', 'apply', { transition: plan.transition, steps: plan.steps.length, fingerprint: plan.fingerprint });
    await runSteps(io, plan, session, stopAfter);
    if (stopAfter !== undefined) return 0;
    await session.close();
    const after = await planLive(spec, Math.min(timeoutMs, 5000), reads);
    if (after.plan.steps.length === 0 && after.plan.transition !== 'blocked' && (after.plan.transition !== 'steady' || converged(after.plan))) {
      io.stdout.write(`Converged: ${after.plan.transition === 'steady' ? 'the pair replicates as the spec says' : after.plan.reason}.\n`);
      return 0;
    }
    io.stdout.write(`Not converged: ${after.plan.transition}, ${after.plan.steps.length} step(s) remain:\n`);
    after.plan.steps.forEach((s, i) => io.stdout.write(`  ${i + 1}. ${s.node}: ${stepText(s)} — ${s.description}\n`));
    for (const c of after.plan.changes.filter((x) => x.action !== 'unmanaged'))
      io.stdout.write(`  ${c.action} ${c.address}${c.faultTolerance ? `: ${c.faultTolerance}` : ''}\n`);
    return 1;
  } catch (e) {
    if (e instanceof StepError)
      throw new CliError(`${e.message}\nThe apply stopped there. Run colo plan to see the live state; colo apply continues from it.`, 1, 'STEP_FAILED');
    throw e;
  } finally {
    await end();
  }
}
