// Reading a pair: its nodes by name, its spec's warnings as plan warnings.
import { diagnostic, type Diagnostic } from '../model/diagnostic.js';
import type { Problem } from '../spec/errors.js';
import type { NodeSpec, Spec } from '../spec/types.js';
import { ColoError } from './errors.js';

/** The node of the spec named NAME, or an error listing the names there are. */
export function nodeOrFail(spec: Spec, name: string): NodeSpec {
  const n = spec.nodes.find((x) => x.name === name);
  if (!n) throw new ColoError(`no node named "${name}" in the spec (nodes: ${spec.nodes.map((x) => x.name).join(', ')})`, 1, 'UNKNOWN_NODE');
  return n;
}

/** A spec's problem in the JSON contract's shape. */
export function problemDiagnostic(p: Problem): Diagnostic {
  return diagnostic(p.severity, p.code, p.message, { file: p.file, line: p.pos.line, column: p.pos.column, path: p.path || null });
}

/** The spec's warnings as plan warnings, where they are in the file. */
export function specWarnings(problems: Problem[]): Diagnostic[] {
  return problems.filter((p) => p.severity === 'warning').map(problemDiagnostic);
}
