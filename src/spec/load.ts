import { ProblemList, type Problem } from './errors.js';
import { renameDeprecatedKeys } from './deprecated-keys.js';
import { normalize } from './normalize.js';
import { parseYaml } from './parse.js';
import { checkSemantics, checkVhost } from './semantic.js';
import type { Spec } from './types.js';
import { validateSchema } from './validate-schema.js';

export interface LoadResult {
  spec?: Spec;
  /** errors and warnings, at most LIMITS.maxProblems of them */
  problems: Problem[];
  /** problems found beyond those kept */
  omitted: number;
  /** source lines, so problems can be shown with a caret */
  lines: string[];
}

/** YAML text → validated, normalised Spec, or every problem found. Pure; bounded by LIMITS whatever the text. */
export function loadSpec(text: string, file: string): LoadResult {
  const parsed = parseYaml(text);
  const problems = new ProblemList(file, parsed.locate);
  if (parsed.syntaxErrors.length) {
    return {
      lines: parsed.lines,
      omitted: 0,
      problems: parsed.syntaxErrors.map((e) => ({ code: e.code, message: e.message, path: '', file, pos: e.pos, severity: 'error' })),
    };
  }
  const doc = parsed.value;
  renameDeprecatedKeys(doc, problems);
  const schemaOk = validateSchema(doc, problems);
  checkVhost(doc, problems);
  if (!schemaOk) return { problems: problems.items, omitted: problems.omitted, lines: parsed.lines };
  const spec = normalize(doc);
  checkSemantics(spec, problems);
  return { spec: problems.failed ? undefined : spec, problems: problems.items, omitted: problems.omitted, lines: parsed.lines };
}
