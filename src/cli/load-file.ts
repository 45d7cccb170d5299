import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { loadSpec } from '../spec/load.js';
import type { Spec } from '../spec/types.js';
import { renderProblems } from '../render/problems.js';
import { CliError, type Io } from './io.js';
import { checkTlsFiles } from './tls-files.js';

/** Reads and validates a spec file; prints every problem and throws CliError when there is one. */
export function loadSpecFile(file: string, io: Io, color: boolean): { spec: Spec; path: string; warnings: string } {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`${file}: cannot read the spec: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 1, 'FILE_READ');
  }
  const shown = relative(io.cwd, path) || file;
  const result = loadSpec(text, shown.startsWith('..') ? path : shown, { tlsFiles: (spec) => checkTlsFiles(spec, io.env) });
  if (!result.spec) {
    io.stderr.write(renderProblems(result.problems, result.lines, color));
    throw new CliError('', 1, result.problems[0]?.code ?? 'INVALID');
  }
  const warnings = result.problems.length ? renderProblems(result.problems, result.lines, color) : '';
  return { spec: result.spec, path, warnings };
}

export { specProfile } from '../plan/choose-profile.js';

/** The node of the spec named NAME, or an error listing the names there are. */
export function nodeOrFail(spec: Spec, name: string) {
  const n = spec.nodes.find((x) => x.name === name);
  if (!n) throw new CliError(`no node named "${name}" in the spec (nodes: ${spec.nodes.map((x) => x.name).join(', ')})`, 1, 'UNKNOWN_NODE');
  return n;
}
