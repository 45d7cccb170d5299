// validate, plan, status and apply over many pairs: each pair's result kept apart, one summary.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fleetExitCode, fleetReport } from '../fleet/summary.js';
import { mapBounded } from '../fleet/pool.js';
import type { PairResult } from '../fleet/types.js';
import { TRANSITIONS, type Plan, type Transition } from '../plan/types.js';
import { renderFleetReport } from '../render/fleet-report.js';
import { renderFleetText, skippedText } from '../render/fleet-text.js';
import { failedPair, invalidPair } from '../render/fleet-results.js';
import { renderPlanMarkdown } from '../render/plan-markdown.js';
import { renderPlanText } from '../render/plan-text.js';
import { renderProblems } from '../render/problems.js';
import { renderStatusText } from '../render/status-text.js';
import type { Spec } from '../spec/types.js';
import { semaphore } from '../fleet/pool.js';
import { converged, planLive } from '../ops/live.js';
import { fleetFiles } from '../ops/pair-files.js';
import { parseSelector, readPairs, type LoadedPair, type ReadPairsOptions, type SkippedFile } from '../ops/read-pairs.js';
import { savedPlanText } from '../ops/saved-plan.js';
import type { Select } from './options.js';
import { status } from '../ops/status.js';
import { offlinePlan } from './commands-offline.js';
import { applyExitCode, runApply } from './commands-live.js';
import { applyJson, applyVerdict, statusJson } from '../render/json-docs.js';
import { CliError, type Io } from './io.js';
import { specProfile, specWarnings } from './load-file.js';
import { diagnostic, mergeDiagnostics } from '../model/diagnostic.js';
import { validateResult } from '../render/validate-json.js';
import { ms } from './options.js';

/** A pair as the fleet shows it: the file's problems printed as the single-file commands print them. */
type ShownPair = LoadedPair & { problemText: string };

/**
 * The fleet's files (-f, -R), read; those of another kind, or not selected (-l), are set aside with a note.
 * With `opts.transition` the reader makes each valid pair's offline plan too (in its workers when it uses them).
 */
async function loadFleet(io: Io, o: FleetOptions, opts: ReadPairsOptions = {}): Promise<{ loaded: ShownPair[]; skipped: SkippedFile[] }> {
  const { pairs, skipped } = await readPairs(io, fleetFiles(io, o.file, o), parseSelector(o.selector), opts);
  const loaded = pairs.map((p) => ({ ...p, problemText: p.problems.length ? renderProblems(p.problems, p.lines, o.color, p.omitted) : '' }));
  return { loaded, skipped };
}

/** Every node of every pair observed at once, at most `parallel` nodes at a time (one QMP connection each). */
function fleetReads(parallel: number, timeoutMs: number) {
  const slot = semaphore(parallel);
  return { timeoutMs, slot: <T>(f: () => Promise<T>) => slot(f) };
}

interface FleetOptions extends Select {
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

export async function cmdFleetValidate(io: Io, o: FleetOptions): Promise<number> {
  const fmt = format(o);
  const { loaded, skipped } = await loadFleet(io, o);
  const pairs = loaded.map((p): PairResult => {
    if (!p.spec) return invalidPair(p);
    const s = p.spec;
    const profile = specProfile(s);
    const detail = `valid (pair ${s.name}: ${s.nodes.map((n) => `${n.name} ${n.role}`).join(', ')}; ${s.disks.length} disk(s), ${s.netdevs.length} NIC(s); QEMU ${s.qemu.version}, forms ${profile.schemaFrom})`;
    return {
      file: p.file,
      name: s.name,
      outcome: 'ok',
      detail,
      output: p.problemText + profile.warnings.map((w) => `warning QEMU_PROFILE: ${w}\n`).join(''),
      result: validateResult({ ...p, shown: p.file }),
    };
  });
  const report = fleetReport('validate', pairs, skipped);
  if (fmt === 'text') {
    io.stdout.write(skippedText(report));
    // as the single-file validate prints it, one pair after the other, then the table
    for (const p of report.pairs) io.stdout.write(p.outcome === 'ok' ? `${p.file}: ${p.detail}\n${p.output ?? ''}` : (p.output ?? ''));
    io.stdout.write(renderFleetText(report, o.color));
  } else io.stdout.write(renderFleetReport(report, fmt, o.color));
  return fleetExitCode(report, false);
}

type PlanOptions = FleetOptions & { offline?: boolean; assume?: string; out?: string };

export async function cmdFleetPlan(io: Io, o: PlanOptions): Promise<number> {
  const fmt = format(o);
  if (o.out && (o.offline || o.assume))
    throw new CliError('--out saves live plans only (a saved plan carries the fingerprint of what was read); drop --offline', 1, 'BAD_OPTION');
  const offline = !!o.offline;
  // offline, the plans are made with the reads (in the reader's workers when it uses them)
  const transition = (o.assume ?? 'setup') as Transition;
  const { loaded, skipped } = await loadFleet(io, o, offline && TRANSITIONS.includes(transition) ? { transition } : {});
  const reads = fleetReads(parallelOf(o.parallel), ms(o.timeout, 5000));
  if (o.out) mkdirSync(resolve(io.cwd, o.out), { recursive: true });
  const plans: Array<Plan | undefined> = [];
  const pairs = await Promise.all(
    loaded.map(async (p, i): Promise<PairResult> => {
      if (!p.spec) return invalidPair(p);
      const spec: Spec = p.spec;
      try {
        const plan = offline ? (p.plan ?? offlinePlan(spec, o.assume)) : (await planLive(spec, reads)).plan;
        // the file's own warnings, as one file's plan carries them
        plan.warnings = mergeDiagnostics(plan.warnings, specWarnings(p.problems));
        plans[i] = plan;
        if (o.out) writeFileSync(join(resolve(io.cwd, o.out), `${spec.name}.plan.json`), savedPlanText(plan, spec, resolve(io.cwd, p.file)));
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
          ...(outcome === 'failed' ? { error: diagnostic('error', 'BLOCKED', plan.reason, { file: p.file }) } : {}),
        };
      } catch (e) {
        return failedPair(p.file, spec.name, e);
      }
    }),
  );
  const report = fleetReport('plan', pairs, skipped);
  io.stdout.write(renderFleetReport(report, fmt, o.color, fmt === 'markdown' ? plans.map((p) => (p ? renderPlanMarkdown(p) : undefined)) : undefined));
  if (o.out) io.stderr.write(`plans saved in ${o.out}/NAME.plan.json: apply each with colo apply ${o.out}/NAME.plan.json\n`);
  return fleetExitCode(report, !!o.detailedExitcode);
}

export async function cmdFleetStatus(io: Io, o: FleetOptions): Promise<number> {
  const fmt = format(o);
  const { loaded, skipped } = await loadFleet(io, o);
  const reads = fleetReads(parallelOf(o.parallel), ms(o.timeout, 5000));
  const pairs = await Promise.all(
    loaded.map(async (p): Promise<PairResult> => {
      if (!p.spec) return invalidPair(p);
      const spec = p.spec;
      try {
        const s = await status(spec, reads);
        const detail = `${s.transition}: ${s.nodes.map((n) => `${n.name} ${n.state}`).join(', ')}`;
        return {
          file: p.file,
          name: spec.name,
          outcome: s.converged ? 'ok' : 'changes',
          detail,
          result: statusJson(s),
          output: renderStatusText(spec.name, s.nodes, s.plan, o.color, undefined, s),
        };
      } catch (e) {
        return failedPair(p.file, spec.name, e);
      }
    }),
  );
  const report = fleetReport('status', pairs, skipped);
  io.stdout.write(renderFleetReport(report, fmt, o.color));
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
  const { loaded, skipped } = await loadFleet(io, o);
  // each pair's apply reads both of its nodes: parallel bounds nodes, so pairs run parallel/2 at a time
  const pairsAtOnce = Math.max(1, Math.floor(parallelOf(o.parallel) / 2));
  const pairs = await mapBounded(loaded, pairsAtOnce, async (p): Promise<PairResult> => {
    if (!p.spec) return invalidPair(p);
    const cap = captured(io);
    try {
      // the pair's own apply, printed into its block; the typed result says how it ended
      const r = await runApply(
        cap.io,
        { file: p.file, color: o.color, timeout: o.timeout, autoApprove: true, allowFailover: o.allowFailover, fence: o.fence },
        { spec: p.spec, problems: p.problems },
      );
      const ok = applyExitCode(r) === 0;
      const detail = applyVerdict(r);
      const result = applyJson(r);
      return {
        file: p.file,
        name: p.spec.name,
        outcome: ok ? 'ok' : 'failed',
        detail,
        result,
        output: cap.text(),
        ...(ok ? {} : { error: diagnostic('error', 'NOT_CONVERGED', detail, { file: p.file }) }),
      };
    } catch (e) {
      return failedPair(p.file, p.spec.name, e, cap.text());
    }
  });
  const report = fleetReport('apply', pairs, skipped);
  io.stdout.write(renderFleetReport(report, fmt, o.color));
  return fleetExitCode(report, false);
}
