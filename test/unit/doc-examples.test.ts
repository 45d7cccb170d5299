// Every `$ colo …` example of README.md and docs/*.md is run with the built CLI (bin/colo, as a user
// runs it) and its printed output compared with the document's block: the documents cannot drift
// from the tool. Needs `npm run build` first (npm test does it).
//
// How a document writes an example (a ```console block):
//   $ colo validate -f examples/pair.yaml        ← a command, run with sh in a scratch directory
//   examples/pair.yaml: valid (…)                ← what it prints, stdout and stderr as a terminal shows them
//   ...                                          ← a line of three dots alone stands for any lines
// Every `$ ` line of a block runs, in order, in one scratch directory holding links to the
// repository's examples/, schemas/ and test/ (so `--out plan.json` or `> new.yaml` stay there).
// A block preceded by `<!-- doc-example: live … -->` needs running QEMU (a live test covers it), one
// preceded by `<!-- doc-example: skip … -->` needs what a unit test has not (a git history, a TTY):
// neither runs here, both are counted. A ```yaml block preceded by `<!-- doc-example: valid -->` is a
// whole pair spec: `colo validate` must find no error in it.
//
// When the tool's output changes on purpose: `COLO_DOC_UPDATE=1 npx vitest run test/unit/doc-examples.test.ts`
// writes the new output into each example that has no `...` (the one place an example lives is its
// document); the examples with `...` fail with a diff to edit by hand. COLO_DOC_FILES=docs/cli.md,README.md
// limits a run to those documents.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(join(root, 'dist/bundle/colo.mjs'));
const update = process.env.COLO_DOC_UPDATE === '1';

export interface DocExample {
  /** the document, relative to the repository */
  doc: string;
  /** 1-based line of the `$ ` line */
  line: number;
  command: string;
  /** the lines shown after it */
  expected: string[];
  /** index of the first and last expected line in the document's lines (0-based, end exclusive) */
  from: number;
  to: number;
}

export interface DocBlock {
  doc: string;
  line: number;
  /** 'run', 'valid' (a spec), or why it does not run here */
  mode: 'run' | 'live' | 'skip' | 'valid';
  /** a spec block's text */
  text?: string;
  reason: string;
  examples: DocExample[];
}

/** The ```console blocks of a markdown text, each split into its commands and their output. */
export function parseDoc(doc: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = lines[i].trim();
    if (fence !== '```console' && fence !== '```yaml') continue;
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    if (fence === '```yaml') {
      let k = i + 1;
      while (k < lines.length && lines[k].trim() !== '```') k++;
      if (j >= 0 && lines[j].trim() === '<!-- doc-example: valid -->')
        blocks.push({ doc, line: i + 1, mode: 'valid', reason: '', examples: [], text: lines.slice(i + 1, k).join('\n') + '\n' });
      i = k;
      continue;
    }
    const marker = j >= 0 ? /^<!-- doc-example: (live|skip)\b\s*(.*?)\s*-->$/.exec(lines[j].trim()) : null;
    const block: DocBlock = { doc, line: i + 1, mode: (marker?.[1] as 'live' | 'skip') ?? 'run', reason: marker?.[2] ?? '', examples: [] };
    let k = i + 1;
    for (; k < lines.length && lines[k].trim() !== '```'; k++) {
      if (lines[k].startsWith('$ ')) block.examples.push({ doc, line: k + 1, command: lines[k].slice(2), expected: [], from: k + 1, to: k + 1 });
      else if (block.examples.length) {
        const ex = block.examples[block.examples.length - 1];
        ex.expected.push(lines[k]);
        ex.to = k + 1;
      }
    }
    // a blank line between two examples separates them; it is not part of the first one's output
    for (const ex of block.examples) {
      while (ex.expected.length && ex.expected[ex.expected.length - 1] === '' && ex !== block.examples[block.examples.length - 1]) {
        ex.expected.pop();
        ex.to--;
      }
    }
    blocks.push(block);
    i = k;
  }
  return blocks;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `actual` is what `expected` shows: every line as written, `...` alone for any lines. */
export function matches(expected: string[], actual: string): boolean {
  const body = expected.map((l) => (l.trim() === '...' ? '(?:[^\\n]*\\n)*?' : `${escape(l)}\\n`)).join('');
  return new RegExp(`^${body}$`).test(actual.endsWith('\n') || actual === '' ? actual : `${actual}\n`);
}

function docFiles(): string[] {
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => `docs/${f}`)
    : [];
  const only = process.env.COLO_DOC_FILES?.split(',').filter(Boolean);
  return ['README.md', ...docs].filter((d) => !only || only.includes(d));
}

/** A scratch directory where the repository's inputs are at their usual relative paths. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'colo-doc-'));
  for (const d of ['examples', 'schemas', 'test', 'scripts']) symlinkSync(join(root, d), join(dir, d));
  return dir;
}

function runLine(command: string, cwd: string): string {
  const r = spawnSync('sh', ['-c', `{ ${command}\n} 2>&1`], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: `${join(root, 'bin')}:${process.env.PATH}`,
      HOME: cwd,
      TMPDIR: cwd,
      COLO_STATE_DIR: join(cwd, '.state'),
      COLO_CACHE_DIR: join(cwd, '.cache'),
      NO_COLOR: '1',
      LANG: 'C.UTF-8',
    },
  });
  if (r.error) throw r.error;
  return r.stdout;
}

const blocks = docFiles().flatMap((doc) => parseDoc(doc, readFileSync(join(root, doc), 'utf8')));
const run = blocks.filter((b) => b.mode === 'run');
const coloCount = (bs: DocBlock[]) => bs.flatMap((b) => b.examples).filter((e) => /^colo\s/.test(e.command)).length;

/** Output to write back per document in update mode: [from, to, lines]. */
const updates = new Map<string, [number, number, string[]][]>();
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const [doc, edits] of updates) {
    const lines = readFileSync(join(root, doc), 'utf8').split('\n');
    for (const [from, to, out] of edits.sort((a, b) => b[0] - a[0])) lines.splice(from, to - from, ...out);
    writeFileSync(join(root, doc), lines.join('\n'));
  }
});

describe('the examples of README.md and docs/', () => {
  it('are found: every `$ colo` line of a console block is an example', () => {
    expect(built, 'dist/bundle/colo.mjs is missing: run npm run build').toBe(true);
    if (process.env.COLO_DOC_FILES) return;
    expect(coloCount(run)).toBeGreaterThanOrEqual(20);
    // the README's first try is among them
    expect(run.filter((b) => b.doc === 'README.md').flatMap((b) => b.examples.map((e) => e.command))).toContain('colo plan --offline -f examples/pair.yaml');
  });

  it('that are not run here say why (live: a live test runs them; skip: the reason)', () => {
    for (const b of blocks.filter((x) => x.mode === 'live' || x.mode === 'skip')) expect(b.reason, `${b.doc}:${b.line}`).not.toBe('');
    console.log(
      `doc examples: ${coloCount(run)} colo commands run and compared, ${coloCount(blocks.filter((b) => b.mode === 'live'))} live, ${coloCount(blocks.filter((b) => b.mode === 'skip'))} skipped`,
    );
  });

  it.skipIf(!built)('that are not run here use only commands and options colo has (its --help)', () => {
    const help = new Map<string, string>();
    for (const ex of blocks.filter((b) => b.mode === 'live' || b.mode === 'skip').flatMap((b) => b.examples)) {
      const words = ex.command.replace(/\s#.*$/, '').split(/\s+/);
      if (words[0] !== 'colo') continue;
      const sub = words.slice(1).find((w) => !w.startsWith('-'))!;
      if (!help.has(sub)) help.set(sub, runLine(`colo ${sub} --help`, root));
      expect(help.get(sub), `${ex.doc}:${ex.line}: colo ${sub}`).toMatch(/^Usage: colo /);
      for (const opt of words.filter((w) => w.startsWith('--')))
        expect(help.get(sub), `${ex.doc}:${ex.line}: colo ${sub} ${opt}`).toContain(opt.replace(/=.*$/, ''));
    }
  });

  describe.each(blocks.filter((b) => b.mode === 'valid').map((b) => [`${b.doc}:${b.line}`, b] as const))('%s (a spec)', (_where, block) => {
    it.skipIf(!built)('is valid', () => {
      const dir = scratch();
      dirs.push(dir);
      writeFileSync(join(dir, 'spec.yaml'), block.text!);
      const out = runLine('colo validate -f spec.yaml; echo "exit $?"', dir);
      expect(out, `${block.doc}:${block.line}: colo validate`).toMatch(/: valid \(pair [\s\S]*exit 0\n$/);
      expect(out).not.toMatch(/ error [A-Z_]+:/);
    });
  });

  describe.each(run.map((b) => [`${b.doc}:${b.line}`, b] as const))('%s', (_where, block) => {
    it.skipIf(!built)('prints what the document shows', () => {
      const dir = scratch();
      dirs.push(dir);
      for (const ex of block.examples) {
        const actual = runLine(ex.command, dir);
        if (matches(ex.expected, actual)) continue;
        const out = actual.replace(/\n$/, '').split('\n');
        if (update && !ex.expected.some((l) => l.trim() === '...')) {
          const list = updates.get(ex.doc) ?? [];
          list.push([ex.from, ex.to, actual === '' ? [] : out]);
          updates.set(ex.doc, list);
          continue;
        }
        expect(actual, `${ex.doc}:${ex.line}: \`${ex.command}\` printed something else (a \`...\` line stands for any lines)`).toBe(
          ex.expected.join('\n') + (ex.expected.length ? '\n' : ''),
        );
      }
    });
  });
});

describe('the example parser', () => {
  const doc = [
    'text',
    '<!-- doc-example: live needs QEMU -->',
    '```console',
    '$ colo status -f x',
    'out',
    '```',
    '',
    '```console',
    '$ colo a',
    'one',
    '',
    '$ colo b',
    '...',
    'end',
    '```',
  ].join('\n');
  it('splits blocks into commands and output, and reads the markers', () => {
    const [live, plain] = parseDoc('d.md', doc);
    expect(live).toMatchObject({ mode: 'live', reason: 'needs QEMU', line: 3 });
    expect(plain.mode).toBe('run');
    expect(plain.examples.map((e) => [e.command, e.expected, e.line])).toEqual([
      ['colo a', ['one'], 9],
      ['colo b', ['...', 'end'], 12],
    ]);
  });
  it('matches lines exactly, and `...` for any lines', () => {
    expect(matches(['a', 'b'], 'a\nb\n')).toBe(true);
    expect(matches(['a', 'b'], 'a\nb\nc\n')).toBe(false);
    expect(matches(['a', '...', 'd'], 'a\nb\nc\nd\n')).toBe(true);
    expect(matches(['a', '...', 'd'], 'a\nd\n')).toBe(true);
    expect(matches(['a.b'], 'axb\n')).toBe(false);
    expect(matches([], '')).toBe(true);
  });
});
