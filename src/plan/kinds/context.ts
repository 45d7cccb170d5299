import type { Change } from '../../diff/types.js';
import type { ObservedNode } from '../../model/observed.js';
import type { Profile } from '../../model/profile.js';
import type { Resource } from '../../model/state.js';
import type { NodeSpec, Spec } from '../../spec/types.js';
import type { DesiredState } from '../desired.js';
import type { PairClassification, QmpStep, Step, WaitStep } from '../types.js';

/**
 * Where a kind's steps go in the plan. Creations follow QEMU's COLO procedure (the secondary's
 * capabilities and NBD exports before the primary's child; chardevs before the filters that use
 * them; everything before migrate, the filters and colo-compare last, once the secondary is
 * connected); removals follow its failover order.
 */
export const PHASE = {
  fence: -20,
  yank: -10,
  beforeHooks: 0,
  secondaryCapabilities: 10,
  nbdServer: 20,
  nbdExport: 21,
  chardevs: 30,
  resync: 40,
  attach: 41,
  resumeGuest: 42,
  primaryCapabilities: 60,
  parameters: 61,
  switchoverPause: 62,
  // the new secondary exists and is connected before colo-compare and the filters go onto a primary
  // whose guest runs (a resume): from their object-add until COLO's first checkpoint, colo-compare
  // holds every answer of the guest, waiting for a secondary's packet to match it
  secondaryConnected: 65,
  objects: 66,
  migrate: 70,
  // where QEMU can (profile.pauseAtSwitchover), a resume's migration stops before its switchover:
  // colo-compare and the filters go on while the guest is stopped, then COLO starts
  waitSwitchover: 71,
  objectsAtSwitchover: 72,
  switchover: 73,
  waitMigration: 74,
  waitSecondary: 75,
  waitPrimary: 76,
  firstCheckpoint: 77,
  // a migration whose target is gone before the switchover is cancelled before anything is removed
  cancelMigration: 95,
  waitCancelled: 96,
  nbdStop: 100,
  leaveSecondary: 110,
  detach: 120,
  blockNodeDelete: 121,
  objectDelete: 130,
  chardevDelete: 140,
  leavePrimary: 150,
  waitAlone: 160,
  afterHooks: 200,
  switchoverPauseOff: 210,
} as const;

export interface Phased {
  phase: number;
  step: Step;
}

export interface Timeouts {
  migrationMs: number;
  resyncMs: number;
  modeMs: number;
}

/** What a kind plans with: the spec, the profile, the pair, what is live and what is wanted. */
export class KindContext {
  constructor(
    readonly spec: Spec,
    readonly profile: Profile,
    readonly pair: PairClassification,
    readonly observed: Record<string, ObservedNode>,
    readonly desired: DesiredState,
    readonly changes: Change[],
    readonly timeouts: Timeouts = { migrationMs: 120_000, resyncMs: 600_000, modeMs: 30_000 },
  ) {}

  node(name: string): NodeSpec {
    return this.spec.nodes.find((n) => n.name === name) ?? this.spec.nodes[0];
  }

  peer(name: string): NodeSpec {
    return this.spec.nodes.find((n) => n.name !== name) ?? this.spec.nodes[1];
  }

  /** a live resource (every address starts with its node's name; node names cannot contain '/') */
  live(address: string): Resource | undefined {
    return this.observed[address.slice(0, address.indexOf('/'))]?.resources[address];
  }

  want(address: string): Resource | undefined {
    return this.desired.resources[address];
  }

  obs(name: string): ObservedNode | undefined {
    return this.observed[name];
  }

  /** whether this plan also creates `address` (another kind's change) */
  creates(address: string): boolean {
    return this.changes.some((c) => c.address === address && c.action === 'create');
  }
}

export interface ResourceKindPlanner {
  /** the steps that carry out this kind's changes (create, update, delete) */
  steps(changes: Change[], ctx: KindContext): Phased[];
}

export function qmp(
  node: string,
  execute: string,
  args: Record<string, unknown> | undefined,
  description: string,
  precondition: string,
  extra: Partial<QmpStep> = {},
): QmpStep {
  return { kind: 'qmp', node, execute, ...(args ? { arguments: args } : {}), description, precondition, ...extra };
}

export function hmp(node: string, line: string, description: string, precondition: string, extra: Partial<QmpStep> = {}): QmpStep {
  return qmp(node, 'human-monitor-command', { 'command-line': line }, description, precondition, extra);
}

export function wait(node: string, kind: WaitStep['wait'], until: WaitStep['until'], timeoutMs: number, description: string, hint?: string): WaitStep {
  return { kind: 'wait', node, wait: kind, until, timeoutMs, description, ...(hint ? { hint } : {}) };
}

/** A disk or NBD piece is not added to a pair that replicates: that takes a failover and a resume. */
export const at =
  (phase: number) =>
  (step: Step): Phased => ({ phase, step });
