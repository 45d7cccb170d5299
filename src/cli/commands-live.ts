// colo plan (live), colo status, colo apply: options parsed, the operation run, its result rendered.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Plan } from '../plan/types.js';
import { mergeDiagnostics } from '../model/diagnostic.js';
import { apply, type ApplyResult } from '../ops/apply.js';
import { converged, planLive } from '../ops/live.js';
import { readSavedPlan, savedPlanText } from '../ops/saved-plan.js';
import { status } from '../ops/status.js';
import { textOrJson, writeJson } from './json-out.js';
import { renderPlanText, stepText } from '../render/plan-text.js';
import { renderStatusText } from '../render/status-text.js';
import { escapeControls, truncate } from '../spec/display.js';
import { applyJson, renderApplyEnd, statusJson } from '../render/json-docs.js';
export { applyVerdict } from '../render/json-docs.js';
import type { Spec } from '../spec/types.js';
import type { Problem } from '../spec/errors.js';
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
  plan.warnings = mergeDiagnostics(plan.warnings, specWarnings(problems));
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
  textOrJson(o.format);
  const { spec } = await loadSpecFile(o.file!, io, o.color);
  const timeoutMs = ms(o.timeout, 5000);
  const s = await status(spec, { timeoutMs, sampleMs: o.sample ? sampleMs(o.sample) : undefined });
  if (o.format === 'json') writeJson(io, { command: 'status', ...statusJson(s) });
  else io.stdout.write(renderStatusText(spec.name, s.nodes, s.plan, o.color, s.checkpoints, s));
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

/** The exit code of an apply's result: 0 when the pair is where the spec says (or --stop-after ended it). */
export function applyExitCode(r: ApplyResult): number {
  return r.outcome === 'converged' || r.outcome === 'nothing-to-do' || r.outcome === 'stopped' ? 0 : 1;
}

export interface ApplyOptions extends Common {
  /** text (default), or json: one document at the end, nothing else on stdout */
  format?: string;
  planFile?: string;
  autoApprove?: boolean;
  allowFailover?: boolean;
  stopAfter?: string;
  fence?: boolean;
}

/** One pair's apply, printed on `io` as it runs; the typed result comes back (the fleet reads it). */
export async function runApply(io: Io, o: ApplyOptions, pair?: { spec: Spec; problems: Problem[] }): Promise<ApplyResult> {
  const saved = o.planFile ? { plan: readSavedPlan(o.planFile, io), file: o.planFile } : undefined;
  const file = o.file ?? saved?.plan.specFile;
  if (!file && !pair) throw new CliError('apply needs -f FILE or a saved PLAN', 1, 'USAGE');
  // the spec decides every hook and fence the plan may run: say which one, when the plan file named it
  if (!o.file && !pair && saved)
    io.stderr.write(`note: the spec is ${escapeControls(truncate(file!))}, as the saved plan names it (-f FILE names it yourself)\n`);
  const timeoutMs = ms(o.timeout, 10000);
  const stopAfter = o.stopAfter !== undefined ? count(o.stopAfter, '--stop-after', 1) : undefined;
  const loaded = pair ?? (await loadSpecFile(file!, io, o.color));
  const progress = io.stderr.isTTY ? progressPrinter(io) : undefined;
  const json = o.format === 'json';
  const r = await apply(io, loaded.spec, {
    saved,
    timeoutMs,
    stopAfter,
    allowFailover: o.allowFailover,
    fence: o.fence,
    journal: o.journal,
    warnings: specWarnings(loaded.problems),
    onPlan: (plan) => json || io.stdout.write(renderPlanText(plan, o.color)),
    confirm: o.autoApprove ? undefined : (plan) => confirm(io, plan),
    progress,
    onStep: (i, step, outcome) => {
      progress?.('', 0, 0);
      if (!json) io.stdout.write(`  ${String(i + 1).padStart(3)}. ${step.node}: ${stepText(step)} … ${outcome}\n`);
    },
  });
  if (!json) io.stdout.write(renderApplyEnd(r));
  return r;
}

export async function cmdApply(io: Io, o: ApplyOptions): Promise<number> {
  const json = o.format === 'json';
  if (json && !o.autoApprove) throw new CliError('apply --format json needs --auto-approve: a tool cannot answer the question', 1, 'NEEDS_APPROVAL');
  const r = await runApply(io, o);
  if (json) writeJson(io, { command: 'apply', ...applyJson(r) });
  return applyExitCode(r);
}
