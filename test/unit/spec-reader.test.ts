// The one reader of spec files: every command and the fleet read a spec the same way. A FIFO or a
// device is refused at once (never read, never waited on); -f DIR and -f FILE report the same
// problems for the same file, the TLS credential checks included.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { pairYaml } from './pair-spec.js';

const tmp = mkdtempSync(join(tmpdir(), 'colo-unit-reader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cli = (args: string[], cwd = tmp) => runCli(args, { cwd });

/** A pair on this machine whose node b's TLS directory is missing (a TLS_FILE error only a file check finds). */
const tlsPair = pairYaml({
  hosts: ['127.0.0.1', '127.0.0.1'],
  extra: `  tls:\n    nodes:\n      a: {dir: ${join(tmp, 'nowhere-a')}}\n      b: {dir: ${join(tmp, 'nowhere-b')}}\n`,
});

describe('a FIFO or a device is refused at once', () => {
  it('colo diff /dev/zero: FILE_READ, nothing read', async () => {
    const r = await cli(['diff', '/dev/zero', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('colo: error FILE_READ: /dev/zero: cannot read the spec: it is a character device, not a regular file (pipe it to -f - instead)\n');
  });

  it('validate -f FIFO: refused without waiting for a writer', async () => {
    const fifo = join(tmp, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const r = await cli(['validate', '-f', 'pipe.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('colo: error FILE_READ: pipe.yaml: cannot read the spec: it is a FIFO (named pipe), not a regular file (pipe it to -f - instead)\n');
    rmSync(fifo);
  });

  it("a FIFO inside a fleet directory is that file's problem; the others are read", async () => {
    const dir = join(tmp, 'fleet-fifo');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), pairYaml());
    execFileSync('mkfifo', [join(dir, 'b.yaml')]);
    const r = await cli(['validate', '-f', 'fleet-fifo', '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.pairs.map((p: { file: string; outcome: string }) => [p.file, p.outcome])).toEqual([
      ['fleet-fifo/a.yaml', 'ok'],
      ['fleet-fifo/b.yaml', 'failed'],
    ]);
    expect(report.pairs[1].error).toEqual({
      severity: 'error',
      code: 'FILE_READ',
      message: 'cannot read the spec: it is a FIFO (named pipe), not a regular file (pipe it to -f - instead)',
      file: 'fleet-fifo/b.yaml',
      line: 1,
      column: 1,
      path: null,
    });
  });
});

describe('-f DIR and -f FILE report the same problems', () => {
  const dir = join(tmp, 'fleet-tls');
  mkdirSync(dir);
  writeFileSync(join(dir, 'p.yaml'), tlsPair);

  it('a missing TLS directory: TLS_FILE either way', async () => {
    const one = await cli(['validate', '-f', join('fleet-tls', 'p.yaml'), '--format', 'json']);
    const many = await cli(['validate', '-f', 'fleet-tls', '--format', 'json']);
    expect(one.code).toBe(1);
    expect(many.code).toBe(1);
    // one shape: the fleet's result for the pair is the single file's document
    const { format_version: _v, ...single } = JSON.parse(one.stdout);
    expect(single.diagnostics.map((d: { code: string }) => d.code)).toContain('TLS_FILE');
    expect(JSON.parse(many.stdout).pairs[0].result).toEqual(single);
  });

  it('an oversized file: INPUT_LIMIT either way', async () => {
    const big = join(tmp, 'fleet-big');
    mkdirSync(big);
    writeFileSync(join(big, 'big.yaml'), pairYaml() + `# ${'x'.repeat(70 * 1024)}\n`);
    const one = await cli(['validate', '-f', join('fleet-big', 'big.yaml')]);
    const many = await cli(['validate', '-f', 'fleet-big', '--format', 'json']);
    expect(one.stderr).toContain('error INPUT_LIMIT');
    expect(JSON.parse(many.stdout).pairs[0].error.code).toBe('INPUT_LIMIT');
  });
});
