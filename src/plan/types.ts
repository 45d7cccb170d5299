export type NodeClass =
  'unreachable' | 'hung' | 'busy' | 'fresh-primary' | 'fresh-secondary' | 'migrating' | 'colo-primary' | 'colo-secondary' | 'standalone' | 'failed';

export type Transition = 'setup' | 'steady' | 'secondary-failover' | 'primary-failover' | 'secondary-resume' | 'primary-resume' | 'degraded' | 'blocked';

export const TRANSITIONS: Transition[] = ['setup', 'steady', 'secondary-failover', 'primary-failover', 'secondary-resume', 'primary-resume'];

export interface NodeClassification {
  name: string;
  class: NodeClass;
  lastMode?: string;
  detail?: string;
  /** a migrating node: its migration's status (query-migrate) */
  migration?: string;
}

/** The pair's state and the transition it calls for, keyed on the transition. */
export type PairClassification =
  | {
      transition: 'setup' | 'steady' | 'secondary-resume' | 'primary-resume';
      /** the node that is (or becomes) primary */
      primary: string;
      /** the node that is (or becomes) secondary */
      secondary: string;
      gated: false;
      reason: string;
    }
  | {
      transition: 'secondary-failover' | 'primary-failover';
      /** the node that keeps running, and runs alone afterwards */
      survivor: string;
      /** the node declared dead */
      dead: string;
      /** failovers happen only when a person or an HA engine decided */
      gated: true;
      reason: string;
    }
  | {
      transition: 'degraded';
      survivor: string;
      dead: string;
      gated: false;
      reason: string;
      /** the survivor's migration to the dead node never ends: cancel it, and the survivor runs alone as the primary it was becoming */
      cancelMigration?: true;
    }
  | { transition: 'blocked'; gated: false; reason: string; splitBrain?: boolean };

/** A failover classification: the survivor takes over from the dead node. */
export function isFailover(p: PairClassification): p is Extract<PairClassification, { transition: 'secondary-failover' | 'primary-failover' }> {
  return p.transition === 'secondary-failover' || p.transition === 'primary-failover';
}

/** What proves a step's effect when QEMU reports an error although the effect happened. */
export type Effect = { absent: 'block-node'; id: string };

export interface QmpStep {
  kind: 'qmp';
  node: string;
  execute: string;
  arguments?: Record<string, unknown>;
  description: string;
  precondition: string;
  /** the QEMU error text that means the step's effect is already there */
  alreadyDone?: string;
  /**
   * QEMU events the command sets off, awaited in this order once it answered (a forced checkpoint: STOP
   * then RESUME), so that apply ends with the pause it caused over. Not seen in time: journaled, not an error.
   */
  awaitEvents?: { events: Array<'STOP' | 'RESUME'>; timeoutMs: number };
  /** read back after an error: when it holds, the step counts as done and QEMU's text is journaled */
  effect?: Effect;
}

export type WaitKind = 'migration-status' | 'colo-mode' | 'block-job-ready' | 'block-job-gone' | 'chardevs-connected';

export interface WaitStep {
  kind: 'wait';
  node: string;
  wait: WaitKind;
  /** what is waited for: a status, a mode, a job id, chardev ids */
  until: string | string[];
  timeoutMs: number;
  description: string;
  /** what a timeout most likely means, shown with it */
  hint?: string;
}

export interface HookStep {
  kind: 'hook';
  node: string;
  hook: string;
  run: string[];
  timeoutMs: number;
  env: Record<string, string>;
  description: string;
}

/** Runs the dead node's fence command: the failover goes on only once it reported the node off. */
export interface FenceStep {
  kind: 'fence';
  /** the node fenced (not where the command runs: that is the machine colo runs on) */
  node: string;
  run: string[];
  timeoutMs: number;
  env: Record<string, string>;
  description: string;
}

export type Step = QmpStep | WaitStep | HookStep | FenceStep;

export function isQmp(s: Step): s is QmpStep {
  return s.kind === 'qmp';
}
export function isWait(s: Step): s is WaitStep {
  return s.kind === 'wait';
}
export function isHook(s: Step): s is HookStep {
  return s.kind === 'hook';
}
export function isFence(s: Step): s is FenceStep {
  return s.kind === 'fence';
}

export type { Action, Change } from '../diff/types.js';
import type { Change } from '../diff/types.js';
import type { Diagnostic } from '../model/diagnostic.js';

export interface PlanNode {
  role: 'primary' | 'secondary';
  state: NodeClass;
  qemu?: string;
  lastMode?: string;
  detail?: string;
}

export interface Plan {
  format_version: 2;
  name: string;
  mode: 'offline' | 'live';
  nodes: Record<string, PlanNode>;
  transition: Transition;
  /** a failover's survivor and the node it takes over from */
  failover?: { survivor: string; dead: string };
  gated: boolean;
  reason: string;
  /** the spec's warnings and the QEMU profile's, each once (docs/json.md) */
  warnings: Diagnostic[];
  changes: Change[];
  steps: Step[];
  summary: { create: number; update: number; delete: number; blocked: number; unmanaged: number; steps: number; faultTolerance: number };
  fingerprint?: string;
}
