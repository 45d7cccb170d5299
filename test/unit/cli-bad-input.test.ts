// Bad command lines, third round: every value is checked whatever path the command takes, nothing
// reaches git as an option, a saved plan fits only its own pair and spec, the agent's node parameter
// is configuration (exit 6). No QEMU: each refusal comes before anything is contacted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cmdFailover } from '../../src/cli/commands-failover.js';
import { peerTimeoutMs } from '../../src/cli/options.js';
import { OCF } from '../../src/ocf/decide.js';
import { parseVersion, recordedProfile } from '../../src/model/profile.js';
import { assumeObserved } from '../../src/plan/assume.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { loadSpec } from '../../src/spec/load.js';
import { checkGitRef, parseMilliseconds, parseWholeNumber } from '../../src/spec/option-values.js';
import { specHash } from '../../src/ops/saved-plan.js';
import { runCli } from '../support/cli.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'colo-bad-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const example = readFileSync(join(repo, 'examples/pair.yaml'), 'utf8');
const cli = (args: string[], cwd = repo, env?: Record<string, string>) => runCli(args, { cwd, env: { PATH: process.env.PATH, ...env } });

describe('numbers on the command line', () => {
  it.each([
    ['3000000000', /longer than a timer can wait/],
    ['2147483648', /longer than a timer can wait/],
    ['abc', /positive whole number/],
    ['0', /positive whole number/],
    ['1e3', /positive whole number/],
    ['', /positive whole number/],
    ['-5', /positive whole number/],
  ])('a timeout of %j is refused', (text, why) => {
    const r = parseMilliseconds(text, '--timeout');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(why);
  });
  it('the timer limit itself is fine', () => expect(parseMilliseconds('2147483647', '--timeout')).toEqual({ ok: true, value: 2147483647 }));
  it('--parallel 0 is refused, 1 is fine', () => {
    expect(parseWholeNumber('0', '--parallel', 1).ok).toBe(false);
    expect(parseWholeNumber('1', '--parallel', 1)).toEqual({ ok: true, value: 1 });
  });

  it('cmdFailover parses --peer-timeout with its minimum itself (not only the up-front check)', async () => {
    const io = {
      stdout: { write: () => true, isTTY: false },
      stderr: { write: () => true, isTTY: false },
      stdin: process.stdin,
      env: { PATH: process.env.PATH },
      cwd: repo,
    } as unknown as Parameters<typeof cmdFailover>[0];
    await expect(cmdFailover(io, { file: 'examples/pair.yaml', survivor: 'b', color: false, peerTimeout: '99' })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringContaining('--peer-timeout 99 is shorter than 100 ms'),
    });
    expect(peerTimeoutMs('100')).toBe(100);
    expect(peerTimeoutMs(undefined)).toBe(1000);
  });

  it.each([
    [['plan', '--offline', '-f', 'examples/pair.yaml', '--timeout', 'abc'], '--timeout must be a positive whole number'],
    [['plan', '--offline', '-f', 'examples/pair.yaml', '--timeout', '3000000000'], '--timeout 3000000000 is longer than a timer can wait'],
    [['plan', '--offline', '-f', 'examples/pair.yaml', '--parallel', '0'], '--parallel must be at least 1'],
    [['status', '-f', 'examples/pair.yaml', '--timeout', '3000000000'], '--timeout 3000000000 is longer'],
    [['apply', '-f', 'examples/pair.yaml', '--timeout', '3000000000'], '--timeout 3000000000 is longer'],
    [['failover', '-f', 'examples/pair.yaml', '--survivor', 'b', '--peer-timeout', '3000000000'], '--peer-timeout 3000000000 is longer'],
    [['failover', '-f', 'examples/pair.yaml', '--survivor', 'b', '--peer-timeout', '1'], '--peer-timeout 1 is shorter than 100 ms'],
    // a timeout that classifies nodes: 1 ms would read a live QEMU as hung
    [['status', '-f', 'examples/pair.yaml', '--timeout', '1'], '--timeout 1 is shorter than 100 ms'],
    [['plan', '-f', 'examples/pair.yaml', '--timeout', '50'], '--timeout 50 is shorter than 100 ms'],
    // the sample holds the primary's monitor: bounded
    [['status', '-f', 'examples/pair.yaml', '--sample', '600000'], '--sample 600000 is longer than 60000 ms'],
    [['diff', 'examples/pair.yaml', 'examples/pair.yaml', '--throughput', '1e309'], '--throughput must be a positive number'],
    [['diff', 'examples/pair.yaml', 'examples/pair.yaml', '--throughput', '0x10'], '--throughput must be a positive number'],
  ])('colo %j: BAD_OPTION before anything runs', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`colo: error BAD_OPTION: ${message}`);
  });
});

describe('an empty file name', () => {
  it.each([
    [['validate', '-f', '']],
    [['plan', '--offline', '-f', '']],
    [['args', '-f', '', '--node', 'a']],
    [['validate', '-f', 'examples/pair.yaml', '-f', '']],
    [['diff', '', 'examples/pair.yaml']],
    [['plan', '-f', 'examples/pair.yaml', '--out', '']],
    [['launch', '-f', 'examples/pair.yaml', '--node', 'a', '--journal', '']],
    [['stop', '-f', 'examples/pair.yaml', '--node', 'a', '--journal', '']],
  ])('colo %j is refused (it would name the working directory)', async (args) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/colo: error BAD_OPTION: .*empty one \(an unset variable\?\)/);
  });
});

describe('colo diff --base', () => {
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: tmp, encoding: 'utf8' });
  git('init', '-q');
  writeFileSync(join(tmp, 'pair.yaml'), example);
  git('add', 'pair.yaml');
  git('commit', '-qm', 'pair');

  it.each(['--output=out', '-p', '--', 'HEAD:x', 'HEAD x', ' '])('refuses the revision %j with GIT_REF, and git writes nothing', async (ref) => {
    expect(checkGitRef(ref)).toBeDefined();
    const before = readdirSync(tmp).sort();
    const r = await cli(['diff', 'pair.yaml', `--base=${ref}`], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('colo: error GIT_REF: --base: ');
    expect(readdirSync(tmp).sort()).toEqual(before);
  });

  it('still reads an ordinary revision (git show --end-of-options REV:./FILE)', async () => {
    expect(checkGitRef('HEAD~0')).toBeUndefined();
    const r = await cli(['diff', 'pair.yaml', '--base', 'HEAD'], tmp);
    expect(r.code).toBe(0);
  });

  it('a missing file says why in words', async () => {
    const r = await cli(['diff', 'nosuch.yaml', 'pair.yaml'], tmp);
    expect(r.stderr).toContain('colo: error FILE_READ: nosuch.yaml: cannot read the spec: no such file or directory (ENOENT)');
  });
});

describe('a saved plan fits only its own pair and spec', () => {
  const specA = example;
  const specB = example.replace('metadata: {name: demo}', 'metadata: {name: other}');
  const changed = example.replace('checkpointDelayMs: 2000', 'checkpointDelayMs: 3000');
  writeFileSync(join(tmp, 'a.yaml'), specA);
  writeFileSync(join(tmp, 'b.yaml'), specB);
  writeFileSync(join(tmp, 'a-changed.yaml'), changed);
  const hashA = specHash(loadSpec(specA, 'a.yaml').spec!);
  // a live plan as colo plan --out saves it (schemas/plan.schema.json holds), for pair A's spec
  const planA = () => {
    const spec = loadSpec(specA, 'a.yaml').spec!;
    const profile = recordedProfile(parseVersion(spec.qemu.version)!, spec.qemu.accel);
    return buildPlan(spec, profile, assumeObserved(spec, profile, 'setup'), { mode: 'live', fingerprint: `sha256:${'ab'.repeat(32)}` });
  };
  const saved = (o: object) => {
    const file = join(tmp, `plan-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ ...planA(), specHash: hashA, ...o }));
    return file;
  };

  it("pair A's plan with pair B's spec: PLAN_SPEC_MISMATCH, nothing contacted", async () => {
    const r = await cli(['apply', saved({ specFile: join(tmp, 'a.yaml') }), '-f', 'b.yaml', '--auto-approve'], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/colo: error PLAN_SPEC_MISMATCH: .*made for pair "demo", and the spec is pair "other"/);
  });

  it('a spec changed since the plan: PLAN_SPEC_MISMATCH', async () => {
    const r = await cli(['apply', saved({}), '-f', 'a-changed.yaml', '--auto-approve'], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/colo: error PLAN_SPEC_MISMATCH: .*changed since the plan was made/);
  });

  it('a plan without specHash (an older colo): PLAN_FORMAT', async () => {
    const r = await cli(['apply', saved({ specHash: undefined }), '-f', 'a.yaml', '--auto-approve'], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('colo: error PLAN_FORMAT: ');
  });

  it("an edited plan whose hook or fence is not the spec's: PLAN_SPEC_MISMATCH", async () => {
    for (const step of [
      { kind: 'hook', node: 'a', hook: 'x', run: ['/bin/sh', '-c', 'touch /tmp/owned'], timeoutMs: 1000, env: {}, description: '' },
      { kind: 'fence', node: 'a', run: ['true'], timeoutMs: 1000, env: {}, description: '' },
    ]) {
      const r = await cli(['apply', saved({ steps: [step] }), '-f', 'a.yaml', '--auto-approve'], tmp);
      expect(r.code, step.kind).toBe(1);
      expect(r.stderr, step.kind).toMatch(/colo: error PLAN_SPEC_MISMATCH: .*step 1 /);
    }
  });

  it('an edited plan whose wait no timer can hold, or with a step of no kind colo runs: PLAN_FORMAT (the schema)', async () => {
    for (const step of [
      { kind: 'wait', node: 'a', wait: 'colo-mode', until: 'primary', timeoutMs: 3_000_000_000, description: '' },
      { kind: 'shell', node: 'a', description: '' },
    ]) {
      const r = await cli(['apply', saved({ steps: [step] }), '-f', 'a.yaml', '--auto-approve'], tmp);
      expect(r.code, step.kind).toBe(1);
      expect(r.stderr, step.kind).toMatch(/colo: error PLAN_FORMAT: .*\/steps\/0/);
    }
  });

  it('an edited plan with the fingerprint, name and hash intact: PLAN_SPEC_MISMATCH naming the step; the genuine file is the fresh plan', async () => {
    // the live state here: neither node answers (no QEMU); colo plan --out saves that plan and its fingerprint
    const dir = mkdtempSync(join(tmp, 'edited-'));
    const spec = example.replaceAll('/tmp/colo-demo', dir);
    writeFileSync(join(dir, 'pair.yaml'), spec);
    const out = join(dir, 'p.json');
    const made = await cli(['plan', '-f', 'pair.yaml', '--out', out, '--timeout', '1000'], dir);
    expect(existsSync(out), made.stdout + made.stderr).toBe(true);
    const genuine = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    const write = (o: object) => {
      const file = join(dir, `e-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify({ ...genuine, ...o }));
      return file;
    };
    // the genuine file passes the comparison: apply goes on to what the fresh plan says (blocked: nothing answers)
    const ok = await cli(['apply', write({}), '--auto-approve', '--timeout', '1000'], dir);
    expect(ok.stderr).not.toContain('PLAN_SPEC_MISMATCH');
    // without -f the spec is the one the plan file names: apply says which
    expect(ok.stderr).toContain(`note: the spec is ${join(dir, 'pair.yaml')}, as the saved plan names it`);
    const heartbeat = { kind: 'qmp', node: 'b', execute: 'x-colo-lost-heartbeat', precondition: 'edited', description: 'fail over' };
    const exec = { kind: 'qmp', node: 'a', execute: 'migrate', arguments: { uri: 'exec:touch /tmp/owned' }, precondition: 'edited', description: '' };
    for (const [edit, why] of [
      [
        { transition: 'secondary-failover', gated: false, failover: { survivor: 'b', dead: 'a' }, steps: [heartbeat] },
        /its transition is "secondary-failover"/,
      ],
      [{ gated: !genuine.gated }, /it says gated: /],
      [{ failover: { survivor: 'b', dead: 'a' } }, /its failover is /],
      [{ steps: [heartbeat] }, /step 1 \(b: x-colo-lost-heartbeat\) is not the step colo plans there/],
      [{ steps: [exec] }, /step 1 \(a: migrate\) is not the step colo plans there/],
    ] as const) {
      const r = await cli(['apply', write(edit), '--auto-approve', '--allow-failover', '--timeout', '1000'], dir);
      expect(r.code, JSON.stringify(edit)).toBe(1);
      expect(r.stderr, JSON.stringify(edit)).toMatch(/colo: error PLAN_SPEC_MISMATCH: .*is not the plan colo makes/);
      expect(r.stderr, JSON.stringify(edit)).toMatch(why);
    }
  });

  it('the hash ignores comments and layout, not values', () => {
    const reformatted = '# a comment\n' + specA.replace('metadata: {name: demo}', 'metadata:\n  name: demo');
    expect(specHash(loadSpec(reformatted, 'x.yaml').spec!)).toBe(hashA);
    expect(specHash(loadSpec(changed, 'x.yaml').spec!)).not.toBe(hashA);
  });
});

describe('a fleet: one host, one work directory, however written', () => {
  const pairOn = (name: string, host: string, workdir: string, port: number, peer = `10.9.9.${name.length}`) =>
    example
      .replace('metadata: {name: demo}', `metadata: {name: ${name}}`)
      .replace(
        'host: 127.0.0.1, qmp: unix:/tmp/colo-demo/a.qmp, workdir: /tmp/colo-demo/a',
        `host: "${host}", qmp: unix:/run/${name}-a.qmp, workdir: "${workdir}"`,
      )
      .replace(
        'host: 127.0.0.1, qmp: unix:/tmp/colo-demo/b.qmp, workdir: /tmp/colo-demo/b',
        `host: ${peer}, qmp: "tcp:${peer}:${port + 10}", workdir: /srv/${name}-b`,
      )
      .replace('{migration: 9998, nbd: 9999, base: 9001}', `{migration: ${port}, nbd: ${port + 1}, base: ${port + 2}}`);

  it('two pairs in one work directory of one host (spelled 2001:db8::1 and 2001:DB8:0::1, /srv/w and /srv//w/): DUPLICATE_ID', async () => {
    writeFileSync(join(tmp, 'f1.yaml'), pairOn('one', '2001:db8::1', '/srv/w', 20000));
    writeFileSync(join(tmp, 'f2.yaml'), pairOn('two', '2001:DB8:0::1', '/srv//w/', 21000));
    const r = await cli(['validate', '-f', 'f1.yaml', '-f', 'f2.yaml'], tmp);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /f2\.yaml:\d+:\d+: error DUPLICATE_ID: work directory \/srv\/w \(work directory of node a\) on host 2001:DB8:0::1 collides with pair one/,
    );
  });

  it('the same port on one host spelled node.example. and NODE.EXAMPLE: PORT_COLLISION', async () => {
    writeFileSync(join(tmp, 'f3.yaml'), pairOn('three', 'node.example.', '/srv/w3', 22000));
    writeFileSync(join(tmp, 'f4.yaml'), pairOn('four', 'NODE.EXAMPLE', '/srv/w4', 22000, '10.9.9.44'));
    const r = await cli(['validate', '-f', 'f3.yaml', '-f', 'f4.yaml'], tmp);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/f4\.yaml:\d+:\d+: error PORT_COLLISION: port 22000 \(migration port\) on host NODE\.EXAMPLE collides with pair three/);
  });
});

describe('the OCF agent', () => {
  it('OCF_RESKEY_node naming no node of the spec: OCF_ERR_CONFIGURED (6)', async () => {
    const spec = join(repo, 'examples/pair.yaml');
    for (const action of ['monitor', 'validate-all', 'start']) {
      const r = await cli(['ocf', action], repo, { OCF_RESKEY_spec: spec, OCF_RESKEY_node: 'nosuchnode' });
      expect(r.code, action).toBe(OCF.ERR_CONFIGURED);
      expect(r.stderr).toContain('UNKNOWN_NODE');
    }
  });
});

it('no temp file is left behind by a refused diff', () => {
  expect(existsSync(join(tmp, 'out'))).toBe(false);
});
