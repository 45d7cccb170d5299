/** What a spec change means for QEMU, per node, without touching QEMU. Types of src/specdiff/. */
import type { Diagnostic } from '../model/diagnostic.js';
import type { Role } from '../spec/types.js';

import type { ChangeClass, KindArea } from '../model/resource-kinds.js';

export { CLASSES, type ChangeClass } from '../model/resource-kinds.js';

/** What part of a node's desired state a change is in. */
export type ChangeArea = KindArea | 'guest' | 'argv' | 'hooks' | 'node';

export interface SpecChange {
  /** the node it happens on, or `*` for the whole pair (guest-visible changes) */
  node: string;
  area: ChangeArea;
  /** a resource address (a/object/m0) or a spec path (spec.qemu.memory) */
  address: string;
  action: 'create' | 'delete' | 'update';
  class: ChangeClass;
  before?: unknown;
  after?: unknown;
  /** why it is in this class, in words a reviewer can check */
  why: string;
  /** set when the change weakens fault tolerance (a filter removed, the checkpoint interval raised) */
  weakens?: string;
  /** relaunch-secondary and switchover: how long the pair is expected to run without a replica */
  expectedSeconds?: number;
}

export interface NodeDiff {
  /** the role the new spec prefers for this node; both argv are computed in it */
  role: Role;
  /** QEMU argv of the old and the new spec, one option and its value a line */
  argv: { before: string[]; after: string[] };
}

/** How long a resync takes, and what that figure assumes. */
export interface ResyncEstimate {
  /** the disks' virtual sizes (a full drive-mirror) plus the guest's memory (the migration) */
  bytes: number;
  throughputMiBps: number;
  /** one resync */
  seconds: number;
}

export interface SpecDiff {
  format_version: 2;
  name: string;
  /** labels of the two sides: file names, or REF:path */
  old: string;
  new: string;
  nodes: Record<string, NodeDiff>;
  changes: SpecChange[];
  /** the strongest class among the changes; absent when nothing changes */
  class?: ChangeClass;
  summary: Record<ChangeClass, number> & { changes: number };
  /** the new spec's QEMU profile warnings (e.g. no parameter change while replicating under TCG on 7.2) */
  warnings: Diagnostic[];
  resync: ResyncEstimate;
}
