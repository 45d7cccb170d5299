import type { Problem } from '../spec/errors.js';
import type { Spec } from '../spec/types.js';
import { renderProblems } from '../render/problems.js';
import { readSpec } from '../ops/read-spec.js';
import { CliError, type Io } from './io.js';

export { readSpec, type ReadSpec } from '../ops/read-spec.js';
export { nodeOrFail, specWarnings } from '../ops/pair.js';
export { specProfile } from '../plan/choose-profile.js';

/** Reads and validates a spec file; prints every problem and throws CliError when there is an error. */
export async function loadSpecFile(file: string, io: Io, color: boolean): Promise<{ spec: Spec; path: string; warnings: string; problems: Problem[] }> {
  const result = await readSpec(file, io);
  if (!result.spec) {
    io.stderr.write(renderProblems(result.problems, result.lines, color, result.omitted));
    throw new CliError('', 1, result.problems.find((p) => p.severity === 'error')?.code ?? 'SCHEMA_INVALID');
  }
  const warnings = result.problems.length ? renderProblems(result.problems, result.lines, color, result.omitted) : '';
  return { spec: result.spec, path: result.path ?? '-', warnings, problems: result.problems };
}
