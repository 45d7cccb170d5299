// One registry of every code colo prints (src/ops/codes.ts), each with its line of documentation:
// the spec's codes are in it, every code the source prints is in it, and the table of
// docs/exit-codes.md (the README links it) lists every one of them.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/ops/codes.js';
import { ERROR_CODES } from '../../src/spec/errors.js';

const root = new URL('../../', import.meta.url);
const table = readFileSync(new URL('docs/exit-codes.md', root), 'utf8');

/** Every code the source writes literally: errors thrown, lines printed, problems made. */
function sourceCodes(): string[] {
  const codes = new Set<string>();
  const files = readdirSync(new URL('src/', root), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.includes('generated'));
  for (const f of files) {
    const src = readFileSync(new URL(`src/${f}`, root), 'utf8');
    for (const m of src.matchAll(/(?:CliError|ColoError)\([\s\S]*?,\s*[\w.]+,\s*'([A-Z_]+)',?\s*\)/g)) codes.add(m[1]);
    for (const m of src.matchAll(/colo: error ([A-Z_]+):/g)) codes.add(m[1]);
    for (const m of src.matchAll(/code: '([A-Z_]+)'/g)) codes.add(m[1]);
    for (const m of src.matchAll(/diagnostic\('(?:error|warning)',\s*'([A-Z_]+)'/g)) codes.add(m[1]);
  }
  return [...codes];
}

describe('the error-code registry', () => {
  it('finds the codes the source prints', () => {
    expect(sourceCodes()).toEqual(expect.arrayContaining(['USAGE', 'BAD_OPTION', 'STEP_FAILED', 'INTERNAL', 'OUTPUT', 'QEMU_PROFILE', 'OCF_SPEC', 'OCF_NODE']));
  });
  it('holds every code of the spec and of the source, each with its documentation', () => {
    for (const code of [...ERROR_CODES, ...sourceCodes()]) expect(CODES, code).toHaveProperty(code);
    for (const [code, doc] of Object.entries(CODES)) expect(doc.length, code).toBeGreaterThan(10);
  });
  it.each(Object.keys(CODES))('%s is in the exit-codes table', (code) => {
    expect(table).toContain(`\`${code}\``);
  });
});
