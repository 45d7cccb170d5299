import { ProblemList, type Problem } from './errors.js';
import { renameDeprecatedKeys } from './deprecated-keys.js';
import { normalize } from './normalize.js';
import { parseYaml } from './parse.js';
import { checkSemantics, checkVhost } from './semantic.js';
import { checkTls, type TlsFileChecker } from './tls.js';
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
export function loadSpec(text: string, file: string, opts: { tlsFiles?: TlsFileChecker } = {}): LoadResult {
  const parsed = parseYaml(text);
  // a renamed key is located under the name the file gives it
  const renamed: Array<[to: string, from: string]> = [];
  const locate = (pointer: string, key?: boolean) => {
    const r = renamed.find(([to]) => pointer === to || pointer.startsWith(`${to}/`));
    return parsed.locate(r ? r[1] + pointer.slice(r[0].length) : pointer, key);
  };
  const problems = new ProblemList(file, locate);
  if (parsed.syntaxErrors.length) {
    return {
      lines: parsed.lines,
      omitted: 0,
      problems: parsed.syntaxErrors.map((e) => ({ code: e.code, message: e.message, path: '', file, pos: e.pos, severity: 'error' })),
    };
  }
  const doc = parsed.value;
  renameDeprecatedKeys(doc, problems, renamed);
  const schemaOk = validateSchema(doc, problems);
  checkVhost(doc, problems);
  if (!schemaOk) return { problems: problems.items, omitted: problems.omitted, lines: parsed.lines };
  const spec = normalize(doc);
  checkSemantics(spec, problems);
  checkTls(spec, problems);
  // the credential files, read by the caller's checker (I/O stays at the CLI's edge)
  if (!problems.failed && opts.tlsFiles) for (const p of opts.tlsFiles(spec)) problems.add(p.code, p.path, p.message, { severity: p.severity });
  return { spec: problems.failed ? undefined : spec, problems: problems.items, omitted: problems.omitted, lines: parsed.lines };
}
