// What the commands print of an apply, and the JSON documents of apply and status (the single pair's
// and each pair's result in a fleet, one shape).
import type { ApplyResult } from '../ops/apply.js';
import type { StatusResult } from '../ops/status.js';
import type { FailoverResult } from '../ops/failover.js';
import { stepText } from './plan-text.js';

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
export function renderApplyEnd(r: ApplyResult): string {
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

/** One pair's status as JSON: what the fleet's result holds too. */
export function statusJson(s: StatusResult) {
  return {
    name: s.name,
    from: s.from,
    monitors: s.monitors,
    transition: s.transition,
    reason: s.reason,
    nodes: s.nodes,
    ...(s.checkpoints ? { checkpoints: s.checkpoints } : {}),
  };
}

/** How an apply ended, as JSON: the single pair's document and each pair's result in a fleet. */
export function applyJson(r: ApplyResult) {
  return {
    name: r.plan.name,
    outcome: r.outcome,
    verdict: applyVerdict(r),
    transition: r.plan.transition,
    steps: r.plan.steps.length,
    warnings: r.plan.warnings,
    ...('ran' in r ? { ran: r.ran, ms: r.ms, pauses: r.pauses } : {}),
    ...('after' in r ? { after: { transition: r.after.transition, steps: r.after.steps.length, reason: r.after.reason } } : {}),
  };
}

/** How a failover ended, as JSON. */
export function failoverJson(r: FailoverResult) {
  return {
    outcome: r.outcome,
    survivor: r.survivor,
    dead: r.dead,
    transition: r.plan.transition,
    steps: r.outcome === 'failed-over' ? r.steps : 0,
    ms: r.ms,
    ...(r.outcome === 'failed-over' && r.note ? { note: r.note } : {}),
    warnings: r.plan.warnings,
  };
}
