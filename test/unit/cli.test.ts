// The offline commands of the CLI, run in-process with captured streams (no QEMU, no QMP).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'colo-cli-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ESC = '\u001b[';

const cli = (args: string[], env: Record<string, string> = {}, cwd = repo) => runCli(args, { cwd, env: { PATH: process.env.PATH, ...env } });

const badYaml = `apiVersion: colo/v1
kind: ColoPair
metadata: {name: bad}
spec:
  qemu: {accel: xen}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:/tmp/a.qmp, workdir: /tmp/a}
    - {name: b, role: primary,   host: 127.0.0.1, qmp: unix:/tmp/b.qmp, workdir: /tmp/b}
  disks:
    - {id: colo-disk0, size: 64M}
  netdevs:
    - {id: hn0, type: user}
`;

describe('colo validate', () => {
  const bad = join(tmp, 'bad.yaml');
  writeFileSync(bad, badYaml);

  it('an invalid file: exit 1, file:line:column, the code, the source line and a caret, no stack', async () => {
    const r = await cli(['validate', '-f', 'bad.yaml'], {}, tmp);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('bad.yaml:5:17: error SCHEMA_ENUM:');
    expect(r.stderr).toContain('   5 |   qemu: {accel: xen}');
    // the caret stands under the offending value
    const lines = r.stderr.split('\n');
    const src = lines.findIndex((l) => l.endsWith('qemu: {accel: xen}'));
    expect(lines[src + 1]).toMatch(/^ +\| +\^$/);
    expect(lines[src + 1].indexOf('^')).toBe(lines[src].indexOf('xen'));
    expect(r.stderr).toMatch(/1 error found/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/internal error|INTERNAL/);
  });

  it('a missing file: exit 1 with FILE_READ, no stack', async () => {
    const r = await cli(['validate', '-f', 'nope.yaml'], {}, tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FILE_READ/);
    expect(r.stderr).toMatch(/nope\.yaml: cannot read the spec: no such file or directory \(ENOENT\)/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a valid file: exit 0 and a one-line summary', async () => {
    const r = await cli(['validate', '-f', 'examples/pair.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^examples\/pair\.yaml: valid \(pair demo: a primary, b secondary; 1 disk\(s\), 1 NIC\(s\); QEMU 7\.2, forms recorded from QEMU 7\.2\.22\)\n$/,
    );
  });

  it('semantic problems after a valid schema are shown the same way', async () => {
    writeFileSync(join(tmp, 'roles.yaml'), badYaml.replace('{accel: xen}', '{accel: kvm}'));
    const r = await cli(['validate', '-f', 'roles.yaml'], {}, tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('roles.yaml:8:23: error ROLE_COUNT:');
  });
});

describe('colo args', () => {
  it('--format json is {argv, prepare}', async () => {
    const r = await cli(['args', '-f', 'examples/pair.yaml', '--node', 'b', '--format', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ argv: expect.any(Array), prepare: expect.any(Array) });
    expect(out.argv[0]).toBe('qemu-system-x86_64');
    expect(out.argv.slice(-2)).toEqual(['-incoming', 'tcp:127.0.0.1:9998']);
    expect(out.argv.every((a: unknown) => typeof a === 'string')).toBe(true);
    // the parent image is made only when missing (it holds the guest's data); active and hidden are emptied
    expect(out.prepare).toEqual([
      { argv: ['mkdir', '-p', '/tmp/colo-demo/b'], creates: '/tmp/colo-demo/b', ifMissing: false, overwrites: false },
      {
        argv: ['qemu-img', 'create', '-f', 'qcow2', '/tmp/colo-demo/b/colo-disk0.qcow2', '64M'],
        creates: '/tmp/colo-demo/b/colo-disk0.qcow2',
        ifMissing: true,
        overwrites: false,
      },
      {
        argv: ['qemu-img', 'create', '-f', 'qcow2', '/tmp/colo-demo/b/colo-disk0-active.qcow2', '64M'],
        creates: '/tmp/colo-demo/b/colo-disk0-active.qcow2',
        ifMissing: false,
        overwrites: true,
      },
      {
        argv: ['qemu-img', 'create', '-f', 'qcow2', '/tmp/colo-demo/b/colo-disk0-hidden.qcow2', '64M'],
        creates: '/tmp/colo-demo/b/colo-disk0-hidden.qcow2',
        ifMissing: false,
        overwrites: true,
      },
    ]);
  });

  it('--role overrides the role in the spec', async () => {
    const r = await cli(['args', '-f', 'examples/pair.yaml', '--node', 'b', '--role', 'primary', '--format', 'json']);
    expect(JSON.parse(r.stdout).argv.at(-1)).toBe('-S');
  });

  it('shell format keeps the parent image when it exists', async () => {
    const r = await cli(['args', '-f', 'examples/pair.yaml', '--node', 'a']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('test -e /tmp/colo-demo/a/colo-disk0.qcow2 || qemu-img create -f qcow2 /tmp/colo-demo/a/colo-disk0.qcow2 64M');
    expect(r.stdout).toContain('rtl8139,id=e0,netdev=hn0,romfile= \\\n');
  });

  it('an unknown node: exit 1', async () => {
    const r = await cli(['args', '-f', 'examples/pair.yaml', '--node', 'zz']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/UNKNOWN_NODE.*no node named "zz".*nodes: a, b/);
  });
});

describe('colo plan --offline', () => {
  it('--format json has the documented keys', async () => {
    const r = await cli(['plan', '-f', 'examples/pair.yaml', '--offline', '--format', 'json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    for (const k of ['format_version', 'name', 'mode', 'nodes', 'transition', 'changes', 'steps', 'summary']) expect(plan).toHaveProperty(k);
    expect(plan).toMatchObject({ format_version: 2, name: 'demo', mode: 'offline', transition: 'setup' });
    expect(plan.nodes).toEqual({
      a: { role: 'primary', state: 'fresh-primary', qemu: '7.2.22' },
      b: { role: 'secondary', state: 'fresh-secondary', qemu: '7.2.22' },
    });
    expect(plan.fingerprint).toBeUndefined();
    expect(plan.changes[0]).toMatchObject({ node: expect.any(String), address: expect.any(String), action: expect.any(String) });
    expect(plan.steps[0]).toMatchObject({ node: 'b', execute: 'nbd-server-start', arguments: expect.any(Object) });
    expect(plan.steps.some((s: { wait?: string }) => s.wait === 'chardevs-connected')).toBe(true);
    expect(plan.summary.steps).toBe(plan.steps.length);
  });

  it('--detailed-exitcode: 2 when steps are pending, 0 when none', async () => {
    expect((await cli(['plan', '-f', 'examples/pair.yaml', '--offline', '--detailed-exitcode'])).code).toBe(2);
    expect((await cli(['plan', '-f', 'examples/pair.yaml', '--offline'])).code).toBe(0);
    const steady = await cli(['plan', '-f', 'examples/pair.yaml', '--offline', '--assume', 'steady', '--detailed-exitcode']);
    expect(steady.code).toBe(0);
    // it has not looked: an offline plan never says the pair matches
    expect(steady.stdout).not.toContain('matches');
    expect(steady.stdout).toContain('No changes in the assumed state (offline: the live pair was not read; drop --offline to compare it).');
  });

  it('--format markdown has the node table and the steps', async () => {
    const r = await cli(['plan', '-f', 'examples/pair.yaml', '--offline', '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| node | role | state | QEMU |\n|---|---|---|---|\n| a | primary | fresh-primary | 7.2.22 |');
    expect(r.stdout).toMatch(/\| 1 \| b \| `nbd-server-start /);
  });

  it('--assume secondary-failover is gated', async () => {
    const r = await cli(['plan', '-f', 'examples/pair.yaml', '--offline', '--assume', 'secondary-failover', '--format', 'json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ transition: 'secondary-failover', gated: true });
  });

  it('an unknown --assume: exit 1 naming the transitions', async () => {
    const r = await cli(['plan', '-f', 'examples/pair.yaml', '--offline', '--assume', 'teleport']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /BAD_OPTION.*--assume must be one of setup, steady, secondary-failover, primary-failover, secondary-resume, primary-resume, not "teleport"/,
    );
  });

  it('--assume without --offline: NEEDS_OFFLINE, nothing planned (a drift check it never made cannot pass)', async () => {
    for (const files of [
      ['-f', 'examples/pair.yaml'],
      ['-f', 'examples/pair.yaml', '-f', 'examples/qemu-11.1.yaml'],
    ]) {
      const r = await cli(['plan', ...files, '--assume', 'steady', '--detailed-exitcode']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('colo: error NEEDS_OFFLINE: --assume plans an assumed state');
    }
  });

  it('an unknown --format: exit 1', async () => {
    const r = await cli(['plan', '-f', 'examples/pair.yaml', '--offline', '--format', 'yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--format must be text, json or markdown/);
  });
});

describe('colour', () => {
  const text = ['plan', '-f', 'examples/pair.yaml', '--offline'];

  it('none when not a terminal', async () => {
    const r = await cli(text);
    expect(r.stdout).toContain('transition: setup');
    expect(r.stdout).not.toContain(ESC);
  });

  it('FORCE_COLOR=1 gives ANSI escapes', async () => {
    expect((await cli(text, { FORCE_COLOR: '1' })).stdout).toContain(ESC);
  });

  it('NO_COLOR wins over FORCE_COLOR', async () => {
    expect((await cli(text, { FORCE_COLOR: '1', NO_COLOR: '1' })).stdout).not.toContain(ESC);
  });

  it('--no-color wins over FORCE_COLOR', async () => {
    expect((await cli(['--no-color', ...text], { FORCE_COLOR: '1' })).stdout).not.toContain(ESC);
  });

  it('problems are coloured only when asked', async () => {
    writeFileSync(join(tmp, 'bad2.yaml'), badYaml);
    expect((await cli(['validate', '-f', 'bad2.yaml'], { FORCE_COLOR: '1' }, tmp)).stderr).toContain(ESC);
    expect((await cli(['validate', '-f', 'bad2.yaml'], { FORCE_COLOR: '1', NO_COLOR: '1' }, tmp)).stderr).not.toContain(ESC);
  });
});
