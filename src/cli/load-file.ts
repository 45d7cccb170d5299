import { relative, resolve } from 'node:path';
import { loadSpec, type LoadResult } from '../spec/load.js';
import type { Problem } from '../spec/errors.js';
import type { Spec } from '../spec/types.js';
import { renderProblems } from '../render/problems.js';
import { CliError, type Io } from './io.js';
import { readSpecInput } from './read-input.js';

export interface ReadSpec extends LoadResult {
  /** the file as problems name it: relative to the working directory, `-` for stdin */
  shown: string;
  /** absolute path (undefined for stdin) */
  path?: string;
}

/** Reads and checks a spec: every problem comes back (read errors other than size and encoding throw). */
export async function readSpec(file: string, io: Io): Promise<ReadSpec> {
  const path = file === '-' ? undefined : resolve(io.cwd, file);
  const rel = path ? relative(io.cwd, path) || file : '-';
  const shown = path && rel.startsWith('..') ? path : rel;
  const input = await readSpecInput(file, io);
  if ('problem' in input) {
    const p = input.problem;
    const problem: Problem = { code: p.code, message: p.message, path: '', file: shown, pos: { line: p.line, column: p.column }, severity: 'error' };
    return { problems: [problem], omitted: 0, lines: [], shown, path };
  }
  // the credential files are read only for a spec that speaks of TLS (node:crypto stays out of the start-up otherwise)
  const tls = /\btls:/.test(input.text) ? await import('./tls-files.js') : undefined;
  return { ...loadSpec(input.text, shown, tls ? { tlsFiles: (spec) => tls.checkTlsFiles(spec, io.env) } : {}), shown, path };
}

/** Reads and validates a spec file; prints every problem and throws CliError when there is an error. */
export async function loadSpecFile(file: string, io: Io, color: boolean): Promise<{ spec: Spec; path: string; warnings: string; problems: Problem[] }> {
  const result = await readSpec(file, io);
  if (!result.spec) {
    io.stderr.write(renderProblems(result.problems, result.lines, color, result.omitted));
    throw new CliError('', 1, result.problems.find((p) => p.severity === 'error')?.code ?? 'INVALID');
  }
  const warnings = result.problems.length ? renderProblems(result.problems, result.lines, color, result.omitted) : '';
  return { spec: result.spec, path: result.path ?? '-', warnings, problems: result.problems };
}

/** The spec's warnings as plan warnings: CODE: message (file:line:column). */
export function specWarnings(problems: Problem[]): string[] {
  return problems.filter((p) => p.severity === 'warning').map((p) => `${p.code}: ${p.message} (${p.file}:${p.pos.line}:${p.pos.column})`);
}

export { specProfile } from '../plan/choose-profile.js';

/** The node of the spec named NAME, or an error listing the names there are. */
export function nodeOrFail(spec: Spec, name: string) {
  const n = spec.nodes.find((x) => x.name === name);
  if (!n) throw new CliError(`no node named "${name}" in the spec (nodes: ${spec.nodes.map((x) => x.name).join(', ')})`, 1, 'UNKNOWN_NODE');
  return n;
}
