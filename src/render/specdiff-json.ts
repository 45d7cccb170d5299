import type { SpecDiff } from '../specdiff/types.js';
import { argvAddedRemoved, argvPatch } from './argv-patch.js';

/** The diff as JSON: the core's result, each node's argv with the lines added and removed and the unified diff. */
export function renderSpecDiffJson(d: SpecDiff): string {
  const nodes = Object.fromEntries(
    Object.entries(d.nodes).map(([name, n]) => [name, { role: n.role, argv: { ...argvAddedRemoved(n), unified: argvPatch(name, n, d.old, d.new) } }]),
  );
  return JSON.stringify({ ...d, nodes }, null, 2) + '\n';
}
