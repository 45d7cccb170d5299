import type { Spec } from '../spec/types.js';
import { replicatingResources } from '../model/node-role.js';
import { formatVersion, type Profile } from '../model/profile.js';
import { toMap, type ResourceMap } from '../model/state.js';
import { diffResources } from '../diff/diff.js';
import { classifyNode, classifyPair } from './classify.js';
import { PlanContext } from './context.js';
import { primaryFailoverSteps, resumeSteps, secondaryFailoverSteps, setupSteps, steadySteps } from './steps.js';
import type { ObservedNode } from '../model/observed.js';
import { isQmp, type Change, type Plan, type Step } from './types.js';

/** A failover's changes are the removals its steps make. */
function removals(steps: Step[], observed: Record<string, ObservedNode>): Change[] {
  const out: Change[] = [];
  for (const s of steps) {
    if (!isQmp(s)) continue;
    const id = (s.arguments?.id ?? s.arguments?.child) as string | undefined;
    const line = s.arguments?.['command-line'] as string | undefined;
    let address: string | undefined;
    if (s.execute === 'object-del') address = `${s.node}/object/${id}`;
    else if (s.execute === 'chardev-remove') address = `${s.node}/chardev/${id}`;
    else if (s.execute === 'x-blockdev-change') address = `${s.node}/block/${s.arguments?.parent}/${id}`;
    else if (line?.startsWith('drive_del ')) address = `${s.node}/block-node/${line.slice(10)}`;
    else if (s.execute === 'nbd-server-stop') address = `${s.node}/nbd-server`;
    else if (s.execute === 'x-colo-lost-heartbeat') {
      out.push({ node: s.node, address: `${s.node}/colo`, action: 'update', before: { mode: observed[s.node]?.colo?.mode ?? 'unknown' }, after: { mode: 'none' }, faultTolerance: `${s.node} leaves COLO and runs without a replica` });
      continue;
    }
    if (address) out.push({ node: s.node, address, action: 'delete', faultTolerance: 'removed by the failover: the pair runs without a replica until a resume' });
  }
  return out;
}

function allResources(observed: Record<string, ObservedNode>): ResourceMap {
  return Object.assign({}, ...Object.values(observed).map((o) => o.resources));
}

export interface PlanOptions {
  mode: 'offline' | 'live';
  fingerprint?: string;
}

/** Observed (or assumed) state → classification, changes and ordered steps. Pure. */
export function buildPlan(spec: Spec, profile: Profile, observed: Record<string, ObservedNode>, opts: PlanOptions): Plan {
  const [a, b] = spec.nodes.map((n) => classifyNode(observed[n.name]));
  const pair = classifyPair(a, b);
  const ctx = new PlanContext(spec, profile, observed);
  const reachable = new Set(Object.values(observed).filter((o) => o.reach === 'ok').map((o) => o.name));
  const p = pair.primary ? ctx.node(pair.primary) : undefined;
  const s = pair.secondary ? ctx.node(pair.secondary) : undefined;
  const warnings = [...profile.warnings];

  let steps: Step[] = [];
  let changes: Change[] = [];
  const desired = () => diffResources(toMap(replicatingResources(spec, profile, p!)), allResources(observed), reachable);
  switch (pair.transition) {
    case 'setup':
      steps = setupSteps(ctx, p!, s!);
      changes = desired();
      break;
    case 'steady':
      steps = steadySteps(ctx, p!, s!);
      // a replicating pair cannot get disk replication back in place: that takes a failover and a resume
      changes = desired().map((c) =>
        c.action === 'create' && /\/(block|block-node|nbd-export|nbd-server)(\/|$)/.test(c.address)
          ? { ...c, action: 'blocked' as const, faultTolerance: `${c.faultTolerance ?? 'disk replication is incomplete'}; it cannot be re-attached while COLO runs: fail over (colo failover) and resume` }
          : c,
      );
      if (steps.some((x) => isQmp(x) && x.execute === 'migrate-set-parameters') && spec.qemu.accel === 'tcg') {
        warnings.push('changing a migration parameter on a replicating pair forces a checkpoint at once; under TCG this QEMU deadlocks there');
      }
      break;
    case 'secondary-resume':
    case 'primary-resume':
      steps = resumeSteps(ctx, p!, s!, pair.transition);
      changes = desired();
      break;
    case 'secondary-failover':
    case 'primary-failover': {
      const survivor = ctx.node(pair.survivor!);
      const dead = spec.nodes.find((n) => n.name !== survivor.name)!;
      steps = pair.transition === 'secondary-failover' ? secondaryFailoverSteps(ctx, survivor, dead) : primaryFailoverSteps(ctx, survivor, dead);
      changes = removals(steps, observed);
      break;
    }
    default:
      break;
  }

  const count = (action: Change['action']) => changes.filter((c) => c.action === action).length;
  const nodes: Plan['nodes'] = {};
  for (const c of [a, b]) {
    const o = observed[c.name];
    const specRole = spec.nodes.find((n) => n.name === c.name)!.role;
    // failovers show the roles the nodes had; other transitions the roles they take
    const failoverRole = pair.transition === 'secondary-failover' ? (c.name === pair.survivor ? 'secondary' : 'primary') : pair.transition === 'primary-failover' ? (c.name === pair.survivor ? 'primary' : 'secondary') : undefined;
    nodes[c.name] = {
      role: failoverRole ?? (pair.primary === c.name ? 'primary' : pair.secondary === c.name ? 'secondary' : specRole),
      state: c.class,
      ...(o.version ? { qemu: formatVersion(o.version) } : {}),
      ...(c.lastMode ? { lastMode: c.lastMode } : {}),
      ...(c.detail ? { detail: c.detail } : {}),
    };
  }
  return {
    format_version: 1,
    name: spec.name,
    mode: opts.mode,
    nodes,
    transition: pair.transition,
    gated: pair.gated,
    reason: pair.reason,
    warnings,
    changes,
    steps,
    summary: {
      create: count('create'),
      update: count('update'),
      delete: count('delete'),
      blocked: count('blocked'),
      unmanaged: count('unmanaged'),
      steps: steps.length,
      faultTolerance: changes.filter((c) => c.faultTolerance).length,
    },
    ...(opts.fingerprint ? { fingerprint: opts.fingerprint } : {}),
  };
}
