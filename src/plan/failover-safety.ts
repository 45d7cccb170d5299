import type { NodeSpec } from '../spec/types.js';
import { liveColoNode } from './classify.js';
import type { NodeClassification } from './types.js';

export type FailoverDecision =
  /** go on; `fence`: the dead node's fence command runs first */
  { ok: true; fence: boolean; note?: string } | { ok: false; code: 'PEER_ALIVE' | 'NEEDS_FENCE'; message: string };

/**
 * Whether the survivor may take over from `dead`, as it was just read. A node that answers as a
 * live COLO node is refused unless forced; a hung one (frozen, or cut off) may come back and run
 * the guest beside the survivor, so it is fenced first, or the operator says it is off (--no-fence,
 * journaled). A node whose QEMU is gone (its socket refuses) has no guest to come back. Pure.
 */
export function failoverSafety(dead: NodeSpec, state: NodeClassification, o: { force?: boolean; noFence?: boolean; fencedBy?: string }): FailoverDecision {
  if (state.class === 'busy') {
    // never fenced, never taken over from: another colo process is talking to its QEMU right now
    return {
      ok: false,
      code: 'PEER_ALIVE',
      message: `${dead.name}'s QMP monitor is busy (${state.detail ?? 'another colo process holds it'}): its QEMU answers, so it is alive. Fail over only from a node that is dead`,
    };
  }
  if (liveColoNode(state) && !o.force) {
    return {
      ok: false,
      code: 'PEER_ALIVE',
      message: `${dead.name} answers QMP as ${state.class}: taking over now would leave two nodes running the guest. Fail over only from a node that is dead (or pass --force once ${dead.name} is stopped)`,
    };
  }
  // the OCF agent: Pacemaker fenced or stopped the peer before it promotes or notifies. The cluster's
  // fencing is the fence: nodes[].fence is for the CLI's own failover, never run on top of the
  // cluster's decision (a resource Pacemaker merely stopped, `crm resource ban`, is no host to power off)
  if (o.fencedBy) return { ok: true, fence: false, note: `${dead.name} fenced or stopped by ${o.fencedBy}` };
  if (dead.fence && !o.noFence) return { ok: true, fence: true };
  if (o.noFence) return { ok: true, fence: false, note: `${dead.name} not fenced: --no-fence (the operator says it is off)` };
  if (state.class === 'hung') {
    return {
      ok: false,
      code: 'NEEDS_FENCE',
      message: `${dead.name} is hung (${state.detail ?? 'no answer'}): a frozen or cut-off host can come back and run the guest beside the survivor. Declare nodes[].fence for it, or pass --no-fence once you made sure it is off`,
    };
  }
  return { ok: true, fence: false };
}
