// The corpus of broken specs: one file per mistake under test/fixtures/invalid/ (and per unsafe
// shape under test/fixtures/warnings/), each naming in its header the code and the position it must
// be reported with: `# expect: CODE line:column`. The problems found must be exactly those.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, WARNING_CODES } from '../../src/spec/errors.js';
import { loadSpec } from '../../src/spec/load.js';
import { runCli } from '../support/cli.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dirs = ['invalid', 'warnings'] as const;
const corpus = dirs.flatMap((dir) =>
  readdirSync(new URL(`../fixtures/${dir}/`, import.meta.url))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const rel = `test/fixtures/${dir}/${f}`;
      const text = readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8');
      const expected = [...text.matchAll(/^# expect: ([A-Z_]+) (\d+):(\d+)$/gm)].map((m) => `${m[1]} ${m[2]}:${m[3]}`);
      return { dir, rel, text, expected };
    }),
);

const cli = (args: string[]) => runCli(args, { cwd: repo });

describe('the corpus of broken specs', () => {
  it('holds files, each with an expectation', () => {
    expect(corpus.filter((c) => c.dir === 'invalid').length).toBeGreaterThanOrEqual(30);
    for (const c of corpus) expect(c.expected.length, c.rel).toBeGreaterThan(0);
  });

  it.each(corpus)('$rel: exactly the expected problems, at their positions', ({ rel, text, expected }) => {
    const r = loadSpec(text, rel);
    expect(r.problems.map((p) => `${p.code} ${p.pos.line}:${p.pos.column}`)).toEqual(expected);
  });

  it.each(corpus.filter((c) => c.dir === 'invalid'))('$rel: colo validate exits 1 with file:line:column, the code, no stack', async ({ rel, expected }) => {
    const r = await cli(['validate', '-f', rel]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const [code, pos] = expected.find((e) => !WARNING_CODES.includes(e.split(' ')[0] as never))!.split(' ');
    expect(r.stderr).toContain(`${rel}:${pos}: error ${code}:`);
    expect(r.stderr).not.toMatch(/^\s+at |internal error|INTERNAL/m);
    // nothing raw reaches the terminal: no control byte but newline (and tab)
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it.each(corpus.filter((c) => c.dir === 'warnings'))(
    '$rel: valid, and warned about in validate, validate --format json and plan alike',
    async ({ rel, expected }) => {
      const [code, pos] = expected[0].split(' ');
      const v = await cli(['validate', '-f', rel]);
      expect(v.code).toBe(0);
      expect(v.stdout).toContain(`${rel}:${pos}: warning ${code}:`);
      const j = await cli(['validate', '-f', rel, '--format', 'json']);
      expect(j.code).toBe(0);
      const report = JSON.parse(j.stdout);
      expect(report).toMatchObject({ valid: true, errorCount: 0 });
      expect(report.diagnostics.map((d: any) => `${d.code} ${d.line}:${d.column}`)).toContain(expected[0]);
      const p = await cli(['plan', '--offline', '-f', rel, '--format', 'json']);
      expect(p.code).toBe(0);
      expect(JSON.parse(p.stdout).warnings.some((w: any) => w.code === code && `${w.line}:${w.column}` === pos && w.file === rel)).toBe(true);
    },
  );

  it('covers every code a spec file can produce (FILE_READ and INPUT_LIMIT are tested apart)', () => {
    const produced = new Set(corpus.flatMap((c) => c.expected.map((e) => e.split(' ')[0])));
    const fromOtherTests = new Set([
      'FILE_READ',
      'INPUT_LIMIT',
      'YAML_SYNTAX',
      'SCHEMA_REQUIRED',
      'SCHEMA_ENUM',
      'SCHEMA_COUNT',
      'DUPLICATE_NODE_NAME',
      'DUPLICATE_ID',
      'UNKNOWN_REFERENCE',
      'NETDEV_OPTION',
      // a fleet's code: two files, tested with the fleet
      'DUPLICATE_PAIR_NAME',
      // the tls section and its credential files: test/unit/tls.test.ts, on certificates it makes
      'TLS_CONFIG',
      'TLS_FILE',
      'TLS_CERT',
      'TLS_NAME',
      'TLS_AUTHZ',
    ]);
    const missing = ERROR_CODES.filter((c) => !produced.has(c) && !fromOtherTests.has(c));
    expect(missing).toEqual([]);
  });

  it('warnings and errors are told apart by their code', () => {
    for (const c of corpus) {
      const r = loadSpec(c.text, c.rel);
      for (const p of r.problems) expect(p.severity, `${c.rel} ${p.code}`).toBe(WARNING_CODES.includes(p.code) ? 'warning' : 'error');
    }
  });
});
