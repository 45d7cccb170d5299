// What the OCF resource agent answers Pacemaker, decided from the classified live state. Pure: the
// agent's runtime (src/ocf/agent.ts) observes, calls these, and carries out what they say.
import { runsGuest } from '../plan/classify.js';
import type { NodeClassification } from '../plan/types.js';

/** OCF return codes (the resource agent API, and Pacemaker's promotable extensions). */
export const OCF = {
  SUCCESS: 0,
  ERR_GENERIC: 1,
  ERR_ARGS: 2,
  ERR_UNIMPLEMENTED: 3,
  ERR_PERM: 4,
  ERR_INSTALLED: 5,
  ERR_CONFIGURED: 6,
  NOT_RUNNING: 7,
  RUNNING_PROMOTED: 8,
  FAILED_PROMOTED: 9,
} as const;
export type OcfCode = (typeof OCF)[keyof typeof OCF];

/**
 * Promotion scores (crm_attribute --promotion). The node that runs the guest scores highest, so
 * Pacemaker never moves the guest to an in-sync secondary on its own; a secondary that replicates
 * scores high; a node waiting as the spec's primary (first start, its own disk) a little; a copy
 * that does not replicate scores 0, and promote refuses it whatever the score.
 */
export const SCORE = { owner: 1000, inSync: 100, waitingPrimary: 10, stale: 0 } as const;

/** A node whose guest reaches the clients: the one definition (plan/classify.ts). */
export const ownsGuest = runsGuest;

export interface MonitorVerdict {
  code: OcfCode;
  /** the promotion score to advertise; undefined: delete it (not running) */
  score?: number;
  why: string;
}

/**
 * monitor: 8 promoted (COLO primary or running alone), 0 unpromoted (COLO secondary, or waiting to
 * be promoted or to be joined), 7 not running, 1 failed or hung. `processAlive`: whether the node's
 * QEMU process still exists (a socket that refuses while the process lives is a failure, not a stop).
 */
export function monitorVerdict(c: NodeClassification, processAlive: boolean): MonitorVerdict {
  switch (c.class) {
    case 'colo-primary':
      return { code: OCF.RUNNING_PROMOTED, score: SCORE.owner, why: 'COLO primary' };
    case 'standalone':
      if (c.detail?.includes('paused')) return { code: OCF.ERR_GENERIC, why: `runs alone but is paused: ${c.detail}` };
      return { code: OCF.RUNNING_PROMOTED, score: SCORE.owner, why: `runs the guest alone (last mode ${c.lastMode ?? 'none'})` };
    case 'migrating':
      return { code: OCF.RUNNING_PROMOTED, score: SCORE.owner, why: 'runs the guest and migrates it to a new secondary' };
    case 'colo-secondary':
      return { code: OCF.SUCCESS, score: SCORE.inSync, why: 'COLO secondary, replicating' };
    case 'fresh-secondary':
      return { code: OCF.SUCCESS, score: SCORE.stale, why: 'waits with -incoming for a primary (its disk is not current until replication runs)' };
    case 'fresh-primary':
      return { code: OCF.SUCCESS, score: SCORE.waitingPrimary, why: 'waits with -S to be promoted' };
    case 'unreachable':
      return processAlive
        ? { code: OCF.ERR_GENERIC, why: `QEMU runs but its monitor refuses (${c.detail ?? 'no socket'})` }
        : { code: OCF.NOT_RUNNING, why: 'no QEMU' };
    case 'hung':
      return { code: OCF.ERR_GENERIC, why: `QEMU does not answer: ${c.detail ?? 'hung'}` };
    case 'busy':
      // another colo process holds the monitor: alive, its state unknown this time (the runtime keeps the last verdict)
      return { code: OCF.SUCCESS, why: `the monitor is busy: ${c.detail ?? 'another colo process holds it'}` };
    case 'failed':
      return { code: OCF.ERR_GENERIC, why: `QEMU failed: ${c.detail ?? 'unknown state'}` };
  }
}

export type PromoteDecision =
  | { kind: 'done'; why: string }
  | { kind: 'failover'; why: string }
  | { kind: 'setup'; why: string }
  | { kind: 'run-alone'; why: string }
  | { kind: 'refuse'; why: string };

/**
 * promote on `self`, the peer as observed (Pacemaker has fenced or stopped it when it was lost).
 * A COLO secondary takes over; a node waiting with -S sets up replication with a waiting secondary,
 * or runs the guest alone when there is none; a copy that never replicated is refused.
 */
export function promoteDecision(self: NodeClassification, peer: NodeClassification): PromoteDecision {
  if (ownsGuest(self)) return { kind: 'done', why: `${self.name} already runs the guest (${self.class})` };
  if (peer.class === 'busy')
    return {
      kind: 'refuse',
      why: `${peer.name}'s monitor is busy (another colo process holds it): it is alive; promoting ${self.name} now could run the guest twice`,
    };
  switch (self.class) {
    case 'colo-secondary':
      if (peer.class === 'colo-primary')
        return {
          kind: 'refuse',
          why: `${peer.name} still answers as a healthy COLO primary: taking over now would run the guest twice. Fencing or stopping ${peer.name} must come first`,
        };
      return { kind: 'failover', why: `${self.name} is a COLO secondary in sync; ${peer.name} is ${peer.class}: take over` };
    case 'fresh-primary':
      if (ownsGuest(peer))
        return {
          kind: 'refuse',
          why: `${peer.name} runs the guest (${peer.class}): promoting ${self.name} too would make two copies (split brain); start ${self.name} as its secondary instead`,
        };
      if (peer.class === 'colo-secondary')
        return { kind: 'refuse', why: `${peer.name} is a COLO secondary of another primary: ${self.name}'s disk is older than its copy` };
      if (peer.class === 'fresh-secondary') return { kind: 'setup', why: `${self.name} waits as primary and ${peer.name} as secondary: set up replication` };
      return { kind: 'run-alone', why: `${self.name} waits as the spec's primary with its own disk; ${peer.name} is ${peer.class}: run the guest alone` };
    case 'fresh-secondary':
      return {
        kind: 'refuse',
        why: `${self.name} never replicated (fresh secondary, waiting with -incoming): its disk is not current, so it must not run the guest. Bring back the node that ran it, or, if that copy is lost for good, relaunch ${self.name} as primary by hand`,
      };
    default:
      return { kind: 'refuse', why: `${self.name} is ${self.class}${self.detail ? ` (${self.detail})` : ''}: nothing to promote` };
  }
}

/**
 * demote: QEMU's COLO has no live role swap (the secondary cannot become primary while the primary
 * keeps a COLO secondary), so a node that runs the guest is never demoted in place: the guest would
 * stop for its clients. Pacemaker then recovers by stopping it, and promotes the peer as after a
 * failure (a failover the guest does not notice when the peer is in sync).
 */
export function demoteDecision(self: NodeClassification, peer: NodeClassification): { ok: boolean; why: string } {
  if (!ownsGuest(self)) return { ok: true, why: `${self.name} does not run the guest (${self.class})` };
  const inSync = self.class === 'colo-primary' && peer.class === 'colo-secondary';
  return {
    ok: false,
    why:
      `${self.name} runs the guest (${self.class}); QEMU COLO cannot hand the primary role over in place. ` +
      (inSync
        ? `${peer.name} is in sync: stop the resource on ${self.name} (crm resource ban) and ${peer.name} takes over as after a failure`
        : `${peer.name} is ${peer.class}, not an in-sync secondary: moving the guest now would lose it`),
  };
}

/** notify on the promoted node: which transitions bring a waiting peer into replication. */
export const JOIN_TRANSITIONS = new Set(['setup', 'secondary-resume', 'primary-resume']);

/**
 * How long a COLO primary may stop answering before monitor calls it failed: its main loop waits
 * while a checkpoint drains writes to a secondary that vanished without a reset (a cut link, a
 * powered-off host) until TCP gives up; Pacemaker fences that secondary meanwhile, and the failover
 * runs once QEMU answers again. Stopping the primary instead would stop the only guest.
 */
export const HUNG_PRIMARY_GRACE_MS = 20_000;

/** monitor on a hung node: still promoted while a COLO primary's grace lasts, else the usual verdict. */
export function hungGrace(lastClass: string | undefined, hungSince: number, now: number): { promoted: boolean; why: string } {
  const primary = lastClass === 'colo-primary' || lastClass === 'migrating';
  if (primary && now - hungSince < HUNG_PRIMARY_GRACE_MS) {
    return {
      promoted: true,
      why: `the COLO primary does not answer for ${now - hungSince} ms (a checkpoint waiting on a lost secondary?); failed after ${HUNG_PRIMARY_GRACE_MS} ms`,
    };
  }
  return { promoted: false, why: primary ? `the COLO primary has not answered for ${now - hungSince} ms` : 'not a COLO primary' };
}

/**
 * The longest a monitor may read busy in a row: the longest a colo process legitimately holds a
 * node's monitor (a `colo status --sample`, at most 60 s, an apply's reads between its steps) with
 * room to spare. Past it the holder is stuck (stopped with Ctrl-Z, say) and says nothing about the
 * QEMU: the monitor fails, and Pacemaker recovers.
 */
export const MAX_BUSY_MS = 300_000;

/**
 * monitor when another colo process holds the node's monitor: the QEMU's process gone → not
 * running (a holder that keeps the monitor says nothing about a crashed QEMU); busy for longer
 * than MAX_BUSY_MS in a row → failed; else the last verdict stands (running when none).
 * `qemuAlive`: undefined when the pid is unknown.
 */
export function busyVerdict(lastClass: string | undefined, qemuAlive: boolean | undefined, busySince: number, now: number, detail?: string): MonitorVerdict {
  if (qemuAlive === false) return { code: OCF.NOT_RUNNING, why: `the QEMU process is gone (its monitor is held by another colo process: ${detail ?? 'busy'})` };
  if (now - busySince > MAX_BUSY_MS)
    return {
      code: OCF.ERR_GENERIC,
      why: `the monitor has been held by another colo process for ${now - busySince} ms (more than ${MAX_BUSY_MS} ms): ${detail ?? 'busy'}`,
    };
  const last = lastClass ? monitorVerdict({ name: '', class: lastClass as NodeClassification['class'] }, true) : undefined;
  if (last && (last.code === OCF.SUCCESS || last.code === OCF.RUNNING_PROMOTED))
    return { code: last.code, why: `${detail ?? 'busy'}; as last seen: ${last.why}` };
  return { code: OCF.SUCCESS, why: `${detail ?? 'busy'}; running` };
}
