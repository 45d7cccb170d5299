// One JSON contract: every command's JSON checked against its schema in schemas/, the same problem
// shape for one pair and many, exit codes in every --help, where launch/stop/status run, colo version.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COLO_VERSION } from '../../src/ops/version.js';
import { hostIsHere } from '../../src/ops/this-host.js';
import { applyJson, failoverJson } from '../../src/render/json-docs.js';
import { runCli } from '../support/cli.js';
import { conforms } from '../support/schemas.js';

const root = new URL('../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'colo-contract-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (args: string[], o: { cwd?: string; env?: Record<string, string> } = {}) =>
  runCli(args, { cwd: o.cwd ?? root, env: { PATH: process.env.PATH!, ...o.env } });
const json = async (args: string[], o: { cwd?: string; env?: Record<string, string> } = {}) => {
  const r = await cli(args, o);
  expect(() => JSON.parse(r.stdout), `${args.join(' ')}: ${r.stderr}`).not.toThrow();
  return { ...r, doc: JSON.parse(r.stdout) };
};

const example = readFileSync(join(root, 'examples/pair.yaml'), 'utf8');
/** examples/pair.yaml with its nodes on `hosts` (QMP sockets under the test's directory) */
function pairOn(name: string, hosts: [string, string]): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'pair.yaml');
  writeFileSync(
    file,
    example
      .replace('name: demo', `name: ${name}`)
      .replace(
        /host: 127\.0\.0\.1, qmp: unix:\/tmp\/colo-demo\/a\.qmp, workdir: \/tmp\/colo-demo\/a/,
        `host: ${hosts[0]}, qmp: unix:${dir}/a.qmp, workdir: ${dir}/a`,
      )
      .replace(
        /host: 127\.0\.0\.1, qmp: unix:\/tmp\/colo-demo\/b\.qmp, workdir: \/tmp\/colo-demo\/b/,
        `host: ${hosts[1]}, qmp: unix:${dir}/b.qmp, workdir: ${dir}/b`,
      ),
  );
  return file;
}

describe('every JSON output conforms to its schema', () => {
  it('validate: one file (valid with warnings, invalid, unreadable), the same shape each time', async () => {
    const ok = await json(['validate', '-f', 'examples/tap-bridge.yaml', '--format', 'json']);
    conforms('validate', ok.doc);
    expect(ok.doc.diagnostics.length).toBeGreaterThan(0);
    writeFileSync(join(tmp, 'bad.yaml'), example.replace('memory: 128M', 'memory: 8M'));
    const bad = await json(['validate', '-f', join(tmp, 'bad.yaml'), '--format', 'json']);
    expect(bad.code).toBe(1);
    conforms('validate', bad.doc);
    const gone = await json(['validate', '-f', join(tmp, 'missing.yaml'), '--format', 'json']);
    conforms('validate', gone.doc);
    expect(gone.doc.diagnostics[0]).toMatchObject({ severity: 'error', code: 'FILE_READ', line: null });
  });

  it('args, version', async () => {
    conforms('args', (await json(['args', '-f', 'examples/pair.yaml', '--node', 'b', '--format', 'json'])).doc);
    const v = await json(['version', '--format', 'json']);
    conforms('version', v.doc);
    expect(v.doc.colo).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    expect(v.doc.qemu.map((q: { line: string }) => q.line)).toEqual(['7.2', '10.0', '11.1']);
    const text = await cli(['version']);
    expect(text.stdout).toMatch(/^colo \d+\.\d+\.\d+\nQEMU 7\.2: schema recorded from 7\.2\.\d+ /);
  });

  it.each(['setup', 'steady', 'secondary-failover', 'primary-failover', 'secondary-resume', 'primary-resume'])('plan --offline --assume %s', async (t) => {
    conforms('plan', (await json(['plan', '-f', 'examples/tap-bridge.yaml', '--offline', '--assume', t, '--format', 'json'])).doc);
  });

  it('diff: a change, no change, a pair added, a pair removed', async () => {
    writeFileSync(join(tmp, 'new.yaml'), example.replace('memory: 128M', 'memory: 256M').replace('accel: kvm', 'accel: tcg'));
    const d = await json(['diff', 'examples/pair.yaml', join(tmp, 'new.yaml'), '--format', 'json']);
    conforms('diff', d.doc);
    expect(d.doc.warnings[0]).toMatchObject({ severity: 'warning', code: 'QEMU_PROFILE' });
    conforms('diff', (await json(['diff', 'examples/pair.yaml', 'examples/pair.yaml', '--format', 'json'])).doc);
    const repo = join(tmp, 'repo');
    mkdirSync(repo);
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: repo, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'old.yaml'), example);
    git('add', '.');
    git('commit', '-qm', 'one');
    git('rm', '-q', 'old.yaml');
    writeFileSync(join(repo, 'fresh.yaml'), example.replace('name: demo', 'name: fresh'));
    const added = await json(['diff', 'fresh.yaml', '--base', 'HEAD', '--format', 'json'], { cwd: repo });
    conforms('diff', added.doc);
    const removed = await json(['diff', 'old.yaml', '--base', 'HEAD', '--format', 'json'], { cwd: repo });
    conforms('diff', removed.doc);
    expect(removed.doc).toMatchObject({ removed: true, name: 'demo', new: null });
    expect(removed.doc.message).toMatch(/keep running.*operator's call/);
  });

  it("the fleet report, each pair's result in its command's shape, and the files skipped", async () => {
    const dir = join(tmp, 'fleet');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), readFileSync(join(root, 'examples/tap-bridge.yaml'), 'utf8'));
    writeFileSync(join(dir, 'b.yaml'), example.replace('memory: 128M', 'memory: 8M'));
    writeFileSync(join(dir, 'ci.yml'), 'stages: [test]\n');
    const v = await json(['validate', '-f', dir, '--format', 'json']);
    conforms('fleet', v.doc);
    for (const p of v.doc.pairs) conforms('validate', { format_version: 2, ...p.result });
    expect(v.doc.skipped).toHaveLength(1);
    // one file and many: the same diagnostics, the same shape
    const one = await json(['validate', '-f', join(dir, 'a.yaml'), '--format', 'json']);
    expect(v.doc.pairs[0].result.diagnostics).toEqual(one.doc.diagnostics);
    const p = await json(['plan', '--offline', '-f', dir, '--format', 'json']);
    conforms('fleet', p.doc);
    conforms('plan', p.doc.pairs[0].result);
    // the fleet's plan carries the file's warnings, as one file's plan does
    const single = await json(['plan', '--offline', '-f', join(dir, 'a.yaml'), '--format', 'json']);
    expect(p.doc.pairs[0].result.warnings).toEqual(single.doc.warnings);
    expect(single.doc.warnings.map((w: { code: string }) => w.code)).toContain('TLS_FILE');
  });

  it('apply and failover (their results rendered; the live runs are in test/integration)', () => {
    const plan = { name: 'demo', transition: 'steady', steps: [], warnings: [] } as never;
    conforms('apply', { format_version: 2, command: 'apply', ...applyJson({ outcome: 'nothing-to-do', plan }) });
    const after = { transition: 'steady', steps: [], reason: 'replicating' } as never;
    conforms('apply', {
      format_version: 2,
      command: 'apply',
      ...applyJson({ outcome: 'converged', plan, ran: 3, ms: 120, pauses: { a: [12] }, after } as never),
    });
    conforms('failover', {
      format_version: 2,
      command: 'failover',
      name: 'demo',
      ...failoverJson({ outcome: 'failed-over', transition: 'secondary-failover', survivor: 'b', dead: 'a', plan, steps: 4, ms: 80 } as never),
    });
  });
});

describe('where commands run', () => {
  it("this machine: loopback (the one definition), its interfaces' addresses, its name; not another host", () => {
    expect(hostIsHere('127.0.0.1')).toBe(true);
    expect(hostIsHere('::1')).toBe(true);
    expect(hostIsHere('localhost.')).toBe(true);
    expect(hostIsHere(hostname())).toBe(true);
    expect(hostIsHere(hostname().toUpperCase())).toBe(true);
    const mine = Object.values(networkInterfaces())
      .flatMap((l) => l ?? [])
      .find((a) => !a.internal && a.family === 'IPv4');
    if (mine) expect(hostIsHere(mine.address)).toBe(true);
    expect(hostIsHere('192.0.2.77')).toBe(false);
    expect(hostIsHere('127.evil.example')).toBe(false);
    // a namespace that does not exist has no address
    expect(hostIsHere('192.0.2.77', 'colo-contract-no-such-ns')).toBe(false);
  });

  it('status says where it runs from and which monitors it reached (none here)', async () => {
    const file = pairOn('status-here', ['127.0.0.1', '127.0.0.1']);
    const s = await json(['status', '-f', file, '--format', 'json', '--timeout', '300']);
    conforms('status', s.doc);
    expect(s.doc.from).toBe(hostname());
    expect(s.doc.monitors.map((m: { node: string; reached: boolean }) => [m.node, m.reached])).toEqual([
      ['a', false],
      ['b', false],
    ]);
    const text = await cli(['status', '-f', file, '--timeout', '300', '--no-color']);
    expect(text.stdout).toMatch(new RegExp(`from ${hostname()}: monitors reached: none; not reached: a \\(unix:\\S+: unreachable\\), b \\(unix:`));
  });

  it("launch and stop refuse a node whose host is not this machine's, before anything starts (NOT_THIS_HOST)", async () => {
    const file = pairOn('elsewhere', ['127.0.0.1', '192.0.2.77']);
    for (const cmd of ['launch', 'stop']) {
      const r = await cli([cmd, '-f', file, '--node', 'b']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`colo: error NOT_THIS_HOST: b's host 192.0.2.77 is not an address of this machine: run colo ${cmd} --node b on that host`);
    }
    // nothing was prepared for it
    expect(readdirSync(join(tmp, 'elsewhere'))).toEqual(['pair.yaml']);
  });

  it('--force goes on and is journaled; stop --format json', async () => {
    const file = pairOn('forced', ['127.0.0.1', '192.0.2.77']);
    const state = join(tmp, 'state');
    const r = await json(['stop', '-f', file, '--node', 'b', '--force', '--format', 'json'], { env: { COLO_STATE_DIR: state } });
    expect(r.code, r.stderr).toBe(0);
    conforms('stop', r.doc);
    expect(r.doc).toMatchObject({ node: 'b', host: '192.0.2.77', forced: true, wasRunning: false });
    const journal = readFileSync(join(state, 'forced.journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(journal).toEqual([expect.objectContaining({ node: 'b', event: 'forced-here', command: 'stop', host: '192.0.2.77' })]);
    // a node on loopback is here: no journal entry, not forced
    const here = await json(['stop', '-f', file, '--node', 'a', '--format', 'json'], { env: { COLO_STATE_DIR: state } });
    expect(here.doc).toMatchObject({ node: 'a', forced: false });
  });
});

describe('the command line', () => {
  const commands = ['validate', 'args', 'plan', 'apply', 'diff', 'status', 'failover', 'launch', 'stop', 'ocf', 'version'];
  it.each(commands)('colo %s --help lists the exit codes', async (c) => {
    const r = await cli([c, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes/);
  });

  it.each(commands.filter((c) => c !== 'ocf'))('colo %s takes --format json', async (c) => {
    expect((await cli([c, '--help'])).stdout).toMatch(/--format <FORMAT>[^\n]*json/);
  });

  it('single-pair apply --format json is not ignored: it needs --auto-approve, and an unknown format is refused', async () => {
    const file = pairOn('apply-json', ['127.0.0.1', '127.0.0.1']);
    const r = await cli(['apply', '-f', file, '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NEEDS_APPROVAL');
    expect((await cli(['apply', '-f', file, '--format', 'yaml'])).stderr).toContain('BAD_OPTION');
  });

  it("colo's version is package.json's", () => {
    expect(COLO_VERSION).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });
});
