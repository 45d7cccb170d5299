// Many pairs at once, in-process and offline (no QEMU): a directory of pair files, per-pair results,
// aggregated exit codes, collisions across files with both positions, and one -f unchanged.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'colo-fleet-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[], cwd: string) => runCli(args, { cwd });

/** A pair on loopback whose ports start at `base` and whose sockets live under /tmp/NAME. */
function pairYaml(name: string, base: number, o: { qmpA?: string } = {}): string {
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: ${name}}
spec:
  qemu: {version: "7.2", accel: kvm, memory: 128M}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: ${o.qmpA ?? `unix:/tmp/${name}/a.qmp`}, workdir: /tmp/${name}/a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:/tmp/${name}/b.qmp, workdir: /tmp/${name}/b}
  disks:
    - {id: colo-disk0, size: 64M}
  netdevs:
    - {id: hn0, type: user, romfile: ""}
  ports: {migration: ${base}, nbd: ${base + 1}, base: ${base + 10}}
`;
}

function fleetDir(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

describe('a directory of pairs', () => {
  const dir = fleetDir('three', {
    'pairs/web.yaml': pairYaml('web', 20000),
    'pairs/db.yml': pairYaml('db', 20100),
    'pairs/nested/cache.yaml': pairYaml('cache', 20200),
    'pairs/README.md': '# not a pair',
    'pairs/.hidden.yaml': 'not: [a pair',
  });

  it('validate -R: every *.yaml / *.yml under it, sorted by path, one line each and a table; exit 0', async () => {
    const r = await cli(['validate', '-f', 'pairs', '-R'], dir);
    expect(r.code, r.stderr).toBe(0);
    const files = [...r.stdout.matchAll(/^(pairs\/\S+): valid/gm)].map((m) => m[1]);
    expect(files).toEqual(['pairs/db.yml', 'pairs/nested/cache.yaml', 'pairs/web.yaml']);
    expect(r.stdout).toContain('colo validate: 3 pair(s)');
    expect(r.stdout).toMatch(/3 ok, 0 with changes, 0 failed\n$/);
  });

  it('plan --offline --format json: one result per pair, format_version, summary; --detailed-exitcode 2', async () => {
    const r = await cli(['plan', '--offline', '-f', 'pairs', '-R', '--format', 'json', '--detailed-exitcode'], dir);
    expect(r.code, r.stderr).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.format_version).toBe(2);
    expect(report.command).toBe('plan');
    expect(report.pairs.map((p: any) => [p.file, p.name, p.outcome])).toEqual([
      ['pairs/db.yml', 'db', 'changes'],
      ['pairs/nested/cache.yaml', 'cache', 'changes'],
      ['pairs/web.yaml', 'web', 'changes'],
    ]);
    expect(report.pairs[0].result.transition).toBe('setup');
    expect(report.pairs[0].result.name).toBe('db');
    expect(report.summary).toEqual({ pairs: 3, ok: 0, changes: 3, failed: 0 });
    // without --detailed-exitcode changes are not an error
    expect((await cli(['plan', '--offline', '-f', 'pairs'], dir)).code).toBe(0);
  });

  it("without -R (kubectl's convention) only the directory's own files", async () => {
    const r = await cli(['validate', '-f', 'pairs', '--format', 'json'], dir);
    expect(JSON.parse(r.stdout).pairs.map((p: any) => p.file)).toEqual(['pairs/db.yml', 'pairs/web.yaml']);
  });

  it('-f repeated: files and directories in the order given, a file named twice counted once', async () => {
    const r = await cli(['validate', '-f', 'pairs/web.yaml', '-f', 'pairs/nested', '-f', 'pairs/web.yaml', '--format', 'json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).pairs.map((p: any) => p.name)).toEqual(['web', 'cache']);
  });

  it("markdown: a table of pairs, each pair's plan folded under it", async () => {
    const r = await cli(['plan', '--offline', '-f', 'pairs', '-R', '--format', 'markdown'], dir);
    expect(r.stdout).toMatch(/^### colo plan: 3 pair\(s\) — 0 ok, 3 with changes, 0 failed/);
    expect(r.stdout).toContain('| `web` | `pairs/web.yaml` | :large_orange_diamond: changes | setup: ');
    expect(r.stdout).toContain('<details open><summary>db</summary>');
    expect(r.stdout).toContain('### colo plan `db` (offline)');
  });
});

describe('one pair failing does not stop the others', () => {
  const dir = fleetDir('one-bad', {
    'pairs/a.yaml': pairYaml('alpha', 21000),
    'pairs/b.yaml': pairYaml('beta', 21100).replace('memory: 128M', 'memory: 8M'),
    'pairs/c.yaml': pairYaml('gamma', 21200),
  });

  it('plan: the invalid pair fails with its problem, the others are planned; exit 1', async () => {
    const r = await cli(['plan', '--offline', '-f', 'pairs', '--format', 'json', '--detailed-exitcode'], dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.pairs.map((p: any) => p.outcome)).toEqual(['changes', 'failed', 'changes']);
    expect(report.pairs[1]).toMatchObject({ file: 'pairs/b.yaml', name: 'beta', error: { code: 'INVALID_SIZE' } });
    expect(report.pairs[1].error).toMatchObject({ severity: 'error', code: 'INVALID_SIZE', file: 'pairs/b.yaml', line: 5 });
    expect(report.pairs[2].result.transition).toBe('setup');
    expect(report.summary).toEqual({ pairs: 3, ok: 0, changes: 2, failed: 1 });
  });

  it("text: the problem with its caret in the pair's block, and the table", async () => {
    const r = await cli(['plan', '--offline', '-f', 'pairs', '--no-color'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('pairs/b.yaml:5:');
    expect(r.stdout).toMatch(/beta\s+pairs\/b\.yaml\s+FAILED\s+1 problem\(s\): INVALID_SIZE/);
    expect(r.stdout).toMatch(/alpha\s+pairs\/a\.yaml\s+changes\s+setup: \d+ step\(s\)/);
  });

  it('live plan: unreachable pairs fail each on their own (blocked), --parallel bounds nothing away', async () => {
    const live = fleetDir('live', { 'x.yaml': pairYaml('x1', 22000), 'y.yaml': pairYaml('y1', 22100) });
    const r = await cli(['plan', '-f', '.', '--format', 'json', '--parallel', '1', '--timeout', '300'], live);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.pairs.map((p: any) => [p.name, p.outcome, p.error?.code])).toEqual([
      ['x1', 'failed', 'BLOCKED'],
      ['y1', 'failed', 'BLOCKED'],
    ]);
    expect(report.pairs[0].result.nodes.a.state).toBe('unreachable');
  });

  it('--parallel must be a positive whole number', async () => {
    const r = await cli(['plan', '-f', 'pairs', '--parallel', '0'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BAD_OPTION');
  });
});

describe('collisions across files', () => {
  it("same pair name: rejected in the later file, naming the earlier one's position", async () => {
    const dir = fleetDir('dup-name', { 'p/1.yaml': pairYaml('same', 23000), 'p/2.yaml': pairYaml('same', 23100) });
    const r = await cli(['validate', '-f', 'p', '--no-color'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('p/2.yaml:3:18: error DUPLICATE_PAIR_NAME: pair name "same" is also used by p/1.yaml:3:18');
    expect(r.stdout).toMatch(/same\s+p\/1\.yaml\s+ok/);
    expect(r.stdout).toMatch(/same\s+p\/2\.yaml\s+FAILED/);
  });

  it('ports on one host: both positions; loopback names are one host', async () => {
    const dir = fleetDir('ports', {
      'p/1.yaml': pairYaml('one', 24000),
      'p/2.yaml': pairYaml('two', 24100)
        .replace('migration: 24100', 'migration: 24001')
        .replace(/host: 127\.0\.0\.1/g, 'host: localhost'),
    });
    const r = await cli(['validate', '-f', 'p', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    const two = JSON.parse(r.stdout).pairs[1];
    expect(two.outcome).toBe('failed');
    expect(two.result.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'PORT_COLLISION',
        message: 'port 24001 (migration port) on host localhost collides with pair one (NBD port) at p/1.yaml:13:34',
        file: 'p/2.yaml',
        line: 13,
        column: 22,
        path: '/spec/ports/migration',
      },
    ]);
  });

  it('a QMP socket path on one host; the same ports on different hosts are fine', async () => {
    const other = (y: string) => y.replace(/host: 127\.0\.0\.1/g, 'host: 10.9.9.9');
    const dir = fleetDir('qmp', {
      'p/1.yaml': pairYaml('one', 25000),
      'p/2.yaml': pairYaml('two', 25100, { qmpA: 'unix:/tmp/one/a.qmp' }),
      'p/3.yaml': other(pairYaml('three', 25000)),
    });
    const r = await cli(['validate', '-f', 'p', '--format', 'json'], dir);
    const pairs = JSON.parse(r.stdout).pairs;
    expect(pairs.map((p: any) => p.outcome)).toEqual(['ok', 'failed', 'ok']);
    expect(pairs[1].result.diagnostics).toHaveLength(1);
    expect(pairs[1].result.diagnostics[0].message).toBe(
      'QMP socket /tmp/one/a.qmp (QMP socket of node a) on host 127.0.0.1 collides with pair one (QMP socket of node a) at p/1.yaml:7:56',
    );
    expect(pairs[1].result.diagnostics[0]).toMatchObject({ line: 7, column: 56 });
  });
});

describe('one -f FILE keeps the single-pair output', () => {
  const dir = fleetDir('single', { 'pair.yaml': pairYaml('solo', 26000) });
  it('validate and plan print what they always did (no fleet table)', async () => {
    const v = await cli(['validate', '-f', 'pair.yaml'], dir);
    expect(v.stdout).toBe('pair.yaml: valid (pair solo: a primary, b secondary; 1 disk(s), 1 NIC(s); QEMU 7.2, forms recorded from QEMU 7.2.22)\n');
    const p = await cli(['plan', '--offline', '-f', 'pair.yaml', '--format', 'json'], dir);
    const plan = JSON.parse(p.stdout);
    expect(plan.format_version).toBe(2);
    expect(plan.name).toBe('solo');
    expect(plan.pairs).toBeUndefined();
  });
  it('a directory with one file is a fleet of one', async () => {
    const r = await cli(['validate', '-f', '.'], dir);
    expect(r.stdout).toContain('colo validate: 1 pair(s)');
  });
  it('an empty directory: FILE_READ', async () => {
    mkdirSync(join(dir, 'empty'));
    const r = await cli(['validate', '-f', 'empty'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error FILE_READ: empty: no *.yaml or *.yml file in this directory (-R: its subdirectories too)');
  });
});

describe('-f DIR takes pairs only; -l selects by labels', () => {
  const labelled = (name: string, base: number, labels: string) =>
    pairYaml(name, base).replace(`metadata: {name: ${name}}`, `metadata: {name: ${name}, labels: {${labels}}}`);
  const dir = fleetDir('kinds', {
    'repo/app.yaml': labelled('app', 27000, 'tier: web, env: prod'),
    'repo/db.yaml': labelled('db', 27100, 'tier: db, env: prod'),
    'repo/test.yaml': labelled('test', 27200, 'tier: web, env: test'),
    'repo/ci.yml': 'stages: [test]\njob: {script: [colo validate -f pairs]}\n',
    'repo/other.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
  });

  it('a file of another kind in a directory is skipped with a note, not an error', async () => {
    const r = await cli(['validate', '-f', 'repo', '--no-color'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('note: repo/ci.yml: skipped, no kind (not ColoPair)');
    expect(r.stdout).toContain('note: repo/other.yaml: skipped, kind ConfigMap (not ColoPair)');
    const j = JSON.parse((await cli(['validate', '-f', 'repo', '--format', 'json'], dir)).stdout);
    expect(j.pairs.map((p: any) => p.name)).toEqual(['app', 'db', 'test']);
    expect(j.skipped).toEqual([
      { file: 'repo/ci.yml', reason: 'not-a-pair', message: 'repo/ci.yml: skipped, no kind (not ColoPair)' },
      { file: 'repo/other.yaml', reason: 'not-a-pair', message: 'repo/other.yaml: skipped, kind ConfigMap (not ColoPair)' },
    ]);
  });

  it('a file named with -f is a pair, whatever its kind', async () => {
    const r = await cli(['validate', '-f', 'repo/other.yaml', '-f', 'repo/app.yaml', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).pairs[0].outcome).toBe('failed');
  });

  it('-l key=value, repeatable: every one must hold', async () => {
    const names = async (...sel: string[]) =>
      JSON.parse((await cli(['plan', '--offline', '-f', 'repo', ...sel.flatMap((x) => ['-l', x]), '--format', 'json'], dir)).stdout).pairs.map(
        (p: any) => p.name,
      );
    expect(await names('tier=web')).toEqual(['app', 'test']);
    expect(await names('tier=web', 'env=prod')).toEqual(['app']);
    expect(await names('env==prod')).toEqual(['app', 'db']);
    expect(await names('tier=cache')).toEqual([]);
    // one file and a selector: the fleet's report, the pair selected or not
    const one = JSON.parse((await cli(['validate', '-f', 'repo/db.yaml', '-l', 'tier=web', '--format', 'json'], dir)).stdout);
    expect(one.pairs).toEqual([]);
    expect(one.skipped[0]).toMatchObject({ file: 'repo/db.yaml', reason: 'not-selected' });
    const bad = await cli(['validate', '-f', 'repo', '-l', 'tier'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BAD_OPTION');
  });
});
