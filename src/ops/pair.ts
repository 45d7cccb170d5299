// Reading a pair: its nodes by name, its spec's warnings as plan warnings.
import type { Problem } from '../spec/errors.js';
import type { NodeSpec, Spec } from '../spec/types.js';
import { ColoError } from './errors.js';

/** The node of the spec named NAME, or an error listing the names there are. */
export function nodeOrFail(spec: Spec, name: string): NodeSpec {
  const n = spec.nodes.find((x) => x.name === name);
  if (!n) throw new ColoError(`no node named "${name}" in the spec (nodes: ${spec.nodes.map((x) => x.name).join(', ')})`, 1, 'UNKNOWN_NODE');
  return n;
}

/** The spec's warnings as plan warnings: CODE: message (file:line:column). */
export function specWarnings(problems: Problem[]): string[] {
  return problems.filter((p) => p.severity === 'warning').map((p) => `${p.code}: ${p.message} (${p.file}:${p.pos.line}:${p.pos.column})`);
}
