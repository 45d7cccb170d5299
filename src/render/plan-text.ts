import { diagnosticText } from './diagnostics.js';
import { Chalk, type ChalkInstance } from 'chalk';
import { diffJson } from 'diff';
import { isHook, isQmp, isWait, type Change, type Plan } from '../plan/types.js';
import { stepText } from '../plan/step-text.js';

export { stepText };

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', blocked: '!', unmanaged: '?' };

function colorFor(c: ChalkInstance, action: Change['action']): ChalkInstance {
  return { create: c.green, update: c.yellow, delete: c.red, blocked: c.red, unmanaged: c.dim }[action];
}

function valueDiff(c: ChalkInstance, before: object | undefined, after: object | undefined, indent: string): string[] {
  if (!before || !after) return [];
  const out: string[] = [];
  for (const part of diffJson(before, after)) {
    if (!part.added && !part.removed) continue;
    for (const line of part.value.replace(/\n$/, '').split('\n')) {
      out.push(indent + (part.added ? c.green(`+ ${line.trim()}`) : c.red(`- ${line.trim()}`)));
    }
  }
  return out;
}

function changeLines(c: ChalkInstance, ch: Change): string[] {
  const col = colorFor(c, ch.action);
  const out = [`  ${col(`${SYMBOL[ch.action]} ${ch.address}`)} ${c.dim(ch.action)}`];
  if (ch.faultTolerance) out.push(`      ${c.red(ch.faultTolerance)}`);
  if (ch.action === 'update' || ch.action === 'blocked') out.push(...valueDiff(c, ch.before, ch.after, '      '));
  return out;
}

/** The plan for a terminal: nodes, warnings, fault-tolerance changes first, changes, steps per node, a summary. */
export function renderPlanText(plan: Plan, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const out: string[] = [];
  out.push(c.bold(`colo plan ${plan.name}`) + c.dim(` (${plan.mode})`));
  for (const [name, n] of Object.entries(plan.nodes)) {
    const extra = [n.qemu ? `QEMU ${n.qemu}` : undefined, n.lastMode ? `last-mode ${n.lastMode}` : undefined, n.detail].filter(Boolean).join(', ');
    out.push(`  ${c.bold(name)} ${n.role}: ${n.state}${extra ? c.dim(` (${extra})`) : ''}`);
  }
  const t = plan.gated ? c.red.bold(plan.transition) : c.cyan.bold(plan.transition);
  out.push(`transition: ${t} — ${plan.reason}`);
  if (plan.gated) out.push(c.red('  failover needs an explicit decision: colo failover --survivor NAME, or colo apply --allow-failover'));
  for (const w of plan.warnings) out.push(c.yellow(`warning: ${diagnosticText(w)}`));

  const ft = plan.changes.filter((ch) => ch.faultTolerance);
  if (ft.length) {
    const security = ft.some((ch) => ch.faultTolerance?.startsWith('security:'));
    out.push(
      '',
      c.red.bold(
        `${security ? 'Security and fault tolerance' : 'Fault tolerance'} (${ft.length}): changes that weaken ${security ? 'them' : 'it'}, or repair what weakens ${security ? 'them' : 'it'} now`,
      ),
    );
    for (const ch of ft) out.push(...changeLines(c, ch));
  }
  const rest = plan.changes.filter((ch) => !ch.faultTolerance);
  if (rest.length) {
    out.push('', c.bold(`Changes (${rest.length})`));
    for (const ch of rest) out.push(...changeLines(c, ch));
  }
  if (plan.steps.length) {
    out.push('', c.bold(`Steps (${plan.steps.length})`));
    let current = '';
    plan.steps.forEach((s, i) => {
      if (s.node !== current) {
        current = s.node;
        out.push(`  ${c.bold.underline(`${s.node} (${plan.nodes[s.node]?.role ?? ''})`)}`);
      }
      const num = c.dim(`${String(i + 1).padStart(3)}.`);
      const text = isWait(s) ? c.blue(stepText(s)) : isHook(s) ? c.magenta(stepText(s)) : stepText(s);
      out.push(`  ${num} ${text}`);
      out.push(`       ${c.dim(s.description)}${isQmp(s) && s.precondition ? c.dim(` [if ${s.precondition}]`) : ''}`);
    });
  }
  const sm = plan.summary;
  const line =
    `Plan: ${sm.create} to create, ${sm.update} to update, ${sm.delete} to delete; ${sm.steps} step${sm.steps === 1 ? '' : 's'}` +
    (sm.unmanaged ? `; ${sm.unmanaged} unmanaged` : '') +
    (sm.blocked ? `; ${sm.blocked} need a relaunch` : '');
  const nothing = sm.steps === 0 && sm.create + sm.update + sm.delete + sm.blocked === 0;
  if (!nothing) out.push('', c.bold(line));
  else if (plan.transition === 'steady' && plan.mode === 'offline')
    out.push('', c.green('No changes in the assumed state (offline: the live pair was not read; drop --offline to compare it).'));
  else if (plan.transition === 'steady') out.push('', c.green('No changes. The pair matches the spec.'));
  else out.push('', c.yellow(`Nothing colo can do now (${plan.transition}): ${plan.reason}`));
  return out.join('\n') + '\n';
}
