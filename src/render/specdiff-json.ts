import type { SpecDiff } from '../specdiff/types.js';
import { argvAddedRemoved, argvPatch } from './argv-patch.js';

/** The diff as JSON: the core's result, each node's argv with the lines added and removed and the unified diff. */
export function renderSpecDiffJson(d: SpecDiff): string {
  const nodes = Object.fromEntries(
    Object.entries(d.nodes).map(([name, n]) => [name, { role: n.role, argv: { ...argvAddedRemoved(n), unified: argvPatch(name, n, d.old, d.new) } }]),
  );
  // one key style: the classes' counts in camelCase (inPlace, relaunchSecondary), the classes themselves stay values
  const summary = Object.fromEntries(Object.entries(d.summary).map(([k, v]) => [k.replace(/-(\w)/g, (_m, x: string) => x.toUpperCase()), v]));
  const { format_version, ...rest } = d;
  return JSON.stringify({ format_version, command: 'diff', ...rest, nodes, summary }, null, 2) + '\n';
}
