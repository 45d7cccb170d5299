// colo plan (live), colo status, colo apply: options parsed, the operation run, its result rendered.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Plan } from '../plan/types.js';
import { apply, type ApplyResult } from '../ops/apply.js';
import { converged, planLive } from '../ops/live.js';
import { readSavedPlan, savedPlanText } from '../ops/saved-plan.js';
import { status } from '../ops/status.js';
import { renderPlanText, stepText } from '../render/plan-text.js';
import { renderStatusText } from '../render/status-text.js';
import type { Spec } from '../spec/types.js';
import { checkPlanFormat, writePlan } from './commands-offline.js';
import { CliError, type Io } from './io.js';
import { count, ms, sampleMs } from './options.js';
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
  const { plan } = await planLive(spec, { timeoutMs });
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

export async function cmdStatus(io: Io, o: Common & { format: string; sample?: string }): Promise<number> {
  if (o.format !== 'text' && o.format !== 'json') throw new CliError(`--format must be text or json, not "${o.format}"`, 1, 'BAD_OPTION');
  const { spec } = await loadSpecFile(o.file!, io, o.color);
  const timeoutMs = ms(o.timeout, 5000);
  const s = await status(spec, { timeoutMs, sampleMs: o.sample ? sampleMs(o.sample) : undefined });
  if (o.format === 'json')
    io.stdout.write(
      JSON.stringify(
        { name: s.name, transition: s.transition, reason: s.reason, nodes: s.nodes, ...(s.checkpoints ? { checkpoints: s.checkpoints } : {}) },
        null,
        2,
      ) + '\n',
    );
  else io.stdout.write(renderStatusText(spec.name, s.nodes, s.plan, o.color, s.checkpoints));
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

/** The last line of an apply: what the fleet shows for the pair too. */
export function applyVerdict(r: ApplyResult): string {
  switch (r.outcome) {
    case 'nothing-to-do':
      return 'Nothing to do.';
    case 'cancelled':
      return 'Apply cancelled.';
    case 'stopped':
      return `Stopped after ${r.ran} of ${r.plan.steps.length} steps.`;
    case 'converged':
      return `Converged: ${r.after.transition === 'steady' ? 'the pair replicates as the spec says' : r.after.reason}.`;
    case 'not-converged':
      return `Not converged: ${r.after.transition}, ${r.after.steps.length} step(s) remain`;
  }
}

/** What an apply printed after its steps: their count and time, the guest's pauses, the verdict. */
function renderApplyEnd(r: ApplyResult): string {
  let out = '';
  if (r.outcome === 'nothing-to-do' || r.outcome === 'cancelled') return `${applyVerdict(r)}\n`;
  out += `${r.ran === r.plan.steps.length ? r.ran : `${r.ran} of ${r.plan.steps.length}`} steps in ${r.ms} ms\n`;
  for (const [node, pauses] of Object.entries(r.pauses)) {
    const total = pauses.reduce((a, b) => a + b, 0);
    out += `guest on ${node} paused ${pauses.length} time(s), ${Math.round(total)} ms in all (longest ${Math.max(...pauses)} ms)\n`;
  }
  if (r.outcome === 'stopped') return out;
  if (r.outcome === 'converged') return out + `${applyVerdict(r)}\n`;
  out += `${applyVerdict(r)}:\n`;
  r.after.steps.forEach((s, i) => (out += `  ${i + 1}. ${s.node}: ${stepText(s)} — ${s.description}\n`));
  for (const c of r.after.changes.filter((x) => x.action !== 'unmanaged'))
    out += `  ${c.action} ${c.address}${c.faultTolerance ? `: ${c.faultTolerance}` : ''}\n`;
  return out;
}

/** The exit code of an apply's result: 0 when the pair is where the spec says (or --stop-after ended it). */
export function applyExitCode(r: ApplyResult): number {
  return r.outcome === 'converged' || r.outcome === 'nothing-to-do' || r.outcome === 'stopped' ? 0 : 1;
}

export interface ApplyOptions extends Common {
  planFile?: string;
  autoApprove?: boolean;
  allowFailover?: boolean;
  stopAfter?: string;
  fence?: boolean;
}

/** One pair's apply, printed on `io` as it runs; the typed result comes back (the fleet reads it). */
export async function runApply(io: Io, o: ApplyOptions, spec?: Spec): Promise<ApplyResult> {
  const saved = o.planFile ? { plan: readSavedPlan(o.planFile, io), file: o.planFile } : undefined;
  const file = o.file ?? saved?.plan.spec_file;
  if (!file && !spec) throw new CliError('apply needs -f FILE or a saved PLAN', 1, 'USAGE');
  const timeoutMs = ms(o.timeout, 10000);
  const stopAfter = o.stopAfter !== undefined ? count(o.stopAfter, '--stop-after', 1) : undefined;
  const loaded = spec ? { spec, problems: [] } : await loadSpecFile(file!, io, o.color);
  const progress = io.stderr.isTTY ? progressPrinter(io) : undefined;
  const r = await apply(io, loaded.spec, {
    saved,
    timeoutMs,
    stopAfter,
    allowFailover: o.allowFailover,
    fence: o.fence,
    journal: o.journal,
    warnings: specWarnings(loaded.problems),
    onPlan: (plan) => io.stdout.write(renderPlanText(plan, o.color)),
    confirm: o.autoApprove ? undefined : (plan) => confirm(io, plan),
    progress,
    onStep: (i, step, outcome) => {
      progress?.('', 0, 0);
      io.stdout.write(`  ${String(i + 1).padStart(3)}. ${step.node}: ${stepText(step)} … ${outcome}\n`);
    },
  });
  io.stdout.write(renderApplyEnd(r));
  return r;
}

export async function cmdApply(io: Io, o: ApplyOptions): Promise<number> {
  return applyExitCode(await runApply(io, o));
}
