import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fleetCollisions } from '../fleet/collisions.js';
import { renderProblems } from '../render/problems.js';
import type { Problem } from '../spec/errors.js';
import { loadSpec } from '../spec/load.js';
import { parseYaml } from '../spec/parse.js';
import type { Spec } from '../spec/types.js';
import { errnoWords } from './errno.js';
import type { Io } from './io.js';

export interface LoadedPair {
  file: string;
  /** metadata.name when the file could be read as a pair */
  name?: string;
  spec?: Spec;
  /** the file's problems (its own and the fleet's), errors and warnings */
  problems: Problem[];
  /** the problems as the single-file commands print them */
  problemText: string;
}

function nameOf(text: string): string | undefined {
  const v = parseYaml(text).value as { metadata?: { name?: unknown } } | undefined;
  return typeof v?.metadata?.name === 'string' ? v.metadata.name : undefined;
}

/** Reads every file; a bad file is a result, not an exception; the fleet's collisions join the later file. */
export function loadFleet(io: Io, files: string[], color: boolean): LoadedPair[] {
  const texts = new Map<string, string>();
  const pairs: LoadedPair[] = files.map((file) => {
    let text: string;
    try {
      text = readFileSync(resolve(io.cwd, file), 'utf8');
    } catch (e) {
      const code = errnoWords(e);
      const p: Problem = { code: 'FILE_READ', message: `cannot read the spec: ${code}`, path: '', file, pos: { line: 1, column: 1 }, severity: 'error' };
      return { file, problems: [p], problemText: `${file}: error FILE_READ: cannot read the spec: ${code}\n` };
    }
    texts.set(file, text);
    const r = loadSpec(text, file);
    return {
      file,
      name: r.spec?.name ?? nameOf(text),
      spec: r.spec,
      problems: r.problems,
      problemText: r.problems.length ? renderProblems(r.problems, r.lines, color) : '',
    };
  });
  const valid = pairs.filter((p) => p.spec);
  const collisions = fleetCollisions(valid.map((p) => ({ file: p.file, spec: p.spec!, locate: () => parseYaml(texts.get(p.file)!).locate })));
  for (const p of valid) {
    const mine = collisions.filter((c) => c.file === p.file);
    if (!mine.length) continue;
    p.problems.push(...mine);
    p.problemText = renderProblems(p.problems, texts.get(p.file)!.split(/\r?\n/), color);
    p.spec = undefined;
  }
  return pairs;
}
