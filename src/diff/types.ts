import type { Resource, ResourceKind, Scalar } from '../model/state.js';

/**
 * What a change does to a resource. Read like a review: one member per kind of effect.
 */
export type Action =
  /** the resource does not exist and will be created */
  | 'create'
  /** the resource exists with other values and will be changed in place */
  | 'update'
  /** the resource will be removed (a failover takes COLO's pieces out) */
  | 'delete'
  /** differs, but colo cannot change it on a running QEMU: relaunch needed */
  | 'blocked'
  /** exists live, not described by the spec: shown, never deleted */
  | 'unmanaged';

export interface Change {
  node: string;
  address: string;
  kind: ResourceKind;
  /** the QEMU id or name (see Resource.id) */
  id: string;
  action: Action;
  before?: Record<string, Scalar | string[]>;
  after?: Record<string, Scalar | string[]>;
  /** set when the change, or the state it repairs, weakens fault tolerance */
  faultTolerance?: string;
}

/** How colo may change a resource kind on a live QEMU (each kind says it: plan/kinds). */
export interface KindPolicy {
  /** a differing value can be changed in place (else: blocked, a relaunch fixes it) */
  inPlace: boolean;
  /** why a missing resource cannot be created now (undefined: it can); `replicating`: the pair runs COLO */
  createBlocked?(want: Resource, replicating: boolean): string | undefined;
}
