// plan live: observe a pair's nodes and plan from what is there. The CLI, the fleet (many pairs,
// a bounded number of nodes at once) and the OCF agent plan through here.
import type { Profile } from '../model/profile.js';
import type { ObservedNode } from '../model/observed.js';
import { buildPlan } from '../plan/build-plan.js';
import { chooseProfile } from '../plan/choose-profile.js';
import { fingerprint } from './fingerprint.js';
import { isQmp, isWait, type Plan, type Step } from '../plan/types.js';
import type { Spec } from '../spec/types.js';
import { observeNode, readNode, unreachableFrom, type NodeReading, type ObserveOptions } from '../observe/observe.js';
import type { Session } from '../apply/session.js';
import type { RawReads } from '../observe/normalize.js';
import { ColoError } from './errors.js';

export { converged } from '../plan/converged.js';

export interface LivePlan {
  plan: Plan;
  observed: Record<string, ObservedNode>;
  readings: Record<string, NodeReading>;
  profile: Profile;
}

/** The profile of the QEMU that answered (its schema), else the spec's; a pair that cannot replicate is an error. */
export function liveProfile(spec: Spec, observed: Record<string, ObservedNode>): Profile {
  const choice = chooseProfile(spec, observed);
  if (!choice.ok) throw new ColoError(choice.message, 1, choice.code);
  return choice.profile;
}

export interface PlanLiveOptions extends ObserveOptions {
  /** false: a failover in the plan does not fence the dead node (the operator said it is off) */
  fence?: boolean;
  /** runs each node's observation (the fleet bounds how many run at once); default: at once */
  slot?: <T>(f: () => Promise<T>) => Promise<T>;
}

/**
 * The object properties of each node's reading that no step can have changed, for the read after
 * the steps (planOver's `known`): those of objects no QMP step on that node names (an object-add or
 * object-del of it; any mention counts). None after a hook or a fence: the monitors were let go while
 * it ran, so anything may have changed.
 */
export function untouchedProps(readings: Record<string, NodeReading>, steps: Step[]): Record<string, RawReads['props']> {
  if (steps.some((s) => !isQmp(s) && !isWait(s))) return {};
  const out: Record<string, RawReads['props']> = {};
  for (const [node, r] of Object.entries(readings)) {
    const mine = steps.filter((s) => s.node === node && isQmp(s)).map((s) => JSON.stringify(s));
    const props = r.raw?.props ?? {};
    out[node] = Object.fromEntries(Object.entries(props).filter(([id]) => !mine.some((text) => text.includes(id))));
  }
  return out;
}

/** The plan from already observed nodes. */
export function planFrom(spec: Spec, readings: Record<string, NodeReading>, fence = true): LivePlan {
  const observed = Object.fromEntries(Object.entries(readings).map(([k, r]) => [k, r.observed]));
  const profile = liveProfile(spec, observed);
  const plan = buildPlan(spec, profile, observed, { mode: 'live', fingerprint: fingerprint(observed), fence });
  return { plan, observed, readings, profile };
}

/** Observe both nodes in parallel and plan from what is there. */
export async function planLive(spec: Spec, o: PlanLiveOptions = {}): Promise<LivePlan> {
  const slot = o.slot ?? ((f) => f());
  const list = await Promise.all(spec.nodes.map((n) => slot(() => observeNode(n, o))));
  return planFrom(spec, Object.fromEntries(list.map((r) => [r.observed.name, r])), o.fence !== false);
}

/**
 * planLive over a session's connections (apply): the same reads, bounds and classification (an
 * unreachable, hung or busy node is a reading, never an error), but the connections stay open for
 * the steps and the read after them instead of being made again for each.
 */
export async function planOver(
  spec: Spec,
  session: Session,
  o: PlanLiveOptions & { timeoutMs: number; known?: Record<string, RawReads['props']> },
): Promise<LivePlan> {
  const list = await Promise.all(
    spec.nodes.map(async (n): Promise<NodeReading> => {
      let client;
      try {
        client = await session.client(n.name, o.timeoutMs);
      } catch (e) {
        return { observed: unreachableFrom(n.name, e, o.timeoutMs), roundTrips: 0 };
      }
      const start = client.roundTrips;
      try {
        return await readNode(n.name, client, { ...o, knownProps: o.known?.[n.name] });
      } catch (e) {
        await session.drop(n.name);
        return { observed: unreachableFrom(n.name, e, o.timeoutMs), roundTrips: client.roundTrips - start };
      }
    }),
  );
  return planFrom(spec, Object.fromEntries(list.map((r) => [r.observed.name, r])), o.fence !== false);
}
