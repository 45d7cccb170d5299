import type { ObservedNode } from '../model/observed.js';
import { formatVersion, type Profile } from '../model/profile.js';
import type { ResourceKind, ResourceMap } from '../model/state.js';
import type { Spec } from '../spec/types.js';
import { diffState, displayOrder } from '../diff/diff.js';
import type { Change } from '../diff/types.js';
import { classifyNode, classifyPair } from './classify.js';
import { desiredState } from './desired.js';
import { hookSteps } from './hooks.js';
import { KindContext, PHASE, wait, type Phased } from './kinds/context.js';
import { KINDS, policyOf } from './kinds/index.js';
import { pausesAtSwitchover, QEMU_DOWNTIME_LIMIT_MS } from './kinds/switchover.js';
import { guardTls } from './tls.js';
import { cleartextWarnings } from '../spec/tls.js';
import { diagnostic, FORMAT_VERSION, type Diagnostic } from '../model/diagnostic.js';
import { peerConnections, yankText } from '../model/yank-monitor.js';
import { isFailover, type FenceStep, type PairClassification, type Plan, type QmpStep, type Step } from './types.js';

function allResources(observed: Record<string, ObservedNode>): ResourceMap {
  return Object.assign({}, ...Object.values(observed).map((o) => o.resources));
}

/** A failover fences the dead node first when its spec declares how (and the caller did not say it is off). */
function fenceSteps(spec: Spec, pair: PairClassification, fence: boolean): Phased[] {
  if (!fence || !isFailover(pair)) return [];
  const dead = spec.nodes.find((n) => n.name === pair.dead);
  if (!dead?.fence) return [];
  const step: FenceStep = {
    kind: 'fence',
    node: dead.name,
    run: dead.fence.run,
    timeoutMs: dead.fence.timeoutMs,
    env: { COLO_PAIR: spec.name, COLO_FENCE_NODE: dead.name, COLO_SURVIVOR: pair.survivor },
    description: `make sure ${dead.name} is off before ${pair.survivor} takes over (a frozen host could come back)`,
  };
  return [{ phase: PHASE.fence, step }];
}

/**
 * A failover first cuts the survivor's connections to the dead peer (QEMU's own COLO tests yank
 * the migration before x-colo-lost-heartbeat): a host that froze or lost power never closes its
 * sockets, and a flush to its NBD export, or a read of its migration stream, would wait on TCP.
 */
function yankSteps(spec: Spec, profile: Profile, pair: PairClassification, observed: Record<string, ObservedNode>): Phased[] {
  if (!profile.yank || !isFailover(pair)) return [];
  const live = observed[pair.survivor]?.yank ?? [];
  // block-node instances are NBD clients: on a survivor, its connections to the dead peer's export
  // (the plain NBD child, or the replication driver's auto-named NBD node)
  const cut = peerConnections(spec, live, pair.transition === 'secondary-failover' ? 'secondary' : 'primary');
  if (!cut.length) return [];
  const what = yankText(cut);
  const step: QmpStep = {
    kind: 'qmp',
    node: pair.survivor,
    execute: 'yank',
    arguments: { instances: cut },
    description: `cut ${what} to ${pair.dead}: a dead host never closes them`,
    precondition: 'connections to the dead node open',
    // one of them gone since it was read: nothing is left to cut there
    alreadyDone: 'not found',
  };
  return [{ phase: PHASE.yank, step }];
}

/**
 * A resume's primary left paused by an interrupted apply after its child was attached: with the
 * plain NBD child its guest runs on now (the block kind plans `cont` itself when it attaches).
 */
function resumeGuest(profile: Profile, pair: PairClassification, observed: Record<string, ObservedNode>, changes: Change[]): Phased[] {
  if (pair.transition !== 'secondary-resume' && pair.transition !== 'primary-resume') return [];
  if (profile.primaryChild !== 'nbd' || observed[pair.primary]?.runstate !== 'paused') return [];
  if (changes.some((c) => c.kind === 'block-child' && c.node === pair.primary && c.action === 'create')) return [];
  const step: QmpStep = {
    kind: 'qmp',
    node: pair.primary,
    execute: 'cont',
    description: 'the guest runs on: its writes already reach the secondary',
    precondition: 'VM paused',
  };
  return [{ phase: PHASE.resumeGuest, step }];
}

/**
 * A resume that adds colo-compare before migrate enters COLO with a guest that ran while its RAM
 * migrated: colo-compare holds every answer the guest gave in that time, for the new secondary (made
 * from the state at the end of the migration) never sends their like, and only a checkpoint releases
 * them — by default the periodic one, up to x-checkpoint-delay later. Setting x-checkpoint-delay (to
 * the value it has) while COLO runs takes a checkpoint at once (QEMU wakes the COLO thread), so they
 * leave then. Not where checkpoints deadlock (7.2 and 10.0 under TCG), and not where colo-compare goes
 * on at the switchover (kinds/switchover.ts): it then holds nothing from before COLO.
 */
function firstCheckpoint(spec: Spec, pair: PairClassification, changes: Change[], deadlocks: boolean, ctx: KindContext): Phased[] {
  if (pair.transition !== 'secondary-resume' && pair.transition !== 'primary-resume') return [];
  if (deadlocks || !changes.some((c) => c.kind === 'colo' && c.node === pair.primary && c.after?.mode === 'primary')) return [];
  if (pausesAtSwitchover(ctx, pair.primary)) return [];
  const step: QmpStep = {
    kind: 'qmp',
    node: pair.primary,
    execute: 'migrate-set-parameters',
    arguments: { 'x-checkpoint-delay': spec.colo.checkpointDelayMs },
    description: 'take the first checkpoint now: colo-compare releases the answers it held while the RAM migrated',
    precondition: 'COLO running',
    awaitEvents: { events: ['STOP', 'RESUME'], timeoutMs: 10_000 },
  };
  return [{ phase: PHASE.firstCheckpoint, step }];
}

/**
 * What a resume set for its migration goes back once the node runs alone: pause-before-switchover,
 * which QEMU keeps while COLO runs (it refuses to change a capability then), and the resume's
 * downtime-limit (changing a parameter then would force a checkpoint). A later migrate from the node
 * that is not a resume's behaves as QEMU's. After the failover's hooks: nothing waits on it.
 */
function switchoverPauseOff(spec: Spec, pair: PairClassification, observed: Record<string, ObservedNode>): Phased[] {
  if (!isFailover(pair) && pair.transition !== 'degraded') return [];
  const m = observed[pair.survivor]?.migration;
  const steps: QmpStep[] = [];
  if (m?.pauseBeforeSwitchover)
    steps.push({
      kind: 'qmp',
      node: pair.survivor,
      execute: 'migrate-set-capabilities',
      arguments: { capabilities: [{ capability: 'pause-before-switchover', state: false }] },
      description: 'a migrate no longer stops before its switchover (a resume set it; QEMU kept it while COLO ran)',
      precondition: 'pause-before-switchover on',
    });
  // the resume's value, kept while COLO ran (setting a parameter then forces a checkpoint)
  if (m?.downtimeLimit === spec.colo.resumeDowntimeLimitMs && m.downtimeLimit !== QEMU_DOWNTIME_LIMIT_MS)
    steps.push({
      kind: 'qmp',
      node: pair.survivor,
      execute: 'migrate-set-parameters',
      arguments: { 'downtime-limit': QEMU_DOWNTIME_LIMIT_MS },
      description: `downtime-limit back to QEMU's default (a resume set ${m.downtimeLimit} ms)`,
      precondition: `downtime-limit is ${m.downtimeLimit}`,
    });
  return steps.map((step) => ({ phase: PHASE.switchoverPauseOff, step }));
}

/** How long QEMU may take to report a cancelled migration (it only closes the stream). */
export const CANCEL_MIGRATION_MS = 30_000;

/**
 * A setup or resume whose new secondary is gone before the switchover (classify.ts): its migration
 * never ends, and stopped before its switchover it keeps the guest stopped. `migrate_cancel` ends
 * it and QEMU runs the guest on; then what the resume added goes like a failover's leftovers.
 */
function cancelMigration(pair: PairClassification): Phased[] {
  if (pair.transition !== 'degraded' || !pair.cancelMigration) return [];
  return [
    {
      phase: PHASE.cancelMigration,
      step: {
        kind: 'qmp',
        node: pair.survivor,
        execute: 'migrate_cancel',
        description: `cancel the migration to ${pair.dead}: the guest runs on here alone (stopped before its switchover, it runs again)`,
        precondition: 'migration to a node that is gone',
      },
    },
    { phase: PHASE.waitCancelled, step: wait(pair.survivor, 'migration-status', 'cancelled', CANCEL_MIGRATION_MS, 'the migration is cancelled') },
  ];
}

/** The hooks a transition runs: before a resume on the new primary, after a failover on the survivor. */
function transitionHooks(spec: Spec, pair: PairClassification): Phased[] {
  switch (pair.transition) {
    case 'secondary-resume':
    case 'primary-resume':
      return hookSteps(spec.hooks.beforeResume, pair.primary, {
        COLO_PAIR: spec.name,
        COLO_PRIMARY: pair.primary,
        COLO_SECONDARY: pair.secondary,
        COLO_TRANSITION: pair.transition,
      }).map((step) => ({ phase: PHASE.beforeHooks, step }));
    case 'secondary-failover':
    case 'primary-failover':
      return hookSteps(spec.hooks.afterFailover, pair.survivor, {
        COLO_PAIR: spec.name,
        COLO_SURVIVOR: pair.survivor,
        COLO_FAILED: pair.dead,
        COLO_TRANSITION: pair.transition,
      }).map((step) => ({ phase: PHASE.afterHooks, step }));
    default:
      return [];
  }
}

/** Steps follow from the changes: each kind plans its own, then all are ordered by phase (stable within one). */
export function stepsFor(changes: Change[], ctx: KindContext, extra: Phased[]): Step[] {
  const byKind = new Map<ResourceKind, Change[]>();
  for (const c of changes) if (c.action !== 'blocked' && c.action !== 'unmanaged') byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c]);
  const phased = [...extra, ...[...byKind].flatMap(([kind, list]) => KINDS[kind].steps(list, ctx))];
  return phased
    .map((p, i) => ({ ...p, i }))
    .sort((a, b) => a.phase - b.phase || a.i - b.i)
    .map((p) => p.step);
}

/** The roles a plan shows: failovers the roles the nodes had, other transitions the roles they take. */
function shownRole(spec: Spec, pair: PairClassification, name: string): 'primary' | 'secondary' {
  switch (pair.transition) {
    case 'secondary-failover':
      return name === pair.survivor ? 'secondary' : 'primary';
    case 'primary-failover':
      return name === pair.survivor ? 'primary' : 'secondary';
    case 'setup':
    case 'steady':
    case 'secondary-resume':
    case 'primary-resume':
      return pair.primary === name ? 'primary' : 'secondary';
    case 'degraded':
      return pair.survivor === name ? 'primary' : 'secondary';
    default:
      return spec.nodes.find((n) => n.name === name)?.role ?? 'primary';
  }
}

export interface PlanOptions {
  mode: 'offline' | 'live';
  fingerprint?: string;
  /** false: a failover does not fence the dead node (the operator said it is off) */
  fence?: boolean;
}

/** Observed (or assumed) state → classification, the desired state after it, changes and ordered steps. Pure. */
export function buildPlan(spec: Spec, profile: Profile, observed: Record<string, ObservedNode>, opts: PlanOptions): Plan {
  const classes = spec.nodes.map((n) =>
    classifyNode(observed[n.name] ?? { name: n.name, reach: 'unreachable', error: 'not observed', resources: {}, jobs: [] }),
  );
  const pair = classifyPair(classes[0], classes[1]);
  const desired = desiredState(spec, profile, pair, observed);
  const reachable = new Set(
    Object.values(observed)
      .filter((o) => o.reach === 'ok')
      .map((o) => o.name),
  );
  const changes = guardTls(
    spec,
    pair,
    observed,
    diffState(desired, allResources(observed), { reachable, policy: policyOf, replicating: pair.transition === 'steady' }),
  );
  const ctx = new KindContext(spec, profile, pair, observed, desired, changes);
  // this QEMU deadlocks at a COLO checkpoint under TCG (7.2, 10.0): nothing may force one
  const deadlocks = profile.checkpointDeadlocks;
  const steps = stepsFor(changes, ctx, [
    ...fenceSteps(spec, pair, opts.fence !== false),
    ...yankSteps(spec, profile, pair, observed),
    ...cancelMigration(pair),
    ...resumeGuest(profile, pair, observed, changes),
    ...firstCheckpoint(spec, pair, changes, deadlocks, ctx),
    ...transitionHooks(spec, pair),
    ...switchoverPauseOff(spec, pair, observed),
  ]);

  const warnings: Diagnostic[] = [
    ...profile.warnings.map((w) => diagnostic('warning', 'QEMU_PROFILE', w)),
    ...cleartextWarnings(spec).map((w) => diagnostic('warning', w.code, w.message, { path: w.path })),
  ];
  if (pair.transition === 'steady' && deadlocks && steps.some((x) => x.kind === 'qmp' && x.execute === 'migrate-set-parameters')) {
    warnings.push(
      diagnostic(
        'warning',
        'QEMU_PROFILE',
        'changing a migration parameter on a replicating pair forces a checkpoint at once; under TCG this QEMU deadlocks there',
      ),
    );
  }
  const count = (action: Change['action']) => changes.filter((c) => c.action === action).length;
  const nodes: Plan['nodes'] = {};
  for (const c of classes) {
    const o = observed[c.name];
    nodes[c.name] = {
      role: shownRole(spec, pair, c.name),
      state: c.class,
      ...(o?.version ? { qemu: formatVersion(o.version) } : {}),
      ...(c.lastMode ? { lastMode: c.lastMode } : {}),
      ...(c.detail ? { detail: c.detail } : {}),
    };
  }
  return {
    format_version: FORMAT_VERSION,
    name: spec.name,
    mode: opts.mode,
    nodes,
    transition: pair.transition,
    ...(isFailover(pair) ? { failover: { survivor: pair.survivor, dead: pair.dead } } : {}),
    gated: pair.gated,
    reason: pair.reason,
    warnings,
    changes: displayOrder(changes),
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
