import { diagnosticText } from './diagnostics.js';
import type { Plan } from '../plan/types.js';
import { stepText } from './plan-text.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The plan as a pull-request comment. */
export function renderPlanMarkdown(plan: Plan): string {
  const out: string[] = [];
  out.push(`### colo plan \`${plan.name}\` (${plan.mode})`, '');
  out.push(`**Transition:** \`${plan.transition}\`${plan.gated ? ' — :warning: failover, needs an explicit decision' : ''}  `);
  out.push(cell(plan.reason), '');
  out.push('| node | role | state | QEMU |', '|---|---|---|---|');
  for (const [name, n] of Object.entries(plan.nodes))
    out.push(`| ${name} | ${n.role} | ${n.state}${n.lastMode ? ` (last-mode ${n.lastMode})` : ''} | ${n.qemu ?? ''} |`);
  for (const w of plan.warnings) out.push('', `> :warning: ${cell(diagnosticText(w))}`);
  const ft = plan.changes.filter((c) => c.faultTolerance);
  if (ft.length) {
    out.push('', '#### :rotating_light: Fault tolerance', '', '| address | action | why |', '|---|---|---|');
    for (const c of ft) out.push(`| \`${c.address}\` | ${c.action} | ${cell(c.faultTolerance!)} |`);
  }
  const rest = plan.changes.filter((c) => !c.faultTolerance);
  if (rest.length) {
    out.push('', '#### Changes', '', '| address | action | before | after |', '|---|---|---|---|');
    for (const c of rest)
      out.push(
        `| \`${c.address}\` | ${c.action} | ${c.before ? `\`${cell(JSON.stringify(c.before))}\`` : ''} | ${c.after ? `\`${cell(JSON.stringify(c.after))}\`` : ''} |`,
      );
  }
  if (plan.steps.length) {
    out.push('', '<details><summary>Steps (' + plan.steps.length + ')</summary>', '', '| # | node | step | why |', '|---|---|---|---|');
    plan.steps.forEach((s, i) => out.push(`| ${i + 1} | ${s.node} | \`${cell(stepText(s))}\` | ${cell(s.description)} |`));
    out.push('', '</details>');
  }
  const sm = plan.summary;
  if (sm.steps === 0 && plan.transition !== 'steady') out.push('', `**Nothing colo can do now** (${plan.transition}).`);
  else out.push('', `**${sm.create}** to create, **${sm.update}** to update, **${sm.delete}** to delete; **${sm.steps}** steps.`);
  return out.join('\n') + '\n';
}
