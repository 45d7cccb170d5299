// read pairs: every spec of a fleet through the one reader (caps, encoding, FIFO and device refusal,
// TLS files), each file's problems kept with it; the fleet's collisions join the later file.
import { fleetCollisions } from '../fleet/collisions.js';
import type { Problem } from '../spec/errors.js';
import { parseYaml } from '../spec/parse.js';
import type { Spec } from '../spec/types.js';
import { ColoError } from './errors.js';
import { readSpec, type ReadEnv } from './read-spec.js';

export interface LoadedPair {
  file: string;
  /** metadata.name when the file could be read as a pair */
  name?: string;
  spec?: Spec;
  /** the file's problems (its own and the fleet's), errors and warnings */
  problems: Problem[];
  /** the file's lines, for showing the problems in place */
  lines: string[];
  /** problems left out past the limit */
  omitted: number;
}

function nameOf(text: string): string | undefined {
  const v = parseYaml(text).value as { metadata?: { name?: unknown } } | undefined;
  return typeof v?.metadata?.name === 'string' ? v.metadata.name : undefined;
}

/** Reads one pair's file as a result: a file that cannot be read is a problem of that file, never the fleet's. */
export async function readPair(file: string, env: ReadEnv): Promise<LoadedPair & { text?: string }> {
  try {
    const r = await readSpec(file, env);
    return {
      file,
      name: r.spec?.name ?? (r.text ? nameOf(r.text) : undefined),
      spec: r.spec,
      problems: r.problems,
      lines: r.lines,
      omitted: r.omitted,
      text: r.text,
    };
  } catch (e) {
    if (!(e instanceof ColoError)) throw e;
    const message = e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message;
    const p: Problem = { code: 'FILE_READ', message, path: '', file, pos: { line: 1, column: 1 }, severity: 'error' };
    return { file, problems: [p], lines: [], omitted: 0 };
  }
}

/** Reads every file (in order); the fleet's collisions are problems of the later file, whose spec is then dropped. */
export async function readPairs(env: ReadEnv, files: string[]): Promise<LoadedPair[]> {
  const read = [];
  for (const f of files) read.push(await readPair(f, env));
  const valid = read.filter((p) => p.spec);
  const collisions = fleetCollisions(valid.map((p) => ({ file: p.file, spec: p.spec!, locate: () => parseYaml(p.text!).locate })));
  for (const p of valid) {
    const mine = collisions.filter((c) => c.file === p.file);
    if (!mine.length) continue;
    p.problems.push(...mine);
    p.spec = undefined;
  }
  return read.map(({ text: _t, ...p }) => p);
}
