// `colo diff` on the command line: two files, or one file against a git revision (--base), exit codes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'colo-diff-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[], cwd: string) => runCli(args, { cwd });

const example = readFileSync(join(repo, 'examples/pair.yaml'), 'utf8');
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd, encoding: 'utf8' });

describe('colo diff OLD NEW', () => {
  writeFileSync(join(tmp, 'old.yaml'), example);
  writeFileSync(join(tmp, 'delay.yaml'), example.replace('checkpointDelayMs: 2000', 'checkpointDelayMs: 4000'));
  writeFileSync(join(tmp, 'memory.yaml'), example.replace('memory: 128M', 'memory: 512M'));

  it('no change: exit 0', async () => {
    const r = await cli(['diff', 'old.yaml', 'old.yaml'], tmp);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No change to what QEMU runs.');
  });

  it('a change: exit 0 as plan (2 with --detailed-exitcode), the class and the change', async () => {
    const r = await cli(['diff', 'old.yaml', 'delay.yaml', '--no-color'], tmp);
    expect(r.code).toBe(0);
    expect((await cli(['diff', 'old.yaml', 'delay.yaml', '--detailed-exitcode'], tmp)).code).toBe(2);
    expect((await cli(['diff', 'old.yaml', 'old.yaml', '--detailed-exitcode'], tmp)).code).toBe(0);
    expect(r.stdout).toContain('Class: in-place — 1 in-place');
    expect(r.stdout).toContain('~ a  a/migration/parameter/x-checkpoint-delay  in-place\n      2000 → 4000');
  });

  it('--format json: format_version, the class, argv added and removed, the unified diff', async () => {
    const r = await cli(['diff', 'old.yaml', 'memory.yaml', '--format', 'json'], tmp);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ format_version: 2, command: 'diff', name: 'demo', old: 'old.yaml', new: 'memory.yaml', class: 'impossible' });
    expect(d.summary).toEqual({ changes: 1, inPlace: 0, relaunchSecondary: 0, switchover: 0, impossible: 1 });
    expect(d.changes[0]).toMatchObject({ node: '*', area: 'guest', address: 'spec.qemu.memory', class: 'impossible', before: '128M', after: '512M' });
    expect(d.nodes.a.argv.added).toEqual(['-m 512M']);
    expect(d.nodes.a.argv.removed).toEqual(['-m 128M']);
    expect(d.nodes.b.argv.unified).toContain('\n--m 128M\n+-m 512M\n');
    expect(d.resync).toEqual({ bytes: (64 + 512) * 1048576, throughputMiBps: 100, seconds: 6 });
  });

  it('--fail-on: exit 1 with CHANGE_REFUSED when a change is that strong, else the usual code', async () => {
    const refused = await cli(['diff', 'old.yaml', 'memory.yaml', '--fail-on', 'relaunch-secondary'], tmp);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'colo: error CHANGE_REFUSED: refused: 1 change(s) of pair demo are relaunch-secondary or beyond (impossible): spec.qemu.memory',
    );
    expect((await cli(['diff', 'old.yaml', 'delay.yaml', '--fail-on', 'relaunch-secondary'], tmp)).code).toBe(0);
    expect((await cli(['diff', 'old.yaml', 'delay.yaml', '--fail-on', 'sometimes'], tmp)).stderr).toContain('BAD_OPTION');
  });

  it('an invalid side: its problems with file:line:column, exit 1', async () => {
    writeFileSync(join(tmp, 'bad.yaml'), example.replace('memory: 128M', 'memory: 1M'));
    const r = await cli(['diff', 'old.yaml', 'bad.yaml'], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bad\.yaml:\d+:\d+: error INVALID_SIZE/m);
  });

  it('usage: two files or --base, not both, not neither', async () => {
    expect((await cli(['diff', 'old.yaml'], tmp)).stderr).toContain('USAGE');
    expect((await cli(['diff', 'old.yaml', 'delay.yaml', '--base', 'HEAD'], tmp)).stderr).toContain('USAGE');
  });
});

describe('colo diff FILE --base REF', () => {
  const g = join(tmp, 'repo');
  mkdirSync(join(g, 'pairs'), { recursive: true });
  git(g, 'init', '-q', '-b', 'main');
  writeFileSync(join(g, 'pairs', 'demo.yaml'), example);
  git(g, 'add', '.');
  git(g, 'commit', '-qm', 'one pair');
  writeFileSync(join(g, 'pairs', 'demo.yaml'), example.replace('checkpointDelayMs: 2000', 'checkpointDelayMs: 1000'));
  writeFileSync(join(g, 'pairs', 'new.yaml'), example.replace('name: demo', 'name: fresh'));

  it('the working file against the revision, from any directory', async () => {
    const r = await cli(['diff', 'pairs/demo.yaml', '--base', 'HEAD', '--format', 'json', '--detailed-exitcode'], g);
    expect(r.code, r.stderr).toBe(2);
    const d = JSON.parse(r.stdout);
    expect(d.old).toBe('HEAD:pairs/demo.yaml');
    expect(d.changes.map((c: any) => [c.address, c.class, c.before, c.after])).toEqual([
      ['a/migration/parameter/x-checkpoint-delay', 'in-place', { value: 2000 }, { value: 1000 }],
    ]);
    const fromInside = await cli(['diff', 'demo.yaml', '--base', 'HEAD', '--detailed-exitcode'], join(g, 'pairs'));
    expect(fromInside.code).toBe(2);
  });

  it('a file that is new since REF: said so, exit 0 (2 with --detailed-exitcode)', async () => {
    const r = await cli(['diff', 'pairs/new.yaml', '--base', 'HEAD'], g);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('pairs/new.yaml is new since HEAD: pair fresh runs nowhere yet; colo plan shows its setup\n');
    expect((await cli(['diff', 'pairs/new.yaml', '--base', 'HEAD', '--detailed-exitcode'], g)).code).toBe(2);
  });

  it('a file removed since REF: what it means said in every format, nothing stopped', async () => {
    const gone = join(tmp, 'gone');
    mkdirSync(join(gone, 'pairs'), { recursive: true });
    git(gone, 'init', '-q', '-b', 'main');
    writeFileSync(join(gone, 'pairs', 'old.yaml'), example.replace('name: demo', 'name: retired'));
    git(gone, 'add', '.');
    git(gone, 'commit', '-qm', 'a pair');
    git(gone, 'rm', '-q', 'pairs/old.yaml');
    git(gone, 'commit', '-qm', 'the pair removed');
    const r = await cli(['diff', 'pairs/old.yaml', '--base', 'HEAD~1'], gone);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      "pairs/old.yaml was removed since HEAD~1: pair retired is no longer in Git, and colo changes nothing for it. Its QEMUs keep running as they are; stopping them is the operator's call (colo stop --node NAME on each node's host, with the spec from HEAD~1)\n",
    );
    const j = await cli(['diff', 'pairs/old.yaml', '--base', 'HEAD~1', '--format', 'json', '--detailed-exitcode'], gone);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ format_version: 2, command: 'diff', name: 'retired', old: 'HEAD~1:pairs/old.yaml', new: null, removed: true });
    // in neither: the file cannot be read
    expect((await cli(['diff', 'pairs/never.yaml', '--base', 'HEAD~1'], gone)).stderr).toContain('FILE_READ');
  });

  it('an unknown revision: GIT_REF, exit 1', async () => {
    const r = await cli(['diff', 'pairs/demo.yaml', '--base', 'no-such-branch'], g);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('colo: error GIT_REF: --base no-such-branch: no such revision');
  });
});
