// fail over: the one orchestration the CLI (`colo failover`, `colo apply --allow-failover`), the
// fleet and the OCF agent use. The safety rules (plan/failover-safety.ts) run for every one of them:
// never away from a node that answers as a live COLO node, never from a hung node without a fence.
import { executeSteps, StepError, type ExecuteOptions } from '../apply/execute.js';
import type { ObservedNode } from '../model/observed.js';
import { peerOf } from '../model/node-role.js';
import { observeNode, readNode, unreachableFrom } from '../observe/observe.js';
import { buildPlan } from '../plan/build-plan.js';
import { classifyNode } from '../plan/classify.js';
import { failoverSafety, type FailoverDecision } from '../plan/failover-safety.js';
import type { Plan } from '../plan/types.js';
import type { Spec } from '../spec/types.js';
import type { NodeSpec } from '../spec/types.js';
import { MAX_SAMPLE_MS } from '../spec/option-values.js';
import { parseQmpAddress } from '../addr/qmp-address.js';
import { hostIsHere } from './this-host.js';
import { ColoError, type OpEnv } from './errors.js';
import { liveProfile } from './live.js';
import { nodeOrFail } from './pair.js';
import { openSession } from './session.js';
import { cutPeerConnections } from './yank.js';
import { trace } from '../sys/trace.js';

/** Who decided the peer is off: the operator (--force, --no-fence) or Pacemaker (the agent). */
export interface FailoverPolicy {
  /** take over although the peer answers as a live COLO node (the operator stopped it) */
  force?: boolean;
  /** the dead node's fence command is not run: the operator made sure it is off (journaled) */
  noFence?: boolean;
  /** the peer was fenced or stopped by this cluster manager before it asked (journaled) */
  fencedBy?: string;
}

/** The safety rules for taking over from `dead` as it was just read; a refusal is an error with its code. */
export function checkFailover(spec: Spec, dead: string, peer: ObservedNode, policy: FailoverPolicy): Extract<FailoverDecision, { ok: true }> {
  const safety = failoverSafety(nodeOrFail(spec, dead), classifyNode(peer), policy);
  if (!safety.ok) throw new ColoError(safety.message, 1, safety.code);
  return safety;
}

/** The peer as the plan sees it once it is declared dead: no answer, nothing of it to manage. */
export function declaredDead(peer: ObservedNode, why: string): ObservedNode {
  return { name: peer.name, reach: 'unreachable', error: `${why} (it was ${classifyNode(peer).class})`, resources: {}, jobs: [] };
}

export interface FailoverPlan {
  plan: Plan;
  safety: Extract<FailoverDecision, { ok: true }>;
}

/**
 * The failover's plan: the survivor as read, the peer declared dead after the safety rules let it
 * be. Pure apart from its refusals (ColoError PEER_ALIVE, NEEDS_FENCE).
 */
export function planFailover(spec: Spec, survivor: ObservedNode, peer: ObservedNode, policy: FailoverPolicy, why: string): FailoverPlan {
  const safety = checkFailover(spec, peer.name, peer, policy);
  const observed = { [survivor.name]: survivor, [peer.name]: declaredDead(peer, why) };
  const plan = buildPlan(spec, liveProfile(spec, { [survivor.name]: survivor }), observed, { mode: 'live', fence: safety.fence });
  return { plan, safety };
}

export interface FailoverInput extends FailoverPolicy {
  survivor: string;
  /** QMP bound per command on the survivor (ms) */
  timeoutMs: number;
  /** how long the peer may take to answer before it counts as hung (ms) */
  peerTimeoutMs: number;
  journal?: string;
  /** the survivor as already read (the agent): no second read */
  survivorRead?: ObservedNode;
  /** the peer as already read (the agent) */
  peerRead?: ObservedNode;
  /** wait for the pair's lock until then (epoch ms); default: LOCKED at once */
  lockUntil?: number;
  /** why the peer is declared dead, journaled and shown in the plan */
  why?: string;
  onStep?: ExecuteOptions['onStep'];
}

export type FailoverResult =
  | { outcome: 'failed-over'; transition: Plan['transition']; survivor: string; dead: string; plan: Plan; steps: number; ms: number; note?: string }
  | { outcome: 'already-alone'; survivor: string; dead: string; plan: Plan; ms: number };

/**
 * How long a failover waits, once, for a peer whose monitor accepted the connection but sent no
 * greeting: longer than any colo process on the peer's host holds its monitor (a `colo status
 * --sample`, at most MAX_SAMPLE_MS; an apply closes its connections before hooks and fences), so a
 * live peer whose monitor was merely held answers then, and is not fenced.
 */
export const PEER_GREETING_RETRY_MS = MAX_SAMPLE_MS + 5000;

/** Whether a node's monitor is on this machine: then colo processes holding it queue on this host's monitor lock, and a silence is no hold. */
export function monitorIsHere(node: NodeSpec): boolean {
  const e = parseQmpAddress(node.qmp);
  return !e || e.kind === 'unix' || hostIsHere(e.host);
}

/**
 * The peer's socket connect, bounded alone: the kernel of a live host completes a TCP handshake at
 * once whatever its QEMU does, and a first SYN lost is sent again after 1 s (Linux), inside this bound
 * as inside the read's 2 s; a host that answers no connect (powered off, fenced) is then read as
 * not answering (hung, connect) after this, not after the whole read's bound: the agent's promote
 * no longer waits its whole read bound for a dead host's TCP monitor. What is decided from it is
 * unchanged. (The CLI's failover reads the peer within --peer-timeout, 1000 ms unless the operator
 * asks for more patience.)
 */
export const PEER_SOCKET_CONNECT_MS = 1100;

/**
 * The peer's read: a monitor on another host that accepted the connection but did not greet (held
 * by a colo process there?) is read once more with PEER_GREETING_RETRY_MS before it counts as hung.
 * A monitor on this host is queued for under its lock: its silence is the QEMU's.
 */
export async function readPeer(dead: NodeSpec, peerTimeoutMs: number, retryMs = PEER_GREETING_RETRY_MS, isHere = monitorIsHere): Promise<ObservedNode> {
  // the operator's --peer-timeout bounds the connect too (its default, 1000 ms, is under PEER_SOCKET_CONNECT_MS)
  const first = (await observeNode(dead, { timeoutMs: peerTimeoutMs, objectProps: false, hangConfirmMs: 0 })).observed;
  if (first.reach !== 'hung' || first.silence !== 'greeting' || isHere(dead)) return first;
  return (await observeNode(dead, { timeoutMs: retryMs, objectProps: false, hangConfirmMs: 0 })).observed;
}

/** Fail over to `survivor` now: read it once (and the peer, bounded), check the rules, run the steps under the pair's lock. */
export async function failover(env: OpEnv, spec: Spec, o: FailoverInput): Promise<FailoverResult> {
  trace('failover: spec read');
  const started = Date.now();
  const survivor = nodeOrFail(spec, o.survivor);
  const dead = peerOf(spec, survivor.name);
  // the other node, read while the survivor is: a failover away from a live node makes two guests
  const peerRead = o.peerRead ? Promise.resolve(o.peerRead) : readPeer(dead, o.peerTimeoutMs);
  const { journal, session, end } = await openSession(env, spec, o.journal, o.timeoutMs, o.lockUntil);
  try {
    const readSurvivor = async (): Promise<ObservedNode> => {
      let client;
      try {
        client = await session.client(survivor.name);
      } catch (e) {
        return unreachableFrom(survivor.name, e, o.timeoutMs);
      }
      try {
        return (await readNode(survivor.name, client, { timeoutMs: o.timeoutMs, objectProps: false, hangConfirmMs: 0 })).observed;
      } catch (e) {
        const u = unreachableFrom(survivor.name, e, o.timeoutMs);
        return { ...u, reach: u.reach === 'ok' ? 'hung' : u.reach, error: `stopped answering while it was read: ${u.error}` };
      }
    };
    let self = o.survivorRead && o.survivorRead.reach !== 'hung' ? o.survivorRead : await readSurvivor();
    if (self.reach === 'hung') {
      // the rules first: the connections of a pair whose peer lives are never cut
      checkFailover(spec, dead.name, await peerRead, o);
      // its main loop is blocked (a checkpoint draining towards the lost peer): the yank helper cuts
      // the connections to the peer out of band, then the survivor is read again
      const cut = await cutPeerConnections(spec, survivor, Math.min(o.timeoutMs, 5000));
      journal.note(survivor.name, 'yank-oob', cut.ok ? { cut: cut.cut } : { unavailable: cut.why });
      if (cut.ok) self = await readSurvivor();
      if (self.reach === 'hung' && !cut.ok) self = { ...self, error: `${self.error}; ${cut.why}` };
    }
    if (self !== o.survivorRead && self.reach !== 'ok')
      throw new ColoError(`survivor ${survivor.name} is ${self.reach}: ${self.error}`, 1, 'SURVIVOR_UNREACHABLE');
    trace(`failover: survivor read (${self.reach})`);
    const peer = await peerRead;
    trace(`failover: peer read (${peer.reach})`);
    const { plan, safety } = planFailover(spec, self, peer, o, o.why ?? 'declared dead by colo failover');
    if (safety.note) journal.note(dead.name, 'no-fence', { reason: safety.note });
    if (plan.transition === 'degraded' && plan.steps.length === 0)
      return { outcome: 'already-alone', survivor: survivor.name, dead: dead.name, plan, ms: Date.now() - started };
    if (plan.transition !== 'secondary-failover' && plan.transition !== 'primary-failover' && plan.transition !== 'degraded')
      throw new ColoError(`${survivor.name} is ${plan.nodes[survivor.name].state}: no failover applies (${plan.reason})`, 1, 'NO_FAILOVER');
    trace(`failover: planned, ${plan.steps.length} steps`);
    journal.note(survivor.name, 'failover', { transition: plan.transition, dead: dead.name });
    try {
      await executeSteps(session, plan.steps, { onStep: o.onStep });
    } catch (e) {
      if (e instanceof StepError) throw new ColoError(e.message, 1, 'STEP_FAILED');
      throw e;
    }
    trace('failover: steps done');
    return {
      outcome: 'failed-over',
      transition: plan.transition,
      survivor: survivor.name,
      dead: dead.name,
      plan,
      steps: plan.steps.length,
      ms: Date.now() - started,
      ...(safety.note ? { note: safety.note } : {}),
    };
  } finally {
    await end();
  }
}
