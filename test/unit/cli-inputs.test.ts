// What the CLI does with hostile or unusual input: stdin, huge, binary and UTF-16 files, usage
// errors, JSON validation, a reader that goes away. Always a code, never a stack trace.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/cli.js';
import { LIMITS } from '../../src/spec/limits.js';
import { runCli } from '../support/cli.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'colo-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const pair = readFileSync(join(repo, 'examples/pair.yaml'), 'utf8');

async function cli(args: string[], stdin: string | Buffer = '') {
  const r = await runCli(args, { cwd: tmp, stdin });
  expect(r.stderr).not.toMatch(/^\s+at |INTERNAL/m);
  return r;
}

function file(name: string, content: string | Buffer): string {
  writeFileSync(join(tmp, name), content);
  return name;
}

function labels(n: number): string {
  return pair.replace('metadata: {name: demo}', `metadata:\n  name: demo\n  labels:\n${Array.from({ length: n }, (_, i) => `    k${i}: v${i}`).join('\n')}`);
}

describe('-f - reads the spec from stdin', () => {
  it('a valid spec', async () => {
    const r = await cli(['validate', '-f', '-'], pair);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^-: valid \(pair demo/);
  });
  it('an invalid one: problems name the file -', async () => {
    const r = await cli(['validate', '-f', '-'], pair.replace('memory: 128M', 'memory: "10 GB"'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^-:6:46: error INVALID_SIZE: .*binary/m);
  });
  it('args too', async () => {
    const r = await cli(['args', '-f', '-', '--node', 'a', '--format', 'json'], pair);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).argv).toContain('128M');
  });
});

describe('limits', () => {
  it('a 100k-key file is refused at 1:1 before it is parsed', async () => {
    const r = await cli(['validate', '-f', file('huge.yaml', labels(100_000))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^huge\.yaml:1:1: error INPUT_LIMIT: the file is larger than 64 KiB/m);
  });
  it('more values than the cap within the size: refused at the value that crosses it', async () => {
    const text = `apiVersion: colo/v1\nkind: ColoPair\nmetadata: {name: x, labels: {${Array.from({ length: LIMITS.maxValues + 10 }, (_, i) => `${i}: v`).join(', ')}}}\n`;
    expect(text.length).toBeLessThan(LIMITS.maxBytes);
    const r = await cli(['validate', '-f', file('many.yaml', text)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^many\.yaml:3:\d+: error INPUT_LIMIT: the document holds more than 5000/m);
  });
  it('an alias bomb is reported at the alias', async () => {
    let text = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    for (const [p, q] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
    ])
      text += `${p}: &${p} [${Array(10).fill(`*${q}`).join(', ')}]\n`;
    const r = await cli(['validate', '-f', file('bomb.yaml', text)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bomb\.yaml:4:\d+: error INPUT_LIMIT: alias \*c expands/m);
  });
  it('a long value is cut in messages: the output stays small', async () => {
    const r = await cli(['validate', '-f', file('long.yaml', pair.replace('name: demo', `name: ${'x'.repeat(60_000)}`))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/UNSAFE_ID/);
    expect(r.stderr.length).toBeLessThan(2000);
  });
  it('nesting deeper than the cap is refused', async () => {
    const r = await cli(['validate', '-f', file('deep.yaml', `a: ${'['.repeat(200)}${']'.repeat(200)}\n`)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INPUT_LIMIT: maps and lists are nested deeper/);
  });
});

describe('encodings', () => {
  it('UTF-16 is refused, not echoed', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pair, 'utf16le')]);
    const r = await cli(['validate', '-f', file('utf16.yaml', utf16)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^utf16\.yaml:1:1: error INPUT_ENCODING: the file is UTF-16/m);
    expect(r.stderr).not.toMatch(/\u0000/);
  });
  it('invalid UTF-8 is refused where it is', async () => {
    const bytes = Buffer.concat([Buffer.from('apiVersion: colo/v1\nkind: Co'), Buffer.from([0xc3, 0x28]), Buffer.from('loPair\n')]);
    const r = await cli(['validate', '-f', file('latin.yaml', bytes)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^latin\.yaml:2:9: error INPUT_ENCODING/m);
  });
  it('control bytes in a value are escaped in messages and source lines', async () => {
    const r = await cli(['validate', '-f', file('esc.yaml', pair.replace('name: demo', 'name: "de\\u001b[2Jmo"'))]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\u001b/);
    expect(r.stderr).toMatch(/\\u001b\[2J/);
  });
});

describe('read errors in words', () => {
  it('a directory where one pair is expected', async () => {
    const r = await cli(['args', '-f', '.', '--node', 'a']);
    expect(r.stderr).toBe('colo: error FILE_READ: .: cannot read the spec: is a directory, not a file (EISDIR)\n');
  });
  it('a saved plan that is missing, or not JSON', async () => {
    expect((await cli(['apply', 'gone.json'])).stderr).toBe(
      'colo: error PLAN_READ: gone.json: cannot read the saved plan: no such file or directory (ENOENT)\n',
    );
    expect((await cli(['apply', file('garbage.json', '{nope')])).stderr).toMatch(/^colo: error PLAN_READ: garbage\.json: cannot read the saved plan: not JSON/);
  });
  it('a command-line value with control bytes is shown escaped', async () => {
    const r = await cli(['args', '-f', file('p.yaml', pair), '--node', 'x\u001b[2J']);
    expect(r.stderr).toBe('colo: error UNKNOWN_NODE: no node named "x\\u001b[2J" in the spec (nodes: a, b)\n');
  });
  it('--stop-after must be a count', async () => {
    expect((await cli(['apply', '-f', file('p2.yaml', pair), '--stop-after', 'x'])).stderr).toBe(
      'colo: error BAD_OPTION: --stop-after must be a whole number of at least 1, not "x"\n',
    );
  });
});

describe('usage errors in the colo: error USAGE form', () => {
  it.each([
    [['validate'], /^colo: error USAGE: required option '-f, --file <FILE(\|DIR)?>' not specified/],
    [['frob'], /^colo: error USAGE: unknown command 'frob'/],
    [['validate', '-f', 'x', '--frob'], /^colo: error USAGE: unknown option '--frob'/],
    [['args', '-f'], /^colo: error USAGE: option '-f, --file <FILE>' argument missing/],
    [[], /^colo: error USAGE: no command given/],
  ])('%j', async (args, expected) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/^error:/m);
  });
  it('a bad --format is BAD_OPTION before the file is read', async () => {
    const r = await cli(['validate', '-f', 'missing.yaml', '--format', 'xml']);
    expect(r.stderr).toMatch(/^colo: error BAD_OPTION: --format must be text, json or markdown/);
  });
});

describe('validate --format json', () => {
  it('a valid spec with warnings', async () => {
    const tap = readFileSync(join(repo, 'examples/tap-bridge.yaml'), 'utf8');
    const r = await cli(['validate', '-f', file('tap.yaml', tap), '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // its hooks run here; its TLS credentials are on the two hosts (not checked from here)
    expect(j).toMatchObject({ format_version: 2, valid: true, errorCount: 0, warningCount: 4, omitted: 0 });
    expect(j.diagnostics.map((d: any) => d.code).sort()).toEqual(['HOOK_RUNS_HERE', 'TLS_FILE', 'TLS_FILE', 'TLS_FILE']);
    expect(j.diagnostics.find((d: any) => d.code === 'HOOK_RUNS_HERE')).toEqual({
      severity: 'warning',
      code: 'HOOK_RUNS_HERE',
      message: expect.stringMatching(/run on the machine where colo runs/),
      file: 'tap.yaml',
      line: 49,
      column: 3,
      path: '/spec/hooks',
    });
  });
  it('an invalid one: every problem, exit 1, nothing on stderr', async () => {
    const r = await cli([
      'validate',
      '-f',
      file('bad.yaml', pair.replace('host: 127.0.0.1', 'host: "127.0.0.2,server=on"').replace('nbd: 9999', 'nbd: 9998')),
      '--format',
      'json',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j.valid).toBe(false);
    expect(j.diagnostics.map((d: any) => [d.code, d.line])).toEqual([
      ['INVALID_HOST', 8],
      ['PORT_COLLISION', 14],
      // 127.0.0.2,server=on is no loopback address (one definition of loopback: src/addr/hosts.ts)
      ['CHANNELS_IN_CLEAR', 9],
    ]);
  });
  it('a file that cannot be read', async () => {
    const r = await cli(['validate', '-f', 'nope.yaml', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).diagnostics[0]).toMatchObject({
      severity: 'error',
      code: 'FILE_READ',
      message: expect.stringMatching(/no such file or directory/),
    });
  });
});

const built = existsSync(join(repo, 'dist/bundle/colo.mjs'));
describe.skipIf(!built)('a reader that goes away (colo args … | head -1)', () => {
  it('ends quietly with status 141, as a command killed by SIGPIPE', async () => {
    const many = readFileSync(join(repo, 'examples/two-disks-two-nics.yaml'), 'utf8');
    const child = spawn(join(repo, 'bin/colo'), ['args', '-f', file('many.yaml', many), '--node', 'a'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // close our end of the pipe before colo writes, so its first write meets a closed pipe
    child.stdout.destroy();
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(stderr).toBe('');
    expect(status).toBe(141);
  });
});

describe('a write that fails with EPIPE in-process', () => {
  it('ends with 141 and says nothing', async () => {
    let stderr = '';
    const code = await run(['args', '-f', join(repo, 'examples/pair.yaml'), '--node', 'a'], {
      stdout: {
        write: () => {
          throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        },
      },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: Readable.from([]) as unknown as NodeJS.ReadableStream & { isTTY?: boolean },
      env: {},
      cwd: repo,
    });
    expect(code).toBe(141);
    expect(stderr).toBe('');
  });
});
