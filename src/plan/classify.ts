import { MIGRATING, type ObservedNode } from '../model/observed.js';
import type { NodeClassification, PairClassification } from './types.js';

export function classifyNode(o: ObservedNode): NodeClassification {
  const base = { name: o.name };
  if (o.reach === 'unreachable') return { ...base, class: 'unreachable', detail: o.error };
  if (o.reach === 'hung') return { ...base, class: 'hung', detail: o.error };
  if (o.reach === 'busy') return { ...base, class: 'busy', detail: o.error };
  const mode = o.colo?.mode ?? 'none';
  const lastMode = o.colo?.lastMode;
  const mig = o.migration?.status;
  if (o.hangSignature) {
    return {
      ...base,
      class: 'failed',
      detail:
        'COLO never started: primary stuck in finish-migrate, secondary in inmigrate, migration status colo. ' +
        'This is replication_start failing silently (a top-id that is not the quorum root). Relaunch both nodes from `colo args`.',
    };
  }
  // a paused node keeps its guest (a resume stopped it): it is not failed, whatever its migration says
  if (mig === 'failed' && mode === 'none' && o.runstate !== 'running' && o.runstate !== 'paused')
    return { ...base, class: 'failed', detail: 'migration failed' };
  if (mode === 'primary') return { ...base, class: 'colo-primary', lastMode };
  if (mode === 'secondary') return { ...base, class: 'colo-secondary', lastMode };
  if (o.runstate === 'prelaunch' && !MIGRATING.has(mig ?? '')) return { ...base, class: 'fresh-primary', lastMode };
  if (o.runstate === 'inmigrate') return { ...base, class: 'fresh-secondary', lastMode };
  // a migration under way, or COLO starting (migration colo, mode not yet set)
  if (MIGRATING.has(mig ?? '') || mig === 'colo' || o.runstate === 'finish-migrate')
    return { ...base, class: 'migrating', lastMode, ...(mig ? { migration: mig } : {}) };
  if (o.runstate === 'running' || o.runstate === 'paused') {
    const took = lastMode === 'secondary' ? `took over from its primary${o.colo?.reason ? ` (failover reason: ${o.colo.reason})` : ''}` : undefined;
    return {
      ...base,
      class: 'standalone',
      lastMode: lastMode ?? 'none',
      detail: [o.runstate === 'paused' ? 'paused' : undefined, took].filter(Boolean).join('; ') || undefined,
    };
  }
  return { ...base, class: 'failed', detail: `runstate ${o.runstate}, COLO mode ${mode}, migration ${mig ?? 'none'}` };
}

const gone = (c: NodeClassification) => c.class === 'unreachable' || c.class === 'hung';
/** A node's class as a reason says it: `unreachable (QMP socket: ECONNREFUSED)`. */
const described = (c: NodeClassification) => `${c.class}${c.detail ? ` (${c.detail})` : ''}`;

/**
 * Whether a migration to `target` may be cancelled without a decision: the target has not received the
 * device state, never ran the guest and will not. Stopped before its switchover (`pre-switchover`) a
 * migration moves on only by `migrate-continue`, so a target that does not answer (gone, hung, failed)
 * is enough; still copying RAM (`setup`, `active`, `wait-unplug`) it may reach its switchover before the
 * cancel lands, so only a target whose QEMU is gone (its socket refused or absent) or failed counts: a
 * hung target may be a live one busy loading the stream. `device` (the switchover under way) and `colo`
 * never: the target may be a COLO secondary by then.
 */
function cancellable(migration: string | undefined, target: NodeClassification): boolean {
  if (migration === 'pre-switchover') return gone(target) || target.class === 'failed';
  if (migration === 'setup' || migration === 'active' || migration === 'wait-unplug') return target.class === 'unreachable' || target.class === 'failed';
  return false;
}

/**
 * Runs the guest: its outputs reach the clients (a COLO secondary's do not). A migrating node is the
 * source of a migration, or a primary whose COLO is starting: its guest runs. The one definition:
 * split-brain detection, the failover rules, launch's choice of role and the OCF agent all read it.
 */
export function runsGuest(c: NodeClassification): boolean {
  return c.class === 'colo-primary' || c.class === 'standalone' || c.class === 'migrating';
}

/** Answers as a live COLO node: it runs the guest, or replicates it. Failing over away from it makes two guests. */
export function liveColoNode(c: NodeClassification): boolean {
  // a busy monitor serves another colo process: its QEMU answers, whatever it runs
  return runsGuest(c) || c.class === 'colo-secondary' || c.class === 'busy';
}
const ownsGuest = runsGuest;

function splitBrain(a: NodeClassification, b: NodeClassification): PairClassification {
  const who = (c: NodeClassification) =>
    `${c.name} (${c.class}${c.lastMode && c.lastMode !== 'none' ? `, last mode ${c.lastMode}` : ''}${c.detail ? `: ${c.detail}` : ''})`;
  const taker = [a, b].find((c) => c.class === 'standalone' && c.lastMode === 'secondary');
  const stale = taker ? (taker === a ? b : a) : undefined;
  const what =
    taker && stale
      ? `${taker.name} took over while ${stale.name} kept running. Fence or stop ${stale.name} (colo stop --node ${stale.name}), launch it as a new secondary (colo launch --node ${stale.name}), and apply to resume`
      : 'colo will not choose which guest state survives: stop the node whose guest state you discard (colo stop --node NAME), launch it as a new secondary, and apply';
  return { transition: 'blocked', gated: false, splitBrain: true, reason: `split brain: both ${who(a)} and ${who(b)} run the guest. ${what}` };
}

/** Picks the transition from both nodes' classes (the table in the design brief). */
export function classifyPair(a: NodeClassification, b: NodeClassification): PairClassification {
  const other = (c: NodeClassification) => (c === a ? b : a);
  const find = (pred: (c: NodeClassification) => boolean) => [a, b].find(pred);

  // two nodes whose guests reach the clients: never deepen it with a failover
  if (ownsGuest(a) && ownsGuest(b)) return splitBrain(a, b);
  // a monitor another colo process holds: its node is alive, in a state not read this time
  const busy = [a, b].filter((c) => c.class === 'busy');
  if (busy.length)
    return {
      transition: 'blocked',
      gated: false,
      reason: `${busy.map((c) => c.name).join(' and ')}: the QMP monitor is busy (another colo process holds it: ${busy[0].detail ?? 'busy'}); read again once it is done`,
    };

  const freshP = find((c) => c.class === 'fresh-primary');
  const freshS = find((c) => c.class === 'fresh-secondary');
  const migrating = find((c) => c.class === 'migrating');
  if (freshP && freshS && freshP !== freshS) {
    return {
      transition: 'setup',
      primary: freshP.name,
      secondary: freshS.name,
      gated: false,
      reason: `${freshP.name} waits with -S and ${freshS.name} with -incoming: set up replication`,
    };
  }
  if (migrating && other(migrating).class === 'fresh-secondary') {
    return {
      transition: 'setup',
      primary: migrating.name,
      secondary: other(migrating).name,
      gated: false,
      reason: `${migrating.name} is migrating to ${other(migrating).name}: wait for COLO`,
    };
  }
  // a setup or resume whose new secondary is gone before the switchover: the migration never ends on its
  // own (stopped before its switchover it waits for migrate-continue, the guest stopped with it); cancelled,
  // the guest runs on alone. Not a failover: the target never ran the guest, so no fence is asked for
  if (migrating && cancellable(migrating.migration, other(migrating))) {
    const dead = other(migrating);
    return {
      transition: 'degraded',
      survivor: migrating.name,
      dead: dead.name,
      gated: false,
      cancelMigration: true,
      reason: `${migrating.name} is migrating to ${dead.name} (${migrating.migration}), which is ${described(dead)}: cancel the migration and run alone; launch a new secondary (colo launch --node ${dead.name}) and apply to resume`,
    };
  }
  const cp = find((c) => c.class === 'colo-primary');
  const cs = find((c) => c.class === 'colo-secondary');
  if (cp && cs) {
    return { transition: 'steady', primary: cp.name, secondary: cs.name, gated: false, reason: 'both nodes replicate' };
  }
  if (cs && (gone(other(cs)) || other(cs).class === 'fresh-secondary' || other(cs).class === 'fresh-primary' || other(cs).class === 'failed')) {
    const dead = other(cs);
    return {
      transition: 'secondary-failover',
      survivor: cs.name,
      dead: dead.name,
      gated: true,
      reason: `primary ${dead.name} is ${described(dead)}; ${cs.name} can take over. An unreachable node may be a partition, not a death: fail over only when you know it is dead`,
    };
  }
  if (cp && (gone(other(cp)) || other(cp).class === 'fresh-secondary' || other(cp).class === 'failed')) {
    const dead = other(cp);
    return {
      transition: 'primary-failover',
      survivor: cp.name,
      dead: dead.name,
      gated: true,
      reason: `secondary ${dead.name} is ${described(dead)}; ${cp.name} can continue alone. Fail over only when you know the secondary is dead`,
    };
  }
  const alone = [a, b].filter((c) => c.class === 'standalone');
  if (alone.length === 1) {
    const s = alone[0];
    const o = other(s);
    if (o.class === 'fresh-secondary') {
      const t = s.lastMode === 'secondary' ? 'secondary-resume' : 'primary-resume';
      return {
        transition: t,
        primary: s.name,
        secondary: o.name,
        gated: false,
        reason: `${s.name} runs alone (last mode ${s.lastMode}) and ${o.name} waits with -incoming: resume replication with ${s.name} as primary`,
      };
    }
    if (gone(o) || o.class === 'failed') {
      return {
        transition: 'degraded',
        survivor: s.name,
        dead: o.name,
        gated: false,
        reason: `${s.name} runs alone without fault tolerance; ${o.name} is ${o.class}. Launch a new secondary (colo launch --node ${o.name}) and apply to resume`,
      };
    }
    if (o.class === 'colo-secondary') {
      return {
        transition: 'blocked',
        gated: false,
        reason: `${s.name} runs alone but ${o.name} still waits as its COLO secondary (a stale replica): stop ${o.name} (colo stop --node ${o.name}), launch it as a new secondary, and apply to resume`,
      };
    }
  }
  if (gone(a) && gone(b)) return { transition: 'blocked', gated: false, reason: `neither node answers (${a.name}: ${a.class}, ${b.name}: ${b.class})` };
  if (freshP && gone(other(freshP))) {
    return {
      transition: 'blocked',
      gated: false,
      reason: `${freshP.name} waits as primary but ${other(freshP).name} is ${other(freshP).class}: launch it (colo launch --node ${other(freshP).name})`,
    };
  }
  if (freshS && gone(other(freshS))) {
    return {
      transition: 'blocked',
      gated: false,
      reason: `${freshS.name} waits as secondary but ${other(freshS).name} is ${other(freshS).class}: launch it (colo launch --node ${other(freshS).name})`,
    };
  }
  const failed = find((c) => c.class === 'failed');
  if (failed) return { transition: 'blocked', gated: false, reason: `${failed.name} failed: ${failed.detail ?? 'unknown state'}` };
  return { transition: 'blocked', gated: false, reason: `no transition from ${a.name} ${a.class} and ${b.name} ${b.class}` };
}
