// colo diff OLD NEW | colo diff FILE --base REF: what a spec change means for QEMU, without QEMU.
import { existsSync } from 'node:fs';
import { writeJson } from './json-out.js';
import { relative, resolve } from 'node:path';
import { renderProblems } from '../render/problems.js';
import { renderSpecDiffJson } from '../render/specdiff-json.js';
import { renderSpecDiffMarkdown } from '../render/specdiff-markdown.js';
import { renderSpecDiffText } from '../render/specdiff-text.js';
import { loadSpec } from '../spec/load.js';
import { diffSpecs, type SpecSide } from '../specdiff/diff-specs.js';
import { CLASSES, type ChangeClass } from '../specdiff/types.js';
import { checkGitRef, checkPathArgument, parsePositiveDecimal } from '../spec/option-values.js';
import { CliError, type Io } from './io.js';
import { specProfile } from './load-file.js';
import { readSpecFileText } from '../ops/read-spec.js';
import { atRevision, pairName } from '../ops/spec-at-revision.js';

function side(io: Io, text: string, label: string, color: boolean): SpecSide {
  const r = loadSpec(text, label);
  if (!r.spec) {
    io.stderr.write(renderProblems(r.problems, r.lines, color));
    throw new CliError('', 1, r.problems[0]?.code ?? 'SCHEMA_INVALID');
  }
  return { label, spec: r.spec, profile: specProfile(r.spec) };
}

/** A spec's text through the one reader (a regular file, capped, UTF-8: `colo diff /dev/zero` is refused at once). */
function readSpec(io: Io, file: string, color: boolean): { text: string; label: string } {
  const path = resolve(io.cwd, file);
  const rel = relative(io.cwd, path);
  const label = rel && !rel.startsWith('..') ? rel : path;
  const input = readSpecFileText(file, io);
  if ('problem' in input) {
    const p = input.problem;
    io.stderr.write(
      renderProblems([{ code: p.code, message: p.message, path: '', file: label, pos: { line: p.line, column: p.column }, severity: 'error' }], [], color),
    );
    throw new CliError('', 1, p.code);
  }
  return { text: input.text, label };
}

export interface DiffOptions {
  old: string;
  new?: string;
  base?: string;
  format: string;
  throughput?: string;
  /** exit 1 (CHANGE_REFUSED) when a change is of this class or a stronger one */
  failOn?: string;
  /** exit 2 when something changes (as plan); without it, 0 */
  detailedExitcode?: boolean;
  color: boolean;
}

/** What a pair added to or removed from Git means, said the same in every format. */
function writeAddedOrRemoved(
  io: Io,
  format: string,
  doc: { name: string; old: string | null; new: string | null; created?: true; removed?: true },
  msg: string,
): void {
  if (format === 'json') writeJson(io, { command: 'diff', ...doc, message: msg });
  else if (format === 'markdown') io.stdout.write(`### colo diff \`${doc.name}\`\n\n${doc.created ? ':new:' : ':wastebasket:'} ${msg}\n`);
  else io.stdout.write(msg + '\n');
}

export function cmdDiff(io: Io, o: DiffOptions): number {
  if (!['text', 'json', 'markdown'].includes(o.format)) throw new CliError(`--format must be text, json or markdown, not "${o.format}"`, 1, 'BAD_OPTION');
  // 1e309 (Infinity), 0x10 and blanks are not rates: the expected time without a replica would read 0 s
  const rate = parsePositiveDecimal(o.throughput ?? '100', '--throughput', 1_000_000);
  if (!rate.ok) throw new CliError(`${rate.message} (MiB/s)`, 1, 'BAD_OPTION');
  const throughput = rate.value;
  if (o.failOn !== undefined && !CLASSES.includes(o.failOn as ChangeClass))
    throw new CliError(`--fail-on must be one of ${CLASSES.join(', ')}, not "${o.failOn}"`, 1, 'BAD_OPTION');
  for (const f of [o.old, o.new]) {
    const problem = f === undefined ? undefined : checkPathArgument(f, 'colo diff');
    if (problem) throw new CliError(problem, 1, 'BAD_OPTION');
  }
  if (o.base !== undefined) {
    const problem = checkGitRef(o.base);
    if (problem) throw new CliError(`--base: ${problem}`, 1, 'GIT_REF');
  }
  if (!!o.new === !!o.base) throw new CliError('give two files (colo diff OLD NEW) or one and a revision (colo diff FILE --base REF)', 1, 'USAGE');
  let before: SpecSide;
  let after: SpecSide;
  const changed = (yes: boolean) => (yes && o.detailedExitcode ? 2 : 0);
  if (o.base) {
    if (!existsSync(resolve(io.cwd, o.old))) {
      // removed from Git: colo changes nothing; what the removal means is the operator's call
      const then = atRevision(io, o.old, o.base);
      if (then === undefined) readSpec(io, o.old, o.color); // in neither: the reader's FILE_READ
      const label = relative(io.cwd, resolve(io.cwd, o.old)) || o.old;
      const name = pairName(then!, label);
      const msg = `${label} was removed since ${o.base}: pair ${name} is no longer in Git, and colo changes nothing for it. Its QEMUs keep running as they are; stopping them is the operator's call (colo stop --node NAME on each node's host, with the spec from ${o.base})`;
      writeAddedOrRemoved(io, o.format, { name, old: `${o.base}:${label}`, new: null, removed: true }, msg);
      return changed(true);
    }
    const now = readSpec(io, o.old, o.color);
    const then = atRevision(io, o.old, o.base);
    after = side(io, now.text, now.label, o.color);
    if (then === undefined) {
      // a new pair: nothing runs that could change
      const msg = `${now.label} is new since ${o.base}: pair ${after.spec.name} runs nowhere yet; colo plan shows its setup`;
      writeAddedOrRemoved(io, o.format, { name: after.spec.name, old: null, new: now.label, created: true }, msg);
      return changed(true);
    }
    before = side(io, then, `${o.base}:${now.label}`, o.color);
  } else {
    const a = readSpec(io, o.old, o.color);
    const b = readSpec(io, o.new!, o.color);
    before = side(io, a.text, a.label, o.color);
    after = side(io, b.text, b.label, o.color);
  }
  const d = diffSpecs(before, after, { throughputMiBps: throughput });
  if (o.format === 'json') io.stdout.write(renderSpecDiffJson(d));
  else if (o.format === 'markdown') io.stdout.write(renderSpecDiffMarkdown(d));
  else io.stdout.write(renderSpecDiffText(d, o.color));
  if (o.failOn && d.class && CLASSES.indexOf(d.class) >= CLASSES.indexOf(o.failOn as ChangeClass)) {
    const refused = d.changes.filter((c) => CLASSES.indexOf(c.class) >= CLASSES.indexOf(o.failOn as ChangeClass));
    throw new CliError(
      `refused: ${refused.length} change(s) of pair ${d.name} are ${o.failOn} or beyond (${[...new Set(refused.map((c) => c.class))].join(', ')}): ${refused.map((c) => c.address).join(', ')}`,
      1,
      'CHANGE_REFUSED',
    );
  }
  return changed(!!d.class);
}
