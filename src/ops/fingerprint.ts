// What a plan was computed from, as one hash: a saved plan is applied only while it still holds.
import { createHash } from 'node:crypto';
import { formatVersion } from '../model/profile.js';
import type { ObservedNode } from '../model/observed.js';
import { classifyNode } from '../plan/classify.js';

/** Hash of what a plan was computed from: classification-relevant state and every resource, in a stable order. */
export function fingerprint(observed: Record<string, ObservedNode>): string {
  const stable = Object.keys(observed)
    .sort()
    .map((name) => {
      const o = observed[name];
      const resources = Object.keys(o.resources)
        .sort()
        .map((k) => {
          const { connected: _c, ...value } = o.resources[k].value as Record<string, unknown>;
          return [k, value];
        });
      // the node's class, not its raw runstate: a checkpoint flips a running primary through finish-migrate
      const state = classifyNode(o).class;
      const version = o.version ? formatVersion(o.version) : undefined;
      return {
        name,
        reach: o.reach,
        state,
        version,
        mode: o.colo?.mode,
        lastMode: o.colo?.lastMode,
        migration: o.migration?.status,
        resources,
        jobs: o.jobs.map((j) => j.id),
      };
    });
  return 'sha256:' + createHash('sha256').update(JSON.stringify(stable)).digest('hex');
}
