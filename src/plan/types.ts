import type { Scalar } from '../model/state.js';

export type NodeClass =
  | 'unreachable'
  | 'hung'
  | 'fresh-primary'
  | 'fresh-secondary'
  | 'migrating'
  | 'colo-primary'
  | 'colo-secondary'
  | 'standalone'
  | 'failed';

export type Transition =
  | 'setup'
  | 'steady'
  | 'secondary-failover'
  | 'primary-failover'
  | 'secondary-resume'
  | 'primary-resume'
  | 'degraded'
  | 'blocked';

export const TRANSITIONS: Transition[] = ['setup', 'steady', 'secondary-failover', 'primary-failover', 'secondary-resume', 'primary-resume'];

export interface NodeClassification {
  name: string;
  class: NodeClass;
  lastMode?: string;
  detail?: string;
}

export interface PairClassification {
  transition: Transition;
  /** the node that is (or becomes) primary */
  primary?: string;
  /** the node that is (or becomes) secondary */
  secondary?: string;
  /** failover: the node that keeps running */
  survivor?: string;
  /** failovers happen only when a person or an HA engine decided */
  gated: boolean;
  reason: string;
}

export interface QmpStep {
  node: string;
  execute: string;
  arguments?: Record<string, unknown>;
  description: string;
  precondition?: string;
  /** the QEMU error text that means the step's effect is already there */
  alreadyDone?: string;
}

export type WaitKind = 'migration-status' | 'colo-mode' | 'block-job-ready' | 'block-job-gone' | 'chardevs-connected';

export interface WaitStep {
  node: string;
  wait: WaitKind;
  /** what is waited for: a status, a mode, a job id, chardev ids */
  until: string | string[];
  timeoutMs: number;
  description: string;
}

export interface HookStep {
  node: string;
  hook: string;
  run: string[];
  timeoutMs: number;
  env: Record<string, string>;
  description: string;
}

export type Step = QmpStep | WaitStep | HookStep;

export function isQmp(s: Step): s is QmpStep {
  return 'execute' in s;
}
export function isWait(s: Step): s is WaitStep {
  return 'wait' in s;
}
export function isHook(s: Step): s is HookStep {
  return 'hook' in s;
}

/**
 * What a change does to a resource. Read like a review: one member per kind of effect.
 */
export type Action =
  /** the resource does not exist and will be created */
  | 'create'
  /** the resource exists with other values and will be changed in place */
  | 'update'
  /** the resource will be removed (failover) */
  | 'delete'
  /** differs, but colo cannot change it on a running QEMU: relaunch needed */
  | 'blocked'
  /** exists live, not described by the spec: shown, never deleted */
  | 'unmanaged';

export interface Change {
  node: string;
  address: string;
  action: Action;
  before?: Record<string, Scalar | string[]>;
  after?: Record<string, Scalar | string[]>;
  /** set when the change, or the state it repairs, weakens fault tolerance */
  faultTolerance?: string;
}

export interface PlanNode {
  role: 'primary' | 'secondary';
  state: NodeClass;
  qemu?: string;
  lastMode?: string;
  detail?: string;
}

export interface Plan {
  format_version: 1;
  name: string;
  mode: 'offline' | 'live';
  nodes: Record<string, PlanNode>;
  transition: Transition;
  gated: boolean;
  reason: string;
  warnings: string[];
  changes: Change[];
  steps: Step[];
  summary: { create: number; update: number; delete: number; blocked: number; unmanaged: number; steps: number; faultTolerance: number };
  fingerprint?: string;
}
