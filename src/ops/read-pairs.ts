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

/** The kind a pair file has (ColoPair, schemas/colo.schema.json). */
export const PAIR_KIND = 'ColoPair';

interface Head {
  kind?: unknown;
  metadata?: { name?: unknown; labels?: Record<string, unknown> };
}

function headOf(text: string): Head | undefined {
  try {
    const v = parseYaml(text).value as Head | undefined;
    return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function nameOf(text: string): string | undefined {
  const v = headOf(text);
  return typeof v?.metadata?.name === 'string' ? v.metadata.name : undefined;
}

/** kubectl's equality selector: KEY=VALUE (KEY==VALUE too); every one must hold. */
export function parseSelector(items: string[] | undefined): Array<[string, string]> {
  return (items ?? []).map((item) => {
    const m = /^([A-Za-z0-9][A-Za-z0-9._/-]*)==?(.*)$/.exec(item.trim());
    if (!m) throw new ColoError(`-l must be KEY=VALUE (kubectl's equality selector), not "${item}"`, 1, 'BAD_OPTION');
    return [m[1], m[2]];
  });
}

/** A file a fleet left out, and why: another kind of file found in a directory, or labels -l does not select. */
export interface SkippedFile {
  file: string;
  reason: 'not-a-pair' | 'not-selected';
  message: string;
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

/**
 * Reads every file (in order): a file a directory stood for whose `kind` is not ColoPair is skipped,
 * as is a pair whose metadata.labels do not hold every `selector` pair. The fleet's collisions are
 * problems of the later file, whose spec is then dropped.
 */
export async function readPairs(
  env: ReadEnv,
  files: Array<{ file: string; fromDir: boolean }>,
  selector: Array<[string, string]> = [],
): Promise<{ pairs: LoadedPair[]; skipped: SkippedFile[] }> {
  const read = [];
  const skipped: SkippedFile[] = [];
  for (const { file, fromDir } of files) {
    const p = await readPair(file, env);
    const head = p.text !== undefined ? headOf(p.text) : undefined;
    if (fromDir && p.text !== undefined && (!head || head.kind !== PAIR_KIND)) {
      const kind = head && typeof head.kind === 'string' ? `kind ${head.kind}` : 'no kind';
      skipped.push({ file, reason: 'not-a-pair', message: `${file}: skipped, ${kind} (not ${PAIR_KIND})` });
      continue;
    }
    if (selector.length && p.text !== undefined && head) {
      const labels = head.metadata?.labels ?? {};
      const miss = selector.find(([k, v]) => labels[k] !== v);
      if (miss) {
        skipped.push({ file, reason: 'not-selected', message: `${file}: not selected (-l ${miss[0]}=${miss[1]})` });
        continue;
      }
    }
    read.push(p);
  }
  const valid = read.filter((p) => p.spec);
  const collisions = fleetCollisions(valid.map((p) => ({ file: p.file, spec: p.spec!, locate: () => parseYaml(p.text!).locate })));
  for (const p of valid) {
    const mine = collisions.filter((c) => c.file === p.file);
    if (!mine.length) continue;
    p.problems.push(...mine);
    p.spec = undefined;
  }
  return { pairs: read.map(({ text: _t, ...p }) => p), skipped };
}
