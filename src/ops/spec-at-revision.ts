// colo diff --base: a spec file as it was at a git revision.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { parseYaml } from '../spec/parse.js';
import { ColoError, type OpEnv } from './errors.js';

/** The file as it was at REF: `git show REF:./NAME` from the file's own directory. undefined: not in REF. */
export function atRevision(io: OpEnv, file: string, ref: string): string | undefined {
  const path = resolve(io.cwd, file);
  // a removed file's directory may be gone too: ask from the nearest directory that is still there
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    // --end-of-options: whatever the revision says, git never reads it as an option (checkGitRef refused '-' already)
    return execFileSync('git', ['show', '--end-of-options', `${ref}:./${relative(dir, path)}`], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 << 20,
    });
  } catch (e) {
    const err = String((e as { stderr?: string }).stderr ?? (e as Error).message);
    if (/does not exist in|exists on disk, but not in/.test(err)) return undefined;
    if (/unknown revision|bad revision|invalid object name|Not a valid object name/i.test(err))
      throw new ColoError(`--base ${ref}: no such revision in the repository of ${file}`, 1, 'GIT_REF');
    if (/not a git repository/i.test(err)) throw new ColoError(`--base: ${file} is not inside a git repository`, 1, 'GIT_REF');
    throw new ColoError(`git show ${ref}:${file} failed: ${err.trim().split('\n')[0]}`, 1, 'GIT_REF');
  }
}

/** The pair's name in a spec's text (metadata.name), or the file's name when it has none. */
export function pairName(text: string, label: string): string {
  let name: unknown;
  try {
    name = (parseYaml(text).value as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  } catch {
    // not YAML: the file's name
  }
  return typeof name === 'string' ? name : basename(label).replace(/\.ya?ml$/, '');
}
