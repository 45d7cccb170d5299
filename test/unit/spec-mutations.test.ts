// Random mutations of examples/ thrown at validate and plan: whatever the text, loadSpec returns
// problems (never throws), each with a known code and a position inside the file, messages stay
// short and free of control bytes, and a spec that loads can be planned for every transition and
// rendered. The work is bounded by construction (a fixed, seeded number of mutations; the limits
// in src/spec/limits.ts), not by a wall clock: `npm run bench` keeps the time figures.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeArgs } from '../../src/model/argv.js';
import { parseVersion, recordedProfile } from '../../src/model/profile.js';
import { assumeObserved } from '../../src/plan/assume.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { TRANSITIONS } from '../../src/plan/types.js';
import { renderPlanText } from '../../src/render/plan-text.js';
import { renderProblems } from '../../src/render/problems.js';
import { ERROR_CODES } from '../../src/spec/errors.js';
import { LIMITS } from '../../src/spec/limits.js';
import { loadSpec } from '../../src/spec/load.js';
import { runCli } from '../support/cli.js';
import { rng } from '../support/rng.js';

const MUTATIONS_PER_EXAMPLE = Number(process.env.COLO_MUTATIONS ?? 250);
const CLI_RUNS_PER_EXAMPLE = 10;

const examplesDir = new URL('../../examples/', import.meta.url);
const examples = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ name: f, text: readFileSync(new URL(f, examplesDir), 'utf8') }));

const VALUES = [
  '0',
  '-1',
  '65536',
  '65534',
  '""',
  "''",
  '"x,y=z"',
  '1e309',
  'true',
  'null',
  '~',
  '[]',
  '{}',
  '"10 GB"',
  '1Gb',
  '2147483648',
  '"127.0.0.2,server=on"',
  '"rtl8139,romfile=/tmp/evil.rom"',
  '*nope',
  '&a',
  '!!binary aGk=',
  '"\\u0000"',
  '"\u202e"',
  '"🙂"',
  'x'.repeat(5000),
  '[""]',
  '{a: *a}',
  '"99.99"',
  '"::1"',
  'unix:',
  'tcp:[::1]:0',
  '!!int "x"',
  '? a',
  '|\n  block',
  '>-',
  // the third round's classes: tags, NULs, invisible characters, relative paths, host spellings,
  // numbers past platform limits, option-like values, no-op commands, self-containing aliases
  '!env COLO_X',
  '!!set {a: null}',
  '!!timestamp 2001-12-14',
  '"a\\0b"',
  '"\\u200b"',
  '"x\u200by"',
  '"\ufeffx"',
  'rel/dir',
  '"./x"',
  '-x',
  '--help',
  '"::FFFF:127.0.0.1"',
  'NODE.EXAMPLE.',
  '"2001:DB8:0:0:0:0:0:1"',
  '3000000000',
  '99999999999T',
  '4096T',
  '99999999999999999999',
  'true',
  '"exit 0"',
  '"   "',
  '&s {x: *s}',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
  '['.repeat(3000) + ']'.repeat(3000),
  '- '.repeat(2000) + 'x',
];
const SNIPPETS = [
  ':',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '&a ',
  '*a',
  ',',
  '\t',
  '\u0000',
  '- ',
  ' ',
  '#',
  '\n',
  '---\n',
  '%YAML 1.1\n',
  '\ufeff',
  '\r',
  '\\',
  '? ',
  '!!set ',
  '!!binary ',
  '!x ',
  '<<: *a\n',
  '!env ',
  '!!timestamp ',
  '\u200b',
  '\u2060',
  '\u{e0041}',
  '- '.repeat(1500),
  '['.repeat(500),
];

function mutate(text: string, r: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const lines = text.split('\n');
  const at = Math.floor(r() * lines.length);
  const pos = Math.floor(r() * text.length);
  switch (Math.floor(r() * 9)) {
    case 0: // delete a character
      return text.slice(0, pos) + text.slice(pos + 1);
    case 1: // insert a troublesome snippet
      return text.slice(0, pos) + pick(SNIPPETS) + text.slice(pos);
    case 2: // replace a value after a colon
      lines[at] = lines[at].replace(/: [^,}\n]*/, `: ${pick(VALUES)}`);
      return lines.join('\n');
    case 3: // delete a line
      lines.splice(at, 1);
      return lines.join('\n');
    case 4: // duplicate a line (duplicate keys, a third node)
      lines.splice(at, 0, lines[at]);
      return lines.join('\n');
    case 5: // indent or dedent a line
      lines[at] = r() < 0.5 ? `  ${lines[at]}` : lines[at].replace(/^ {1,2}/, '');
      return lines.join('\n');
    case 6: // swap two lines
      [lines[at], lines[lines.length - 1 - at]] = [lines[lines.length - 1 - at], lines[at]];
      return lines.join('\n');
    case 7: // cut the file short
      return text.slice(0, pos);
    default: // replace a number by another
      return text.replace(/\d+/, String(Math.floor(r() * 70000)));
  }
}

/** Checks one text; true when it loaded as a spec. */
function check(text: string, label: string): boolean {
  const r = loadSpec(text, 'm.yaml');
  expect(r.problems.length, label).toBeLessThanOrEqual(LIMITS.maxProblems);
  for (const p of r.problems) {
    expect(ERROR_CODES, label).toContain(p.code);
    expect(p.pos.line, label).toBeGreaterThanOrEqual(1);
    expect(p.pos.line, label).toBeLessThanOrEqual(r.lines.length + 1);
    expect(p.pos.column, label).toBeGreaterThanOrEqual(1);
    expect(p.message.length, label).toBeLessThan(1000);
    expect(p.message, label).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    // nothing invisible, nothing unreadable, never the stack's own words
    expect(p.message, label).not.toMatch(/[\u200b-\u200f\u2060\ufeff]|\[object Object\]|"type":"Buffer"|Maximum call stack/);
  }
  const shown = renderProblems(r.problems, r.lines, false, r.omitted);
  expect(shown, label).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  if (!r.spec) {
    expect(r.problems.some((p) => p.severity === 'error') || r.omitted > 0, label).toBe(true);
    return false;
  }
  const profile = recordedProfile(parseVersion(r.spec.qemu.version)!, r.spec.qemu.accel);
  for (const node of r.spec.nodes) {
    for (const role of ['primary', 'secondary'] as const) {
      const { argv } = nodeArgs(r.spec, profile, node, role);
      // nothing the spec says becomes another QEMU option: the -m value is whole MiB
      expect(argv[argv.indexOf('-m') + 1], label).toMatch(/^\d+M$/);
    }
  }
  for (const t of TRANSITIONS) renderPlanText(buildPlan(r.spec, profile, assumeObserved(r.spec, profile, t), { mode: 'offline' }), false);
  return true;
}

const cli = (args: string[], stdin: string) => runCli(args, { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdin });

describe('random mutations of the examples', () => {
  it.each(examples)('$name: never an exception, always a code and a position', async ({ name, text }) => {
    // nothing may reach stderr behind colo's back either (the yaml library warns through the process)
    const processWarnings: string[] = [];
    const onWarning = (w: Error) => processWarnings.push(w.message);
    process.on('warning', onWarning);
    const r = rng(name.length * 7919);
    let invalid = 0;
    for (let i = 0; i < MUTATIONS_PER_EXAMPLE; i++) {
      // one to three mutations stacked
      let m = text;
      const n = 1 + Math.floor(r() * 3);
      for (let k = 0; k < n; k++) m = mutate(m, r);
      if (!check(m, `${name} mutation ${i}: ${JSON.stringify(m).slice(0, 300)}`)) invalid++;
    }
    // the mutations do break most files: the test exercises the error paths, not only the happy one
    expect(invalid).toBeGreaterThan(MUTATIONS_PER_EXAMPLE / 3);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(processWarnings).toEqual([]);
  });

  it.each(examples)('$name: validate and plan --offline from stdin exit 0 or 1, never a trace', async ({ name, text }) => {
    const r = rng(name.length * 104729);
    for (let i = 0; i < CLI_RUNS_PER_EXAMPLE; i++) {
      const m = mutate(mutate(text, r), r);
      for (const args of [
        ['validate', '-f', '-'],
        ['plan', '--offline', '-f', '-', '--no-color'],
      ]) {
        const out = await cli(args, m);
        expect([0, 1], `${args.join(' ')} on ${JSON.stringify(m).slice(0, 200)}`).toContain(out.code);
        expect(out.stderr).not.toMatch(/^\s+at |INTERNAL/m);
        if (out.code === 1) expect(out.stderr).toMatch(/^(-:\d+:\d+: error [A-Z_]+:|colo: error [A-Z_]+:)/m);
      }
    }
  });
});
