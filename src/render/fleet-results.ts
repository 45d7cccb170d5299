// One pair's result in a fleet when it could not run: its file is invalid, or its operation threw.
import { diagnostic } from '../model/diagnostic.js';
import { ColoError } from '../ops/errors.js';
import { problemDiagnostic } from '../ops/pair.js';
import type { LoadedPair } from '../ops/read-pairs.js';
import { validateResult } from './validate-json.js';
import type { PairResult } from '../fleet/types.js';

/** A pair file with errors: failed, with its first error and the problems as printed (`problemText`). */
export function invalidPair(p: LoadedPair & { problemText: string }): PairResult {
  const errors = p.problems.filter((x) => x.severity === 'error');
  const first = errors[0];
  return {
    file: p.file,
    name: p.name,
    outcome: 'failed',
    detail: `${errors.length} problem(s): ${first.code} ${first.message}`,
    error: problemDiagnostic(first),
    output: p.problemText,
    result: validateResult({ ...p, shown: p.file }),
  };
}

/** An error of one pair as its result; an error without a code is still one pair's failure, never the fleet's. */
export function failedPair(file: string, name: string | undefined, e: unknown, output = ''): PairResult {
  const code = e instanceof ColoError ? e.code : 'INTERNAL';
  const message = (e as Error).message;
  return {
    file,
    name,
    outcome: 'failed',
    detail: `${code}: ${message.split('\n')[0] || 'see above'}`,
    error: diagnostic('error', code, message, { file }),
    output,
  };
}
