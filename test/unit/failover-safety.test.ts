// Failing over away from a node is decided by what that node was just seen as: never from a live
// COLO node, never from a hung one unless it is fenced (or the operator says it is off).
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/build-plan.js';
import { assumeObserved } from '../../src/plan/assume.js';
import { failoverSafety } from '../../src/plan/failover-safety.js';
import type { NodeClassification } from '../../src/plan/types.js';
import type { NodeSpec } from '../../src/spec/types.js';
import { pair } from './pair-spec.js';

const node = (fence?: NodeSpec['fence']): NodeSpec => ({
  name: 'a',
  role: 'primary',
  host: '10.0.0.1',
  qmp: 'unix:/a',
  workdir: '/a',
  netdevs: {},
  ...(fence ? { fence } : {}),
});
const seen = (cls: NodeClassification['class']): NodeClassification => ({ name: 'a', class: cls, detail: 'QMP greeting did not answer' });
const fence = { run: ['ipmitool', 'power', 'off'], timeoutMs: 30000 };

describe('failoverSafety', () => {
  it.each(['colo-primary', 'colo-secondary', 'standalone', 'migrating'] as const)('a peer seen %s is alive: refused unless forced', (cls) => {
    expect(failoverSafety(node(fence), seen(cls), {})).toMatchObject({ ok: false, code: 'PEER_ALIVE' });
    expect(failoverSafety(node(fence), seen(cls), { force: true })).toEqual({ ok: true, fence: true });
  });
  it('a hung peer is fenced when the spec says how', () => {
    expect(failoverSafety(node(fence), seen('hung'), {})).toEqual({ ok: true, fence: true });
  });
  it('a hung peer without a fence command is refused, unless the operator says it is off (a note for the journal)', () => {
    expect(failoverSafety(node(), seen('hung'), {})).toMatchObject({
      ok: false,
      code: 'NEEDS_FENCE',
      message: expect.stringMatching(/nodes\[\]\.fence.*--no-fence/),
    });
    expect(failoverSafety(node(), seen('hung'), { noFence: true })).toMatchObject({ ok: true, fence: false, note: expect.stringMatching(/--no-fence/) });
  });
  it('a peer whose QEMU is gone (socket refused) needs no fence', () => {
    expect(failoverSafety(node(), seen('unreachable'), {})).toEqual({ ok: true, fence: false });
    expect(failoverSafety(node(), seen('fresh-secondary'), {})).toEqual({ ok: true, fence: false });
  });
});

describe('failover plans', () => {
  const withFence = (yaml: string) => yaml.replace('workdir: /srv/a}', 'workdir: /srv/a, fence: {run: [fence-a, --off], timeoutMs: 9000}}');
  it('fence the dead node first when it declares how, and say so in the plan', () => {
    const { spec, profile } = pair({ edit: withFence });
    const plan = buildPlan(spec, profile, assumeObserved(spec, profile, 'secondary-failover'), { mode: 'offline' });
    expect(plan.failover).toEqual({ survivor: 'b', dead: 'a' });
    expect(plan.steps[0]).toMatchObject({
      kind: 'fence',
      node: 'a',
      run: ['fence-a', '--off'],
      timeoutMs: 9000,
      env: { COLO_FENCE_NODE: 'a', COLO_SURVIVOR: 'b' },
    });
    const noFence = buildPlan(spec, profile, assumeObserved(spec, profile, 'secondary-failover'), { mode: 'offline', fence: false });
    expect(noFence.steps.some((s) => s.kind === 'fence')).toBe(false);
  });
  it("cut the survivor's connections to the dead node before anything else (yank: migration, peer chardevs, the NBD child)", () => {
    const { spec, profile } = pair();
    const observed = assumeObserved(spec, profile, 'primary-failover');
    observed.a = {
      ...observed.a,
      yank: [{ type: 'migration' }, { type: 'chardev', id: 'mirror0' }, { type: 'chardev', id: 'compare0' }, { type: 'block-node', 'node-name': 'nbd0' }],
    };
    const plan = buildPlan(spec, profile, observed, { mode: 'offline' });
    expect(plan.steps[0]).toMatchObject({
      kind: 'qmp',
      node: 'a',
      execute: 'yank',
      arguments: { instances: [{ type: 'migration' }, { type: 'chardev', id: 'mirror0' }, { type: 'block-node', 'node-name': 'nbd0' }] },
    });
  });
});

describe('what a failed QMP connection says about the node', () => {
  it('only a missing, refused or reset socket proves QEMU is gone (its host answered); a broken path may hide a live node (hung: fence first)', async () => {
    const { unreachableFrom } = await import('../../src/observe/observe.js');
    const { QmpConnectError } = await import('../../src/qmp/client.js');
    for (const code of ['ENOENT', 'ECONNREFUSED', 'ECONNRESET']) expect(unreachableFrom('a', new QmpConnectError(code, code), 1000).reach).toBe('unreachable');
    for (const code of ['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']) expect(unreachableFrom('a', new QmpConnectError(code, code), 1000).reach).toBe('hung');
  });
});

describe('failoverSafety when the cluster decided (the OCF agent: fencedBy)', () => {
  it.each(['hung', 'unreachable'] as const)("a peer seen %s: the cluster's fencing is the fence, nodes[].fence does not run on top of it", (cls) => {
    expect(failoverSafety(node(fence), seen(cls), { fencedBy: 'Pacemaker' })).toEqual({ ok: true, fence: false, note: 'a fenced or stopped by Pacemaker' });
    expect(failoverSafety(node(), seen(cls), { fencedBy: 'Pacemaker' })).toEqual({ ok: true, fence: false, note: 'a fenced or stopped by Pacemaker' });
  });
  it('a peer that answers as a live COLO node is still refused, whoever decided', () => {
    expect(failoverSafety(node(fence), seen('colo-primary'), { fencedBy: 'Pacemaker' })).toMatchObject({ ok: false, code: 'PEER_ALIVE' });
  });
});
