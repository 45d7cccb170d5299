import { ProblemList, type Problem } from './errors.js';
import { normalize } from './normalize.js';
import { parseYaml } from './parse.js';
import { checkSemantics, checkVhost } from './semantic.js';
import { checkTls, type TlsFileChecker } from './tls.js';
import type { Spec } from './types.js';
import { validateSchema } from './validate-schema.js';

export interface LoadResult {
  spec?: Spec;
  problems: Problem[];
  /** source lines, so problems can be shown with a caret */
  lines: string[];
}

/** YAML text → validated, normalised Spec, or every problem found. Pure. */
export function loadSpec(text: string, file: string, opts: { tlsFiles?: TlsFileChecker } = {}): LoadResult {
  const parsed = parseYaml(text);
  const problems = new ProblemList(file, parsed.locate);
  if (parsed.syntaxErrors.length) {
    return {
      lines: parsed.lines,
      problems: parsed.syntaxErrors.map((e) => ({ code: 'YAML_SYNTAX', message: e.message, path: '', file, pos: e.pos, severity: 'error' })),
    };
  }
  const doc = parsed.value;
  const schemaOk = validateSchema(doc, problems);
  checkVhost(doc, problems);
  if (!schemaOk) return { problems: problems.items, lines: parsed.lines };
  const spec = normalize(doc);
  checkSemantics(spec, problems);
  checkTls(spec, problems);
  // the credential files, read by the caller's checker (I/O stays at the CLI's edge)
  if (!problems.errors.length && opts.tlsFiles) for (const p of opts.tlsFiles(spec)) problems.add(p.code, p.path, p.message, { severity: p.severity });
  return { spec: problems.errors.length ? undefined : spec, problems: problems.items, lines: parsed.lines };
}
