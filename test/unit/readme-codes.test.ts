// The error table of docs/exit-codes.md (the README links it) lists every code the CLI can print:
// the spec's codes, every CliError's, and those of the process guard and validate --format json.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/spec/errors.js';

const root = new URL('../../', import.meta.url);
const table = readFileSync(new URL('docs/exit-codes.md', root), 'utf8');

function cliCodes(): string[] {
  const dir = new URL('src/cli/', root);
  const codes = new Set<string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const src = readFileSync(new URL(f, dir), 'utf8');
    for (const m of src.matchAll(/CliError\([\s\S]*?,\s*1,\s*'([A-Z_]+)',?\s*\)/g)) codes.add(m[1]);
    for (const m of src.matchAll(/colo: error ([A-Z_]+):/g)) codes.add(m[1]);
    for (const m of src.matchAll(/code: '([A-Z_]+)'/g)) codes.add(m[1]);
  }
  return [...codes];
}

describe('docs/exit-codes.md error codes', () => {
  it('finds the CLI codes it checks', () => {
    expect(cliCodes()).toEqual(expect.arrayContaining(['USAGE', 'BAD_OPTION', 'STEP_FAILED', 'INTERNAL', 'OUTPUT', 'QEMU_PROFILE']));
  });
  it.each([...new Set([...ERROR_CODES, ...cliCodes()])])('%s is in the table', (code) => {
    expect(table).toContain(`\`${code}\``);
  });
});
