// Behaviour pinned after a review: errors a user can act on, collisions across hosts, names that
// QEMU shows as numbers, fingerprints that move with the state, hooks bounded with what they start.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runHook } from '../../src/apply/hooks.js';
import { chardevResource } from '../../src/model/nic.js';
import { fingerprint } from '../../src/ops/fingerprint.js';
import { parseVersion, recordedProfile } from '../../src/model/profile.js';
import type { ObservedNode } from '../../src/model/observed.js';
import { loadSpec } from '../../src/spec/load.js';

const base = (extra = '', nodes?: string) => `apiVersion: colo/v1
kind: ColoPair
metadata: {name: t}
spec:
  nodes:
${
  nodes ??
  `    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:/tmp/a.qmp, workdir: /tmp/a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:/tmp/b.qmp, workdir: /tmp/b}`
}
  disks: [{id: colo-disk0, size: 64M}]
  netdevs: [{id: hn0, type: user}]
${extra}`;

describe('spec errors found only while building the value', () => {
  it('an unresolved alias is a YAML_SYNTAX problem at the alias, not an internal error', () => {
    const r = loadSpec(base('  colo: {checkpointDelayMs: *nope}\n'), 'p.yaml');
    expect(r.spec).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'YAML_SYNTAX', pos: { line: 10, column: 29 } });
  });
});

describe('TCP QMP ports', () => {
  it('collide with the pair ports even when the nodes are on different hosts', () => {
    const r = loadSpec(
      base(
        '',
        `    - {name: a, role: primary,   host: 10.0.0.1, qmp: "tcp:10.0.0.1:9003", workdir: /w}
    - {name: b, role: secondary, host: 10.0.0.2, qmp: "tcp:10.0.0.2:4444", workdir: /w}`,
      ),
      'p.yaml',
    );
    const errors = r.problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => [p.code, p.path])).toEqual([['PORT_COLLISION', '/spec/nodes/0/qmp']]);
    expect(errors[0].message).toMatch(/mirror chardev of netdev hn0/);
  });

  it('the same QMP port on two hosts is fine; on one host it collides', () => {
    const two = loadSpec(
      base(
        '',
        `    - {name: a, role: primary,   host: 10.0.0.1, qmp: "tcp:10.0.0.1:4444", workdir: /w}
    - {name: b, role: secondary, host: 10.0.0.2, qmp: "tcp:10.0.0.2:4444", workdir: /w}`,
      ),
      'p.yaml',
    );
    // fine as ports go; QMP off loopback in clear, and the COLO channels in clear between two hosts, are warned about
    expect(two.problems.map((p) => [p.severity, p.code])).toEqual([
      ['warning', 'QMP_UNAUTHENTICATED'],
      ['warning', 'QMP_UNAUTHENTICATED'],
      ['warning', 'CHANNELS_IN_CLEAR'],
    ]);
    const one = loadSpec(
      base(
        '',
        `    - {name: a, role: primary,   host: 127.0.0.1, qmp: "tcp:127.0.0.1:4444", workdir: /a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: "tcp:127.0.0.1:4444", workdir: /b}`,
      ),
      'p.yaml',
    );
    // one mistake, one problem (the port check; the socket check is for unix: paths)
    expect(one.problems.map((p) => p.code)).toEqual(['PORT_COLLISION']);
  });
});

describe('chardev hosts', () => {
  const profile = recordedProfile(parseVersion('7.2')!, 'kvm');
  it('a host name is not compared (a connected socket shows numbers), an IP literal is', () => {
    expect(chardevResource('a', { id: 'mirror0', host: 'localhost', port: 9003, server: true }, profile).value).toEqual({ port: 9003, server: true });
    expect(chardevResource('a', { id: 'mirror0', host: '10.0.0.1', port: 9003, server: true }, profile).value).toEqual({
      host: '10.0.0.1',
      port: 9003,
      server: true,
    });
    expect(chardevResource('a', { id: 'mirror0', host: 'fd00::1', port: 9003, server: true }, profile).value.host).toBe('fd00::1');
  });
});

describe('fingerprint', () => {
  const node = (runstate: string, minor = 2): ObservedNode => ({
    name: 'a',
    reach: 'ok',
    runstate,
    version: { major: 7, minor, micro: 22 },
    colo: { mode: 'none' },
    migration: {},
    resources: {},
    jobs: [],
  });
  it('moves when a waiting primary starts running, or QEMU changes; not when a checkpoint flips the runstate', () => {
    const fresh = fingerprint({ a: node('prelaunch') });
    expect(fingerprint({ a: node('running') })).not.toBe(fresh);
    expect(fingerprint({ a: node('prelaunch', 1) })).not.toBe(fresh);
    const colo = (runstate: string): ObservedNode => ({ ...node(runstate), colo: { mode: 'primary' }, migration: { status: 'colo' } });
    expect(fingerprint({ a: colo('finish-migrate') })).toBe(fingerprint({ a: colo('running') }));
  });
});

describe('hooks', () => {
  it('a timeout ends the processes the hook started, not only its shell', async () => {
    const marker = `colo-hook-probe-${process.pid}`;
    const r = await runHook(
      { kind: 'hook', node: 'a', hook: 'slow', run: ['/bin/sh', '-c', `sleep 30 # ${marker}`], timeoutMs: 200, env: {}, description: '' },
      process.env,
    );
    expect(r.error).toMatch(/timed out after 200 ms/);
    await new Promise((res) => setTimeout(res, 100));
    let left = '';
    try {
      left = execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' });
    } catch {
      /* pgrep exits 1 when nothing matches */
    }
    expect(left.trim()).toBe('');
  });
});
