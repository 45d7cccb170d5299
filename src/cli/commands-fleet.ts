// validate, plan, status and apply over many pairs: each pair's result kept apart, one summary.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fleetExitCode, fleetReport } from '../fleet/summary.js';
import { mapBounded } from '../fleet/pool.js';
import type { FleetReport, PairResult } from '../fleet/types.js';
import { TRANSITIONS, type Plan, type Transition } from '../plan/types.js';
import { renderFleetMarkdown } from '../render/fleet-markdown.js';
import { renderFleetText, renderPairBlock } from '../render/fleet-text.js';
import { renderPlanMarkdown } from '../render/plan-markdown.js';
import { renderPlanText } from '../render/plan-text.js';
import { renderProblems } from '../render/problems.js';
import { renderStatusText } from '../render/status-text.js';
import type { Spec } from '../spec/types.js';
import { semaphore } from '../fleet/pool.js';
import { converged, planLive } from '../ops/live.js';
import { fleetFiles } from '../ops/pair-files.js';
import { readPairs, type LoadedPair, type ReadPairsOptions } from '../ops/read-pairs.js';
import { status } from '../ops/status.js';
import { offlinePlan } from './commands-offline.js';
import { applyExitCode, applyVerdict, runApply } from './commands-live.js';
import { CliError, type Io } from './io.js';
import { specProfile } from './load-file.js';
import { ms } from './options.js';

/** A pair as the fleet shows it: the file's problems printed as the single-file commands print them. */
type ShownPair = LoadedPair & { problemText: string };

async function loadFleet(io: Io, files: string[], color: boolean, opts: ReadPairsOptions = {}): Promise<ShownPair[]> {
  return (await readPairs(io, files, opts)).map((p) => ({ ...p, problemText: p.problems.length ? renderProblems(p.problems, p.lines, color, p.omitted) : '' }));
}

/** Every node of every pair observed at once, at most `parallel` nodes at a time (one QMP connection each). */
function fleetReads(parallel: number, timeoutMs: number) {
  const slot = semaphore(parallel);
  return { timeoutMs, slot: <T>(f: () => Promise<T>) => slot(f) };
}

interface FleetOptions {
  file: string[];
  format?: string;
  color: boolean;
  parallel?: string;
  detailedExitcode?: boolean;
  timeout?: string;
}

const FORMATS = ['text', 'json', 'markdown'];

function format(o: FleetOptions): string {
  const f = o.format ?? 'text';
  if (!FORMATS.includes(f)) throw new CliError(`--format must be text, json or markdown, not "${f}"`, 1, 'BAD_OPTION');
  return f;
}

export function parallelOf(v: string | undefined): number {
  const n = Number(v ?? 8);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--parallel must be a positive whole number, not "${v}"`, 1, 'BAD_OPTION');
  return n;
}

function invalid(p: ShownPair): PairResult {
  const errors = p.problems.filter((x) => x.severity === 'error');
  const first = errors[0];
  return {
    file: p.file,
    name: p.name,
    outcome: 'failed',
    detail: `${errors.length} problem(s): ${first.code} ${first.message}`,
    error: { code: first.code, message: first.message },
    output: p.problemText,
    result: { problems: errors.map((x) => ({ code: x.code, message: x.message, file: x.file, line: x.pos.line, column: x.pos.column })) },
  };
}

/** An error of one pair as its result; a non-CliError is still one pair's failure, never the fleet's. */
function failed(file: string, name: string | undefined, e: unknown, output = ''): PairResult {
  const code = e instanceof CliError ? e.code : 'INTERNAL';
  const message = (e as Error).message;
  return { file, name, outcome: 'failed', detail: `${code}: ${message.split('\n')[0] || 'see above'}`, error: { code, message }, output };
}

function write(io: Io, report: FleetReport, fmt: string, color: boolean, bodies?: Array<string | undefined>): void {
  if (fmt === 'json') {
    const pairs = report.pairs.map(({ output: _o, ...p }) => p);
    io.stdout.write(JSON.stringify({ ...report, pairs }, null, 2) + '\n');
  } else if (fmt === 'markdown') io.stdout.write(renderFleetMarkdown(report, bodies));
  else {
    for (const p of report.pairs) io.stdout.write(renderPairBlock(p, color));
    io.stdout.write(renderFleetText(report, color));
  }
}

export async function cmdFleetValidate(io: Io, o: FleetOptions): Promise<number> {
  const fmt = format(o);
  const pairs = (await loadFleet(io, fleetFiles(io, o.file), o.color)).map((p): PairResult => {
    if (!p.spec) return invalid(p);
    const s = p.spec;
    const profile = specProfile(s);
    const detail = `valid (pair ${s.name}: ${s.nodes.map((n) => `${n.name} ${n.role}`).join(', ')}; ${s.disks.length} disk(s), ${s.netdevs.length} NIC(s); QEMU ${s.qemu.version}, forms ${profile.schemaFrom})`;
    return {
      file: p.file,
      name: s.name,
      outcome: 'ok',
      detail,
      output: p.problemText + profile.warnings.map((w) => `warning: ${w}\n`).join(''),
      result: { warnings: profile.warnings },
    };
  });
  const report = fleetReport('validate', pairs);
  if (fmt === 'text') {
    // as the single-file validate prints it, one pair after the other, then the table
    for (const p of report.pairs) io.stdout.write(p.outcome === 'ok' ? `${p.file}: ${p.detail}\n${p.output ?? ''}` : (p.output ?? ''));
    io.stdout.write(renderFleetText(report, o.color));
  } else write(io, report, fmt, o.color);
  return fleetExitCode(report, false);
}

type PlanOptions = FleetOptions & { offline?: boolean; assume?: string; out?: string };

export async function cmdFleetPlan(io: Io, o: PlanOptions): Promise<number> {
  const fmt = format(o);
  if (o.out && (o.offline || o.assume))
    throw new CliError('--out saves live plans only (a saved plan carries the fingerprint of what was read); drop --offline', 1, 'BAD_OPTION');
  const offline = !!(o.offline || o.assume);
  // offline, the plans are made with the reads (in the reader's workers when it uses them)
  const transition = (o.assume ?? 'setup') as Transition;
  const loaded = await loadFleet(io, fleetFiles(io, o.file), o.color, offline && TRANSITIONS.includes(transition) ? { transition } : {});
  const reads = fleetReads(parallelOf(o.parallel), ms(o.timeout, 5000));
  if (o.out) mkdirSync(resolve(io.cwd, o.out), { recursive: true });
  const plans: Array<Plan | undefined> = [];
  const pairs = await Promise.all(
    loaded.map(async (p, i): Promise<PairResult> => {
      if (!p.spec) return invalid(p);
      const spec: Spec = p.spec;
      try {
        const plan = offline ? (p.plan ?? offlinePlan(spec, o.assume)) : (await planLive(spec, reads)).plan;
        plans[i] = plan;
        if (o.out)
          writeFileSync(
            join(resolve(io.cwd, o.out), `${spec.name}.plan.json`),
            JSON.stringify({ ...plan, spec_file: resolve(io.cwd, p.file) }, null, 2) + '\n',
          );
        const pending = plan.mode === 'offline' ? plan.steps.length > 0 : !converged(plan);
        const outcome = plan.transition === 'blocked' ? 'failed' : pending ? 'changes' : 'ok';
        const detail = `${plan.transition}: ${plan.steps.length} step(s), ${plan.changes.filter((c) => c.action !== 'unmanaged').length} change(s)${plan.transition === 'blocked' ? ` — ${plan.reason}` : ''}`;
        return {
          file: p.file,
          name: spec.name,
          outcome,
          detail,
          result: plan,
          output: fmt === 'text' ? renderPlanText(plan, o.color) : undefined,
          ...(outcome === 'failed' ? { error: { code: 'BLOCKED', message: plan.reason } } : {}),
        };
      } catch (e) {
        return failed(p.file, spec.name, e);
      }
    }),
  );
  const report = fleetReport('plan', pairs);
  write(io, report, fmt, o.color, fmt === 'markdown' ? plans.map((p) => (p ? renderPlanMarkdown(p) : undefined)) : undefined);
  if (o.out) io.stderr.write(`plans saved in ${o.out}/NAME.plan.json: apply each with colo apply ${o.out}/NAME.plan.json\n`);
  return fleetExitCode(report, !!o.detailedExitcode);
}

export async function cmdFleetStatus(io: Io, o: FleetOptions): Promise<number> {
  const fmt = format(o);
  const loaded = await loadFleet(io, fleetFiles(io, o.file), o.color);
  const reads = fleetReads(parallelOf(o.parallel), ms(o.timeout, 5000));
  const pairs = await Promise.all(
    loaded.map(async (p): Promise<PairResult> => {
      if (!p.spec) return invalid(p);
      const spec = p.spec;
      try {
        const s = await status(spec, reads);
        const detail = `${s.transition}: ${s.nodes.map((n) => `${n.name} ${n.state}`).join(', ')}`;
        return {
          file: p.file,
          name: spec.name,
          outcome: s.converged ? 'ok' : 'changes',
          detail,
          result: { name: s.name, transition: s.transition, reason: s.reason, nodes: s.nodes },
          output: renderStatusText(spec.name, s.nodes, s.plan, o.color),
        };
      } catch (e) {
        return failed(p.file, spec.name, e);
      }
    }),
  );
  const report = fleetReport('status', pairs);
  write(io, report, fmt, o.color);
  return fleetExitCode(report, !!o.detailedExitcode);
}

/** Captures what one pair's command prints, so pairs applied side by side do not interleave. */
function captured(io: Io) {
  let text = '';
  const sink = { write: (s: string) => ((text += s), true), isTTY: false };
  return { io: { ...io, stdout: sink, stderr: sink }, text: () => text };
}

export async function cmdFleetApply(
  io: Io,
  o: FleetOptions & { autoApprove?: boolean; allowFailover?: boolean; fence?: boolean; journal?: string },
): Promise<number> {
  const fmt = format(o);
  if (!o.autoApprove) throw new CliError('applying several pairs needs --auto-approve (review them first with colo plan)', 1, 'NEEDS_APPROVAL');
  if (o.journal) throw new CliError('--journal names one file: with several pairs each pair journals to its own NAME.journal.jsonl', 1, 'BAD_OPTION');
  const loaded = await loadFleet(io, fleetFiles(io, o.file), o.color);
  // each pair's apply reads both of its nodes: parallel bounds nodes, so pairs run parallel/2 at a time
  const pairsAtOnce = Math.max(1, Math.floor(parallelOf(o.parallel) / 2));
  const pairs = await mapBounded(loaded, pairsAtOnce, async (p): Promise<PairResult> => {
    if (!p.spec) return invalid(p);
    const cap = captured(io);
    try {
      // the pair's own apply, printed into its block; the typed result says how it ended
      const r = await runApply(
        cap.io,
        { file: p.file, color: o.color, timeout: o.timeout, autoApprove: true, allowFailover: o.allowFailover, fence: o.fence },
        p.spec,
      );
      const ok = applyExitCode(r) === 0;
      const detail = applyVerdict(r);
      const result = {
        outcome: r.outcome,
        transition: r.plan.transition,
        steps: r.plan.steps.length,
        ...('ran' in r ? { ran: r.ran, ms: r.ms, pauses: r.pauses } : {}),
        ...('after' in r ? { after: { transition: r.after.transition, steps: r.after.steps.length, reason: r.after.reason } } : {}),
      };
      return {
        file: p.file,
        name: p.spec.name,
        outcome: ok ? 'ok' : 'failed',
        detail,
        result,
        output: cap.text(),
        ...(ok ? {} : { error: { code: 'NOT_CONVERGED', message: detail } }),
      };
    } catch (e) {
      return failed(p.file, p.spec.name, e, cap.text());
    }
  });
  const report = fleetReport('apply', pairs);
  write(io, report, fmt, o.color);
  return fleetExitCode(report, false);
}
