import type { NodeSpec, Spec } from '../spec/types.js';
import type { Profile } from '../model/profile.js';
import type { Resource } from '../model/state.js';
import type { ObservedNode } from '../model/observed.js';

/** What step generation reads: the spec, the profile, and the observed (or assumed) nodes. */
export class PlanContext {
  constructor(
    readonly spec: Spec,
    readonly profile: Profile,
    readonly observed: Record<string, ObservedNode>,
    readonly timeouts: { migrationMs: number; resyncMs: number; modeMs: number } = { migrationMs: 120_000, resyncMs: 600_000, modeMs: 30_000 },
  ) {}

  node(name: string): NodeSpec {
    return this.spec.nodes.find((n) => n.name === name)!;
  }

  get(address: string): Resource | undefined {
    // every address starts with its node's name (node names cannot contain '/')
    return this.observed[address.slice(0, address.indexOf('/'))]?.resources[address];
  }

  has(address: string): boolean {
    return this.get(address) !== undefined;
  }

  obs(name: string): ObservedNode {
    return this.observed[name];
  }
}
