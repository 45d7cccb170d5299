import { Chalk } from 'chalk';
import { classifyNode } from '../plan/classify.js';
import type { ObservedNode } from '../model/observed.js';
import type { Plan } from '../plan/types.js';
import { formatVersion } from '../model/profile.js';

export interface NodeStatus {
  name: string;
  state: string;
  reach: string;
  error?: string;
  qemu?: string;
  runstate?: string;
  colo?: { mode: string; lastMode?: string; reason?: string };
  migration?: string;
  checkpointDelayMs?: number;
  replication: Array<{ disk: string; child: string; node: string; driver: string; target?: string }>;
  filters: Record<string, string[]>;
  chardevs: Array<{ id: string; endpoint: string; connected: boolean }>;
  nbdExports: string[];
  jobs: Array<{ id: string; type: string; status: string; progress: string }>;
  /** X.509 TLS as QEMU shows it: the credential objects and the migration's parameters */
  tls: { creds: Array<{ id: string; endpoint: string; verifyPeer?: boolean }>; migration?: string; hostname?: string; authz?: string };
}

/** The per-node facts `colo status` shows, from an observed node. Pure. */
export function nodeStatus(o: ObservedNode): NodeStatus {
  const res = Object.values(o.resources);
  const c = classifyNode(o);
  return {
    name: o.name,
    state: c.class,
    reach: o.reach,
    ...(o.error ? { error: o.error } : {}),
    ...(o.version ? { qemu: formatVersion(o.version) } : {}),
    runstate: o.runstate,
    colo: o.colo,
    migration: o.migration?.status,
    checkpointDelayMs: res.find((r) => r.kind === 'parameter' && r.id === 'x-checkpoint-delay')?.value.value as number | undefined,
    replication: res
      .filter((r) => r.kind === 'block-child')
      .map((r) => {
        const [disk, child] = r.id.split('/');
        return { disk, child, node: String(r.value.node), driver: String(r.value.driver), ...(r.value.target ? { target: String(r.value.target) } : {}) };
      }),
    filters: Object.fromEntries(res.filter((r) => r.kind === 'filter-order').map((r) => [r.id, r.value.order as string[]])),
    chardevs: res
      .filter((r) => r.kind === 'chardev')
      .map((r) => ({ id: r.id, endpoint: `${r.value.server ? 'server ' : ''}${r.value.host}:${r.value.port}`, connected: r.value.connected === true })),
    nbdExports: res.filter((r) => r.kind === 'nbd-export').map((r) => r.id),
    jobs: o.jobs.map((j) => ({ id: j.id, type: j.type, status: j.status, progress: j.len ? `${Math.floor((100 * j.offset) / j.len)}%` : '-' })),
    tls: tlsStatus(o),
  };
}

function tlsStatus(o: ObservedNode): NodeStatus['tls'] {
  const res = Object.values(o.resources);
  const param = (id: string) => {
    const v = res.find((r) => r.kind === 'parameter' && r.id === id)?.value.value;
    return v ? String(v) : undefined;
  };
  const creds = res
    .filter((r) => r.kind === 'object' && r.value['qom-type'] === 'tls-creds-x509')
    .map((r) => ({
      id: r.id,
      endpoint: String(r.value.endpoint ?? '?'),
      ...(typeof r.value['verify-peer'] === 'boolean' ? { verifyPeer: r.value['verify-peer'] } : {}),
    }))
    .sort((x, y) => y.endpoint.localeCompare(x.endpoint) || x.id.localeCompare(y.id));
  const [migration, hostname, authz] = [param('tls-creds'), param('tls-hostname'), param('tls-authz')];
  return { creds, ...(migration ? { migration } : {}), ...(hostname ? { hostname } : {}), ...(authz ? { authz } : {}) };
}

/** Checkpoints seen on the primary (STOP/RESUME pairs) during a sample. */
export interface Checkpoints {
  node: string;
  sampleMs: number;
  count: number;
  pauseMedianMs?: number;
  pauseMaxMs?: number;
}

export function renderStatusText(pair: string, nodes: NodeStatus[], plan: Plan, color: boolean, checkpoints?: Checkpoints): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const out: string[] = [
    c.bold(`colo status ${pair}`) +
      `  transition: ${plan.transition === 'steady' ? c.green(plan.transition) : c.yellow(plan.transition)}${plan.gated ? c.red(' (failover: needs a decision)') : ''}`,
  ];
  out.push(c.dim(`  ${plan.reason}`));
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
