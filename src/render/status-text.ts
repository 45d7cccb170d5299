import { Chalk } from 'chalk';
import type { Plan } from '../plan/types.js';
import type { Checkpoints, MonitorReach, NodeStatus } from '../ops/status.js';

export type { NodeStatus, Checkpoints } from '../ops/status.js';

/** Where status ran from and which monitors it reached. */
export interface StatusWhere {
  from: string;
  monitors: MonitorReach[];
}

export function renderStatusText(pair: string, nodes: NodeStatus[], plan: Plan, color: boolean, checkpoints?: Checkpoints, where?: StatusWhere): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const out: string[] = [
    c.bold(`colo status ${pair}`) +
      `  transition: ${plan.transition === 'steady' ? c.green(plan.transition) : c.yellow(plan.transition)}${plan.gated ? c.red(' (failover: needs a decision)') : ''}`,
  ];
  out.push(c.dim(`  ${plan.reason}`));
  if (where) {
    const yes = where.monitors.filter((m) => m.reached).map((m) => `${m.node} (${m.qmp})`);
    const no = where.monitors.filter((m) => !m.reached).map((m) => `${m.node} (${m.qmp}: ${m.reach})`);
    out.push(`  from ${where.from}: monitors reached: ${yes.join(', ') || c.red('none')}${no.length ? `; ${c.red(`not reached: ${no.join(', ')}`)}` : ''}`);
  }
  for (const n of nodes) {
    const ok = n.state.startsWith('colo-') ? c.green : n.reach !== 'ok' || n.state === 'failed' ? c.red : c.yellow;
    out.push('', `${c.bold(n.name)}  ${ok(n.state)}${n.error ? c.red(`  ${n.error}`) : ''}`);
    if (n.reach !== 'ok') continue;
    out.push(
      `  QEMU ${n.qemu}   runstate ${n.runstate}   COLO mode ${n.colo?.mode} (last-mode ${n.colo?.lastMode ?? 'none'})   migration ${n.migration ?? 'none'}`,
    );
    // the primary's migration parameter is what paces checkpoints; the secondary's is never used
    if (n.checkpointDelayMs !== undefined && n.colo?.mode !== 'secondary') out.push(`  checkpoint delay ${n.checkpointDelayMs} ms`);
    for (const r of n.replication) out.push(`  disk ${r.disk} ${r.child}: ${r.node} (${r.driver}${r.target ? ` → ${r.target}` : ''})`);
    for (const [netdev, order] of Object.entries(n.filters)) out.push(`  ${netdev} filters: ${order.length ? order.join(' → ') : c.dim('none')}`);
    if (n.chardevs.length) out.push(`  chardevs: ${n.chardevs.map((x) => `${x.id}${x.connected ? '' : c.red('(down)')}`).join(' ')}`);
    if (n.nbdExports.length) out.push(`  NBD exports: ${n.nbdExports.join(', ')}`);
    for (const j of n.jobs) out.push(`  job ${j.id} ${j.type} ${j.status} ${j.progress}`);
    if (n.tls.creds.length || n.tls.migration) {
      const creds = n.tls.creds.map((x) => `${x.id} (${x.endpoint}${x.verifyPeer === false ? c.red(', verify-peer off') : ''})`).join(', ');
      const mig = n.tls.migration
        ? `migration on TLS with ${n.tls.migration}${n.tls.hostname ? ` → ${n.tls.hostname}` : ''}${n.tls.authz ? `, authz ${n.tls.authz}` : ''}`
        : c.red('migration in clear');
      out.push(`  TLS: ${creds || c.red('no credentials')}; ${mig}`);
    }
  }
  if (checkpoints) {
    const pauses = checkpoints.count ? `, VM paused ${checkpoints.pauseMedianMs} ms median, ${checkpoints.pauseMaxMs} ms max` : '';
    out.push('', `checkpoints on ${checkpoints.node}: ${checkpoints.count} in ${(checkpoints.sampleMs / 1000).toFixed(1)} s${pauses}`);
  }
  return out.join('\n') + '\n';
}
