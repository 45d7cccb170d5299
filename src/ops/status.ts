// status: one pair's nodes as colo status shows them, read live; typed (render/status-text.ts prints it).
import { classifyNode } from '../plan/classify.js';
import type { ObservedNode } from '../model/observed.js';
import { formatVersion } from '../model/profile.js';
import type { Plan } from '../plan/types.js';
import type { Spec } from '../spec/types.js';
import { connectNode } from '../observe/observe.js';
import { vmPauses } from '../qmp/client.js';
import { converged, planLive, type PlanLiveOptions } from './live.js';
import { machineName } from './this-host.js';

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

/** A node's QMP monitor as colo status reached it from where it runs. */
export interface MonitorReach {
  node: string;
  qmp: string;
  /** it answered (reach ok or busy: another colo process holds it) */
  reached: boolean;
  reach: string;
}

export interface StatusResult {
  name: string;
  /** the machine colo ran on: this machine's name */
  from: string;
  monitors: MonitorReach[];
  transition: Plan['transition'];
  reason: string;
  nodes: NodeStatus[];
  checkpoints?: Checkpoints;
  /** the plan the status was read with (its transition and reason, for the screen) */
  plan: Plan;
  /** every node read converged to the spec */
  converged: boolean;
}

/**
 * QEMU exposes no checkpoint counter: each checkpoint stops and resumes the primary's VM, so the
 * STOP/RESUME events seen on the primary over `sampleMs` are counted, with the pauses they make.
 */
export async function sampleCheckpoints(spec: Spec, primary: string, sampleMs: number, timeoutMs: number): Promise<Checkpoints> {
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

/** Reads the pair once (and samples checkpoints on its primary for `sampleMs` when asked). */
export async function status(spec: Spec, o: PlanLiveOptions & { timeoutMs: number; sampleMs?: number }): Promise<StatusResult> {
  const { plan, observed } = await planLive(spec, o);
  const nodes = spec.nodes.map((n) => nodeStatus(observed[n.name]));
  const primary = Object.values(observed).find((x) => x.colo?.mode === 'primary')?.name;
  const checkpoints = o.sampleMs && primary ? await sampleCheckpoints(spec, primary, o.sampleMs, o.timeoutMs) : undefined;
  return {
    name: spec.name,
    from: machineName(),
    monitors: spec.nodes.map((n) => {
      const reach = observed[n.name]?.reach ?? 'unreachable';
      return { node: n.name, qmp: n.qmp, reached: reach === 'ok' || reach === 'busy', reach };
    }),
    transition: plan.transition,
    reason: plan.reason,
    nodes,
    ...(checkpoints ? { checkpoints } : {}),
    plan,
    converged: converged(plan),
  };
}
