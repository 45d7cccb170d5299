// Which spec files a -f list names: a directory stands for its *.yaml / *.yml files (its
// subdirectories' too with -R, kubectl's convention).
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ColoError, type OpEnv } from './errors.js';

const SPEC = /\.ya?ml$/;

function walk(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...walk(p, true));
    } else if (SPEC.test(e.name)) out.push(p);
  }
  return out;
}

const isDir = (io: OpEnv, f: string) => {
  try {
    return statSync(resolve(io.cwd, f)).isDirectory();
  } catch {
    return false;
  }
};

/** One -f naming a file: the single-pair commands, with their output as before. */
export function singleFile(io: OpEnv, files: string[]): string | undefined {
  return files.length === 1 && !isDir(io, files[0]) ? files[0] : undefined;
}

/** A file of a fleet, and whether a directory stood for it (then a file of another kind is skipped, not an error). */
export interface FleetFile {
  file: string;
  fromDir: boolean;
}

/**
 * Every -f in order; a directory stands for every *.yaml / *.yml in it (in its subdirectories too
 * with `recursive`; hidden entries skipped), sorted by path so a fleet's order never depends on the
 * file system. A file named twice counts once.
 */
export function fleetFiles(io: OpEnv, files: string[], o: { recursive?: boolean } = {}): FleetFile[] {
  const out: FleetFile[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const abs = resolve(io.cwd, f);
    let found: string[];
    const dir = isDir(io, f);
    if (dir) {
      found = walk(abs, !!o.recursive).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (!found.length)
        throw new ColoError(
          `${f}: no *.yaml or *.yml file ${o.recursive ? 'under' : 'in'} this directory${o.recursive ? '' : ' (-R: its subdirectories too)'}`,
          1,
          'FILE_READ',
        );
    } else found = [abs];
    for (const p of found) {
      if (seen.has(p)) continue;
      seen.add(p);
      const rel = relative(io.cwd, p);
      out.push({ file: rel && !rel.startsWith('..') ? rel : p, fromDir: dir });
    }
  }
  return out;
}
