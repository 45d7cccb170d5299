import { describe, expect, it } from 'vitest';
import { nodeArgs } from '../../src/model/argv.js';
import { parseVersion, recordedProfile, type Profile } from '../../src/model/profile.js';
import { resource } from '../../src/model/state.js';
import { assumeObserved } from '../../src/plan/assume.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { classifyNode, classifyPair } from '../../src/plan/classify.js';
import { isQmp, isWait, type NodeClassification, type Plan, type QmpStep, type Transition } from '../../src/plan/types.js';
import type { ObservedNode } from '../../src/model/observed.js';
import { edited, pair } from './pair-spec.js';

const qmp = (plan: Plan): QmpStep[] => plan.steps.filter(isQmp);
/** `node execute` per QMP step, HMP shown by its command line */
const names = (plan: Plan): string[] =>
  qmp(plan).map((s) => `${s.node} ${s.execute === 'human-monitor-command' ? `hmp ${String(s.arguments?.['command-line']).split(' ')[0]}` : s.execute}`);
const indexOf = (plan: Plan, pred: (s: QmpStep) => boolean): number => plan.steps.findIndex((s) => isQmp(s) && pred(s));

function planFor(t: Transition, o: Parameters<typeof pair>[0] = {}, edit?: (obs: Record<string, ObservedNode>) => void, tweak?: (p: Profile) => Profile): Plan {
  const { spec, profile: recorded } = pair(o);
  const profile = tweak ? tweak(recorded) : recorded;
  const observed = assumeObserved(spec, profile, t);
  edit?.(observed);
  return buildPlan(spec, profile, observed, { mode: 'offline' });
}

/** the plan's warnings but the one every pair on two hosts without spec.tls gets */
const plainWarnings = (p: { warnings: Array<{ code: string; message: string }> }) =>
  p.warnings.filter((w) => w.code !== 'CHANNELS_IN_CLEAR').map((w) => w.message);

describe('setup', () => {
  const plan = planFor('setup');

  it('is the transition of a fresh primary and a fresh secondary', () => {
    expect(plan.transition).toBe('setup');
    expect(plan.gated).toBe(false);
    expect(plan.nodes).toMatchObject({ a: { role: 'primary', state: 'fresh-primary' }, b: { role: 'secondary', state: 'fresh-secondary' } });
  });

  it("exports the secondary's disk, copies the primary's onto it, attaches QEMU 11's plain NBD child, then x-colo, delay, migrate", () => {
    expect(qmp(plan).map((s) => [s.node, s.execute, s.arguments])).toEqual([
      ['b', 'nbd-server-start', { addr: { type: 'inet', data: { host: '10.0.0.2', port: '9999' } } }],
      ['b', 'nbd-server-add', { device: 'parent0', writable: true }],
      ['a', 'drive-mirror', { device: 'colo-disk0', 'job-id': 'resync', target: 'nbd://10.0.0.2:9999/parent0', mode: 'existing', format: 'raw', sync: 'full' }],
      ['a', 'block-job-cancel', { device: 'resync' }],
      [
        'a',
        'blockdev-add',
        { driver: 'nbd', 'node-name': 'nbd0', server: { type: 'inet', host: '10.0.0.2', port: '9999' }, export: 'parent0', 'detect-zeroes': 'on' },
      ],
      ['a', 'x-blockdev-change', { parent: 'colo-disk0', node: 'nbd0' }],
      ['a', 'migrate-set-capabilities', { capabilities: [{ capability: 'x-colo', state: true }] }],
      ['a', 'migrate-set-parameters', { 'x-checkpoint-delay': 2000 }],
      ['a', 'migrate', { uri: 'tcp:10.0.0.2:9998' }],
    ]);
  });

  it('sets the checkpoint delay before migrate (afterwards it would force a checkpoint)', () => {
    const delay = indexOf(plan, (s) => s.execute === 'migrate-set-parameters');
    const migrate = indexOf(plan, (s) => s.execute === 'migrate');
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(migrate);
  });

  it("waits for the secondary's chardevs before migrate, and for both COLO modes after it", () => {
    const migrate = indexOf(plan, (s) => s.execute === 'migrate');
    const waits = plan.steps.map((s, i) => (isWait(s) ? { i, node: s.node, wait: s.wait, until: s.until } : undefined)).filter((w) => w !== undefined);
    expect(waits).toEqual([
      { i: indexOf(plan, (s) => s.execute === 'drive-mirror') + 1, node: 'a', wait: 'block-job-ready', until: 'resync' },
      { i: indexOf(plan, (s) => s.execute === 'block-job-cancel') + 1, node: 'a', wait: 'block-job-gone', until: 'resync' },
      { i: migrate - 1, node: 'b', wait: 'chardevs-connected', until: ['red0', 'red1'] },
      { i: migrate + 1, node: 'a', wait: 'migration-status', until: 'colo' },
      { i: migrate + 2, node: 'b', wait: 'colo-mode', until: 'secondary' },
      { i: migrate + 3, node: 'a', wait: 'colo-mode', until: 'primary' },
    ]);
  });

  it('gives every QMP step a precondition, so a re-plan can skip it', () => {
    for (const s of qmp(plan)) expect(s.precondition, s.execute).toBeTruthy();
  });

  it("sets no checkpoint delay when the spec keeps QEMU's default", () => {
    const p = planFor('setup', { delay: 20000 });
    expect(qmp(p).map((s) => s.execute)).not.toContain('migrate-set-parameters');
  });
});

describe('secondary failover (the primary died)', () => {
  const plan = planFor('secondary-failover');

  it('is gated, and shows the roles the nodes had (the survivor was the secondary)', () => {
    expect(plan.gated).toBe(true);
    expect(plan.nodes.b).toMatchObject({ role: 'secondary', state: 'colo-secondary' });
    expect(plan.nodes.a.role).toBe('primary');
    expect(plan.nodes.a.state).toBe('unreachable');
  });

  it('stops NBD, takes over, then removes f2, f1, red1, red0 (QEMU order)', () => {
    expect(qmp(plan).map((s) => [s.node, s.execute, s.arguments])).toEqual([
      ['b', 'nbd-server-stop', undefined],
      ['b', 'x-colo-lost-heartbeat', undefined],
      ['b', 'object-del', { id: 'f2' }],
      ['b', 'object-del', { id: 'f1' }],
      ['b', 'chardev-remove', { id: 'red1' }],
      ['b', 'chardev-remove', { id: 'red0' }],
    ]);
    expect(plan.steps.at(-1)).toMatchObject({ node: 'b', wait: 'colo-mode', until: 'none' });
  });

  it('keeps the rewriter (a resume inserts the new filters before it)', () => {
    expect(qmp(plan).some((s) => s.arguments?.id === 'rew0')).toBe(false);
  });

  it('lists its removals as changes that weaken fault tolerance', () => {
    expect(plan.changes.map((c) => [c.address, c.action])).toEqual(
      expect.arrayContaining([
        ['b/object/f1', 'delete'],
        ['b/chardev/red0', 'delete'],
        ['b/colo', 'update'],
      ]),
    );
    expect(plan.changes.every((c) => c.faultTolerance)).toBe(true);
  });
});

describe('primary failover (the secondary died)', () => {
  it('detaches the replication child by the name the live block graph gives it', () => {
    const plan = planFor('primary-failover', {}, (obs) => {
      const was = obs.a.resources['a/block/colo-disk0/children.1'];
      obs.a = edited(obs.a, {
        drop: ['a/block/colo-disk0/children.1'],
        put: [resource('a', 'block-child', 'colo-disk0/children.2', { ...was.value })],
      });
    });
    expect(qmp(plan)[0]).toMatchObject({ node: 'a', execute: 'x-blockdev-change', arguments: { parent: 'colo-disk0', child: 'children.2' } });
  });

  it('then deletes the child node (blockdev-del nbd0, its effect read back if QEMU complains), compare, iothread and the filters, and leaves COLO last', () => {
    const plan = planFor('primary-failover');
    expect(plan.gated).toBe(true);
    expect(qmp(plan).find((s) => s.execute === 'blockdev-del')?.effect).toEqual({ absent: 'block-node', id: 'nbd0' });
    expect(qmp(plan).map((s) => [s.execute, s.arguments])).toEqual([
      ['x-blockdev-change', { parent: 'colo-disk0', child: 'children.1' }],
      ['blockdev-del', { 'node-name': 'nbd0' }],
      ['object-del', { id: 'comp0' }],
      ['object-del', { id: 'iothread1' }],
      ['object-del', { id: 'm0' }],
      ['object-del', { id: 'redire0' }],
      ['object-del', { id: 'redire1' }],
      ['x-colo-lost-heartbeat', undefined],
    ]);
  });

  it('skips the detach when the graph shows no replication child any more', () => {
    const plan = planFor('primary-failover', {}, (obs) => {
      obs.a = edited(obs.a, { drop: ['a/block/colo-disk0/children.1'] });
    });
    expect(names(plan).slice(0, 2)).toEqual(['a blockdev-del', 'a object-del']);
  });

  it('a pair set up with the replication driver (drive_add) loses it by drive_del', () => {
    const plan = planFor('primary-failover', {}, (obs) => {
      obs.a = edited(obs.a, {
        drop: ['a/block-node/nbd0'],
        put: [
          resource('a', 'block-node', 'replication0', { driver: 'replication' }),
          resource('a', 'block-child', 'colo-disk0/children.1', { node: 'replication0', driver: 'replication', target: 'nbd://10.0.0.2:9999/parent0' }),
        ],
      });
    });
    expect(
      qmp(plan)
        .slice(0, 2)
        .map((s) => [s.execute, s.arguments, s.effect]),
    ).toEqual([
      ['x-blockdev-change', { parent: 'colo-disk0', child: 'children.1' }, undefined],
      ['human-monitor-command', { 'command-line': 'drive_del replication0' }, { absent: 'block-node', id: 'replication0' }],
    ]);
  });
});

describe('resume', () => {
  it('secondary-resume: exports, chardevs, the copy, a pause only from its end to the attach, then (the new secondary connected) filters before id=rew0 in chain order, compare, migrate, a first checkpoint at once', () => {
    const plan = planFor('secondary-resume');
    expect(plan.transition).toBe('secondary-resume');
    expect(names(plan)).toEqual([
      'a nbd-server-start',
      'a nbd-server-add',
      ...Array(6).fill('b chardev-add'),
      'b drive-mirror',
      'b stop',
      'b block-job-cancel',
      'b blockdev-add',
      'b x-blockdev-change',
      'b cont',
      'b migrate-set-capabilities',
      'b migrate-set-parameters',
      'b object-add',
      'b object-add',
      'b object-add',
      'b object-add',
      'b object-add',
      'b migrate',
      'b migrate-set-parameters',
    ]);
    // colo-compare holds the guest's answers from its object-add on: only once the new secondary is connected, right before migrate
    const connected = plan.steps.findIndex((s) => isWait(s) && s.wait === 'chardevs-connected' && s.node === 'a');
    expect(connected).toBeLessThan(indexOf(plan, (s) => s.execute === 'object-add'));
    // and the answers it held while the RAM migrated leave at a checkpoint taken as soon as COLO runs
    const primary = plan.steps.findIndex((s) => isWait(s) && s.wait === 'colo-mode' && s.until === 'primary');
    expect(plan.steps.at(-1)).toMatchObject({ execute: 'migrate-set-parameters', arguments: { 'x-checkpoint-delay': 2000 } });
    expect(primary).toBe(plan.steps.length - 2);
    const filters = qmp(plan).filter((s) => s.execute === 'object-add' && String(s.arguments?.['qom-type']).startsWith('filter-'));
    expect(filters.map((s) => [s.arguments?.id, s.arguments?.insert, s.arguments?.position])).toEqual([
      ['m0', 'before', 'id=rew0'],
      ['redire0', 'before', 'id=rew0'],
      ['redire1', 'before', 'id=rew0'],
    ]);
    expect(
      qmp(plan)
        .filter((s) => s.execute === 'object-add')
        .slice(3)
        .map((s) => s.arguments?.id),
    ).toEqual(['iothread1', 'comp0']);
  });

  it('secondary-resume: the copy is ready before the VM stops, and the job is gone before the child is added', () => {
    const plan = planFor('secondary-resume');
    const ready = plan.steps.findIndex((s) => isWait(s) && s.wait === 'block-job-ready');
    const gone = plan.steps.findIndex((s) => isWait(s) && s.wait === 'block-job-gone');
    expect(ready).toBeGreaterThan(indexOf(plan, (s) => s.execute === 'drive-mirror'));
    expect(ready).toBeLessThan(indexOf(plan, (s) => s.execute === 'stop'));
    expect(gone).toBeGreaterThan(indexOf(plan, (s) => s.execute === 'block-job-cancel'));
    expect(gone).toBeLessThan(indexOf(plan, (s) => s.execute === 'blockdev-add'));
  });

  it('secondary-resume on a QEMU without blockdev-del (the replication driver): the guest stays paused until migrate', () => {
    const plan = planFor('secondary-resume', {}, undefined, (p) => ({ ...p, primaryChild: 'replication' }));
    expect(names(plan)).toContain('b hmp drive_add');
    expect(names(plan)).not.toContain('b cont');
  });

  it('secondary-resume: a resync job already copying to this secondary is not started again', () => {
    const plan = planFor('secondary-resume', {}, (obs) => {
      obs.b = { ...obs.b, jobs: [{ id: 'resync', type: 'mirror', status: 'running', offset: 1, len: 2 }] };
      obs.a = edited(obs.a, { put: [resource('a', 'nbd-server', 'nbd-server', {}), resource('a', 'nbd-export', 'parent0', { device: 'parent0' })] });
    });
    expect(names(plan)).not.toContain('b drive-mirror');
    expect(plan.steps.some((s) => isWait(s) && s.wait === 'block-job-ready' && s.until === 'resync')).toBe(true);
  });

  it('secondary-resume: a resync job left from an earlier secondary (whose export is made anew) is ended, and the copy starts over', () => {
    const plan = planFor('secondary-resume', {}, (obs) => {
      obs.b = { ...obs.b, jobs: [{ id: 'resync', type: 'mirror', status: 'ready', offset: 2, len: 2 }] };
    });
    const n = names(plan);
    expect(n.indexOf('b block-job-cancel')).toBeLessThan(n.indexOf('b drive-mirror'));
    expect(qmp(plan).find((s) => s.execute === 'block-job-cancel')?.arguments).toEqual({ device: 'resync', force: true });
  });

  it('secondary-resume interrupted after the stop: the paused guest runs on after the attach, or at once if already attached', () => {
    const before = planFor('secondary-resume', {}, (obs) => {
      obs.b = { ...obs.b, runstate: 'paused' };
    });
    expect(names(before)).not.toContain('b stop');
    expect(names(before).indexOf('b cont')).toBeGreaterThan(names(before).indexOf('b x-blockdev-change'));
    const attached = planFor('secondary-resume', {}, (obs) => {
      obs.b = edited(
        { ...obs.b, runstate: 'paused' },
        { put: [resource('b', 'block-child', 'colo-disk0/children.1', { node: 'nbd0', driver: 'nbd', target: 'nbd://10.0.0.1:9999/parent0' })] },
      );
    });
    expect(names(attached)).toContain('b cont');
    expect(names(attached)).not.toContain('b drive-mirror');
  });

  it('a secondary failover interrupted after x-colo-lost-heartbeat is finished by the next run (degraded, not gated)', () => {
    const plan = planFor('secondary-failover', {}, (obs) => {
      obs.b = { ...obs.b, runstate: 'running', colo: { mode: 'none', lastMode: 'secondary' }, migration: { status: 'completed' } };
      obs.b = edited(obs.b, { put: [resource('b', 'colo', 'colo', { mode: 'none' })] });
    });
    expect(plan).toMatchObject({ transition: 'degraded', gated: false });
    expect(names(plan)).toEqual(['b nbd-server-stop', 'b object-del', 'b object-del', 'b chardev-remove', 'b chardev-remove']);
  });

  it('under TCG where checkpoints deadlock (7.2, 10.0), a resume forces no checkpoint', () => {
    const plan = planFor('secondary-resume', { accel: 'tcg' });
    expect(names(plan).filter((n) => n === 'b migrate-set-parameters')).toHaveLength(1);
    expect(names(plan).at(-1)).toBe('b migrate');
  });

  it("whether a checkpoint may be forced is the profile's checkpointDeadlocks, never the warning's words", () => {
    const forced = (p: Plan) => names(p).filter((n) => n === 'b migrate-set-parameters').length;
    const kvm = forced(planFor('secondary-resume'));
    expect(kvm).toBe(2); // the delay, then the forced first checkpoint
    // the warning reworded or dropped: still no forced checkpoint where checkpoints deadlock
    expect(forced(planFor('secondary-resume', { accel: 'tcg' }, undefined, (p) => ({ ...p, warnings: ['reworded'] })))).toBe(1);
    // and the flag alone decides, whatever the warnings say
    expect(forced(planFor('secondary-resume', { accel: 'tcg' }, undefined, (p) => ({ ...p, checkpointDeadlocks: false })))).toBe(kvm);
    expect(forced(planFor('secondary-resume', {}, undefined, (p) => ({ ...p, checkpointDeadlocks: true })))).toBe(1);
  });

  it('checkpointDeadlocks is set where measured: TCG on 7.2 and 10.0, not 11.1, never KVM', () => {
    const d = (v: string, accel: 'kvm' | 'tcg') => recordedProfile(parseVersion(v)!, accel).checkpointDeadlocks;
    expect([d('7.2', 'tcg'), d('10.0', 'tcg'), d('11.1', 'tcg'), d('7.2', 'kvm'), d('10.0', 'kvm'), d('11.1', 'kvm')]).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('primary-resume: the survivor keeps its chardevs and gets its filters back in chain order', () => {
    const plan = planFor('primary-resume');
    expect(plan.transition).toBe('primary-resume');
    expect(names(plan)).not.toContain('a chardev-add');
    const filters = qmp(plan).filter((s) => s.execute === 'object-add' && String(s.arguments?.['qom-type']).startsWith('filter-'));
    expect(filters.map((s) => s.arguments?.id)).toEqual(['m0', 'redire0', 'redire1']);
  });
});

describe('resume where QEMU enters COLO from a migration stopped before its switchover (10.0, 11.1)', () => {
  const v11 = { version: '11.1' };
  const after = (_plan: Plan, a: number, b: number) => expect(a).toBeGreaterThan(b);

  it('pauseAtSwitchover is set where measured: 10.0 and 11.1 enter COLO from pre-switchover, 7.2 completes the migration', () => {
    const p = (v: string) => recordedProfile(parseVersion(v)!, 'tcg').pauseAtSwitchover;
    expect([p('7.2'), p('10.0'), p('11.1')]).toEqual([false, true, true]);
  });

  it('secondary-resume: pause-before-switchover on, migrate, then (the guest stopped) filters and compare, migrate-continue; no forced checkpoint', () => {
    const plan = planFor('secondary-resume', v11);
    const n = names(plan);
    expect(n.slice(n.indexOf('b cont'))).toEqual([
      'b cont',
      'b migrate-set-parameters',
      'b migrate-set-parameters',
      'b migrate-set-capabilities',
      'b migrate',
      'b object-add',
      'b object-add',
      'b object-add',
      'b object-add',
      'b object-add',
      'b migrate-continue',
    ]);
    const caps = qmp(plan).filter((s) => s.execute === 'migrate-set-capabilities' && s.node === 'b');
    expect(caps.map((s) => s.arguments)).toEqual([{ capabilities: [{ capability: 'pause-before-switchover', state: true }] }]);
    expect(qmp(plan).find((s) => s.execute === 'migrate-continue')?.arguments).toEqual({ state: 'pre-switchover' });
    // the spec's resume downtime-limit (default 20 ms), before migrate
    const params = qmp(plan).filter((s) => s.execute === 'migrate-set-parameters' && s.node === 'b');
    expect(params.map((s) => s.arguments)).toEqual([{ 'x-checkpoint-delay': 2000 }, { 'downtime-limit': 20 }]);
    const stopped = plan.steps.findIndex((s) => isWait(s) && s.wait === 'migration-status' && s.until === 'pre-switchover');
    after(
      plan,
      stopped,
      indexOf(plan, (s) => s.execute === 'migrate'),
    );
    after(
      plan,
      indexOf(plan, (s) => s.execute === 'object-add'),
      stopped,
    );
    // the new secondary is connected before migrate, and COLO is proven after the switchover
    const connected = plan.steps.findIndex((s) => isWait(s) && s.wait === 'chardevs-connected');
    after(
      plan,
      indexOf(plan, (s) => s.execute === 'migrate'),
      connected,
    );
    const colo = plan.steps.findIndex((s) => isWait(s) && s.wait === 'migration-status' && s.until === 'colo');
    after(
      plan,
      colo,
      indexOf(plan, (s) => s.execute === 'migrate-continue'),
    );
    expect(plan.steps.at(-1)).toMatchObject({ kind: 'wait', wait: 'colo-mode', until: 'primary' });
  });

  it('primary-resume: the same order; a capability already on and the downtime-limit already set are not set again', () => {
    expect(names(planFor('primary-resume', v11))).toContain('a migrate-continue');
    const on = planFor('primary-resume', v11, (obs) => {
      obs.a = { ...obs.a, migration: { ...obs.a.migration, pauseBeforeSwitchover: true, downtimeLimit: 20 } };
    });
    expect(names(on)).not.toContain('a migrate-set-capabilities');
    expect(qmp(on).some((s) => s.execute === 'migrate-set-parameters' && 'downtime-limit' in (s.arguments ?? {}))).toBe(false);
    expect(names(on)).toContain('a migrate-continue');
    // the spec's value, whatever it is
    const spec40 = planFor('primary-resume', { ...v11, extra: '    resumeDowntimeLimitMs: 40\n' });
    expect(qmp(spec40).find((s) => 'downtime-limit' in (s.arguments ?? {}))?.arguments).toEqual({ 'downtime-limit': 40 });
  });

  it('interrupted while stopped before the switchover: the filters missing and migrate-continue, nothing else', () => {
    const plan = planFor('secondary-resume', v11, (obs) => {
      obs.b = { ...obs.b, runstate: 'finish-migrate', migration: { status: 'pre-switchover', pauseBeforeSwitchover: true } };
    });
    const n = names(plan);
    expect(n.slice(n.indexOf('b object-add'))).toEqual(['b object-add', 'b object-add', 'b object-add', 'b object-add', 'b object-add', 'b migrate-continue']);
    expect(n).not.toContain('b migrate');
    expect(qmp(plan).some((s) => JSON.stringify(s.arguments ?? {}).includes('pause-before-switchover'))).toBe(false);
    expect(plan.steps.some((s) => isWait(s) && s.until === 'pre-switchover')).toBe(false);
  });

  it('interrupted while the RAM is copied with the capability on: waits for the stop, then filters and migrate-continue', () => {
    const plan = planFor('secondary-resume', v11, (obs) => {
      obs.b = { ...obs.b, migration: { status: 'active', pauseBeforeSwitchover: true } };
    });
    expect(names(plan)).not.toContain('b migrate');
    const stopped = plan.steps.findIndex((s) => isWait(s) && s.until === 'pre-switchover');
    expect(stopped).toBeGreaterThanOrEqual(0);
    after(
      plan,
      indexOf(plan, (s) => s.execute === 'object-add'),
      stopped,
    );
    expect(names(plan).at(-1)).toBe('b migrate-continue');
  });

  it('the new secondary gone while the migration waits before its switchover: cancel it, the guest runs on alone', () => {
    const plan = planFor('secondary-resume', v11, (obs) => {
      obs.b = { ...obs.b, runstate: 'finish-migrate', migration: { status: 'pre-switchover', pauseBeforeSwitchover: true, downtimeLimit: 20 } };
      obs.a = { name: 'a', reach: 'unreachable', error: 'QMP socket: ECONNREFUSED', resources: {}, jobs: [] };
    });
    expect(plan).toMatchObject({ transition: 'degraded', gated: false, nodes: { b: { state: 'migrating' }, a: { state: 'unreachable' } } });
    expect(plan.reason).toMatch(/cancel the migration/);
    const n = names(plan);
    expect(n[0]).toBe('b migrate_cancel');
    expect(plan.steps[1]).toMatchObject({ kind: 'wait', node: 'b', wait: 'migration-status', until: 'cancelled' });
    // no fence: the target never ran the guest; the resume's settings go back last
    expect(plan.steps.some((s) => s.kind === 'fence')).toBe(false);
    expect(n.slice(-2)).toEqual(['b migrate-set-capabilities', 'b migrate-set-parameters']);
  });

  it('a migration past its switchover (device) to a node that is gone is no cancel: the target may replicate', () => {
    const classes = [
      classifyNode({ name: 'b', reach: 'ok', runstate: 'finish-migrate', migration: { status: 'device' }, resources: {}, jobs: [] }),
      classifyNode({ name: 'a', reach: 'unreachable', resources: {}, jobs: [] }),
    ] as const;
    expect(classifyPair(classes[0], classes[1]).transition).toBe('blocked');
    const active = classifyNode({ name: 'b', reach: 'ok', runstate: 'running', migration: { status: 'active' }, resources: {}, jobs: [] });
    expect(classifyPair(active, classes[1])).toMatchObject({ transition: 'degraded', survivor: 'b', dead: 'a', cancelMigration: true });
    // still copying RAM towards a target that only does not answer (busy loading the stream?): it may reach
    // its switchover before a cancel lands, so no cancel without a decision
    const hung = classifyNode({ name: 'a', reach: 'hung', silence: 'greeting', resources: {}, jobs: [] });
    expect(classifyPair(active, hung).transition).toBe('blocked');
    const stopped = classifyNode({ name: 'b', reach: 'ok', runstate: 'finish-migrate', migration: { status: 'pre-switchover' }, resources: {}, jobs: [] });
    expect(classifyPair(stopped, hung)).toMatchObject({ transition: 'degraded', cancelMigration: true });
    // a target that still answers keeps the migration
    const waiting = classifyNode({ name: 'a', reach: 'ok', runstate: 'inmigrate', resources: {}, jobs: [] });
    expect(classifyPair(active, waiting).transition).toBe('setup');
  });

  it('7.2 keeps the order it enters COLO with: compare before migrate, a forced first checkpoint', () => {
    const n = names(planFor('secondary-resume'));
    expect(n).not.toContain('b migrate-continue');
    expect(n.indexOf('b object-add')).toBeLessThan(n.indexOf('b migrate'));
  });

  it('a failover turns pause-before-switchover off on the survivor that had it, after its hooks; else sends nothing for it', () => {
    const with_ = planFor('primary-failover', v11, (obs) => {
      obs.a = { ...obs.a, migration: { ...obs.a.migration, pauseBeforeSwitchover: true } };
    });
    expect(qmp(with_).at(-1)).toMatchObject({
      node: 'a',
      execute: 'migrate-set-capabilities',
      arguments: { capabilities: [{ capability: 'pause-before-switchover', state: false }] },
    });
    const both = planFor('primary-failover', v11, (obs) => {
      obs.a = { ...obs.a, migration: { ...obs.a.migration, pauseBeforeSwitchover: true, downtimeLimit: 20 } };
    });
    expect(
      qmp(both)
        .slice(-2)
        .map((s) => [s.execute, s.arguments]),
    ).toEqual([
      ['migrate-set-capabilities', { capabilities: [{ capability: 'pause-before-switchover', state: false }] }],
      ['migrate-set-parameters', { 'downtime-limit': 300 }],
    ]);
    expect(names(planFor('primary-failover', v11))).not.toContain('a migrate-set-capabilities');
    expect(names(planFor('primary-failover', v11))).not.toContain('a migrate-set-parameters');
    expect(names(planFor('steady', v11))).toEqual([]);
  });
});

describe('preconditions: a half-applied plan re-plans to the remaining steps', () => {
  it('setup with the NBD export and replication0 already attached plans only x-colo, delay and migrate', () => {
    const plan = planFor('setup', {}, (obs) => {
      obs.b = edited(obs.b, { put: [resource('b', 'nbd-server', 'nbd-server', {}), resource('b', 'nbd-export', 'parent0', { device: 'parent0' })] });
      obs.a = edited(obs.a, {
        put: [
          resource('a', 'block-node', 'replication0', { driver: 'replication' }),
          resource('a', 'block-child', 'colo-disk0/children.1', { node: 'replication0', driver: 'replication', target: 'nbd://10.0.0.2:9999/parent0' }),
        ],
      });
    });
    expect(plan.transition).toBe('setup');
    expect(names(plan)).toEqual(['a migrate-set-capabilities', 'a migrate-set-parameters', 'a migrate']);
  });

  it('setup with a child node left unattached by an interrupted apply deletes it after the copy and adds it again', () => {
    const plan = planFor('setup', {}, (obs) => {
      obs.a = edited(obs.a, { put: [resource('a', 'block-node', 'nbd0', { driver: 'nbd' })] });
      obs.b = edited(obs.b, { put: [resource('b', 'nbd-server', 'nbd-server', {}), resource('b', 'nbd-export', 'parent0', { device: 'parent0' })] });
    });
    const n = names(plan);
    expect(n.slice(0, 5)).toEqual(['a drive-mirror', 'a block-job-cancel', 'a blockdev-del', 'a blockdev-add', 'a x-blockdev-change']);
  });

  it('setup with a replication node left by an earlier secondary deletes it (drive_del) and adds the NBD child', () => {
    const plan = planFor('setup', {}, (obs) => {
      obs.a = edited(obs.a, { put: [resource('a', 'block-node', 'replication0', { driver: 'replication' })] });
    });
    const n = names(plan);
    expect(n.indexOf('a hmp drive_del')).toBeGreaterThan(n.indexOf('b nbd-server-add'));
    expect(n.indexOf('a blockdev-add')).toBeGreaterThan(n.indexOf('a hmp drive_del'));
    expect(n.indexOf('a x-blockdev-change')).toBeGreaterThan(n.indexOf('a blockdev-add'));
  });

  it('setup while the migration already runs only waits for COLO', () => {
    const plan = planFor('setup', {}, (obs) => {
      obs.a = edited(
        { ...obs.a, migration: { status: 'active' } },
        {
          put: [
            resource('a', 'block-node', 'replication0', { driver: 'replication' }),
            resource('a', 'block-child', 'colo-disk0/children.1', { node: 'replication0', driver: 'replication' }),
            resource('a', 'capability', 'x-colo', { state: true }),
            resource('a', 'parameter', 'x-checkpoint-delay', { value: 2000 }),
          ],
        },
      );
      obs.b = edited(obs.b, { put: [resource('b', 'nbd-server', 'nbd-server', {}), resource('b', 'nbd-export', 'parent0', { device: 'parent0' })] });
    });
    expect(plan.nodes.a.state).toBe('migrating');
    expect(qmp(plan)).toEqual([]);
    expect(plan.steps.map((s) => (isWait(s) ? s.wait : '?'))).toEqual(['migration-status', 'colo-mode', 'colo-mode']);
  });

  it('steady with m0 missing plans one object-add m0, placed before redire0', () => {
    const plan = planFor('steady', {}, (obs) => {
      obs.a = edited(obs.a, { drop: ['a/object/m0'], put: [resource('a', 'filter-order', 'hn0', { order: ['redire0', 'redire1'] })] });
    });
    expect(plan.transition).toBe('steady');
    expect(qmp(plan).map((s) => [s.node, s.execute, s.arguments])).toEqual([
      ['a', 'object-add', { 'qom-type': 'filter-mirror', id: 'm0', netdev: 'hn0', queue: 'tx', outdev: 'mirror0', insert: 'before', position: 'id=redire0' }],
    ]);
    expect(plan.changes.find((c) => c.address === 'a/object/m0')).toMatchObject({ action: 'create', faultTolerance: expect.stringContaining('m0') });
  });

  it('steady with redire1 missing plans one object-add redire1 behind redire0', () => {
    const plan = planFor('steady', {}, (obs) => {
      obs.a = edited(obs.a, { drop: ['a/object/redire1'], put: [resource('a', 'filter-order', 'hn0', { order: ['m0', 'redire0'] })] });
    });
    expect(qmp(plan).map((s) => [s.arguments?.id, s.arguments?.insert, s.arguments?.position])).toEqual([['redire1', 'behind', 'id=redire0']]);
  });

  it('steady with x-checkpoint-delay drift plans one migrate-set-parameters', () => {
    const plan = planFor('steady', {}, (obs) => {
      obs.a = edited(obs.a, { put: [resource('a', 'parameter', 'x-checkpoint-delay', { value: 5000 })] });
    });
    expect(qmp(plan).map((s) => [s.node, s.execute, s.arguments])).toEqual([['a', 'migrate-set-parameters', { 'x-checkpoint-delay': 2000 }]]);
    expect(plan.changes).toEqual([
      expect.objectContaining({ address: 'a/migration/parameter/x-checkpoint-delay', action: 'update', before: { value: 5000 }, after: { value: 2000 } }),
    ]);
    expect(plainWarnings(plan)).toEqual([]);
  });

  it('steady drift under TCG warns that the parameter change forces a checkpoint', () => {
    const plan = planFor('steady', { accel: 'tcg' }, (obs) => {
      obs.a = edited(obs.a, { put: [resource('a', 'parameter', 'x-checkpoint-delay', { value: 5000 })] });
    });
    expect(plan.warnings.some((w) => w.code === 'QEMU_PROFILE' && /forces a checkpoint/.test(w.message))).toBe(true);
  });

  it('steady with nothing missing plans nothing', () => {
    const plan = planFor('steady');
    expect(plan.steps).toEqual([]);
    expect(plan.changes).toEqual([]);
  });
});

describe('version profiles', () => {
  const xColoOnSecondary = (p: Plan) => qmp(p).some((s) => s.node === 'b' && s.execute === 'migrate-set-capabilities');
  const secondaryArgv = (version: string) => {
    const { spec, profile } = pair({ version });
    return nodeArgs(spec, profile, spec.nodes[1], 'secondary').argv;
  };

  it('7.2: x-colo on the primary only; reconnect=1', () => {
    expect(xColoOnSecondary(planFor('setup', { version: '7.2' }))).toBe(false);
    expect(secondaryArgv('7.2')).toContain('socket,id=red0,host=10.0.0.1,port=9003,reconnect=1');
  });

  it('8.1 (no schema recorded: the 7.2.22 forms, with a warning): x-colo on the secondary too, first of all; reconnect=1', () => {
    const plan = planFor('setup', { version: '8.1' });
    expect(qmp(plan)[0]).toMatchObject({
      node: 'b',
      execute: 'migrate-set-capabilities',
      arguments: { capabilities: [{ capability: 'x-colo', state: true }] },
    });
    expect(secondaryArgv('8.1')).toContain('socket,id=red1,host=10.0.0.1,port=9004,reconnect=1');
    expect(plainWarnings(plan)).toEqual([expect.stringMatching(/no schema of QEMU 8\.1 is recorded: the forms of 7\.2\.22/)]);
  });

  it('10.0 (recorded 10.0.13): x-colo alone on both sides, reconnect-ms from the schema', () => {
    const plan = planFor('setup', { version: '10.0' });
    expect(xColoOnSecondary(plan)).toBe(true);
    const caps = qmp(plan)
      .filter((s) => s.execute === 'migrate-set-capabilities')
      .map((s) => s.arguments?.capabilities);
    expect(caps).toEqual([[{ capability: 'x-colo', state: true }], [{ capability: 'x-colo', state: true }]]);
    const argv = secondaryArgv('10.0');
    expect(argv).toContain('socket,id=red0,host=10.0.0.1,port=9003,reconnect-ms=1000');
    expect(argv.join(' ')).not.toMatch(/reconnect=/);
  });

  it('11.1 (recorded 11.1.3): return-path with x-colo in one command on both sides, before migrate', () => {
    const plan = planFor('setup', { version: '11.1' });
    const both = [
      { capability: 'x-colo', state: true },
      { capability: 'return-path', state: true },
    ];
    const caps = qmp(plan).filter((s) => s.execute === 'migrate-set-capabilities');
    expect(caps.map((s) => [s.node, s.arguments?.capabilities])).toEqual([
      ['b', both],
      ['a', both],
    ]);
    const order = qmp(plan).map((s) => `${s.node} ${s.execute}`);
    expect(order.indexOf('a migrate-set-capabilities')).toBeLessThan(order.indexOf('a migrate'));
    expect(secondaryArgv('11.1')).toContain('socket,id=red0,host=10.0.0.1,port=9003,reconnect-ms=1000');
  });

  it('11.1 steady: a return-path switched off by hand is drift, repaired with the x-colo pair', () => {
    const plan = planFor('steady', { version: '11.1' }, (obs) => {
      obs.a = edited(obs.a, { put: [resource('a', 'capability', 'return-path', { state: false })] });
    });
    expect(plan.changes.find((c) => c.address === 'a/migration/capability/return-path')).toMatchObject({
      action: 'update',
      faultTolerance: expect.stringMatching(/return-path/),
    });
  });

  it('a secondary chardev re-added in steady state uses the profile form', () => {
    const missingRed0 = (obs: Record<string, ObservedNode>) => {
      obs.b = edited(obs.b, { drop: ['b/chardev/red0'] });
    };
    const data = (p: Plan) => (qmp(p).find((s) => s.execute === 'chardev-add')?.arguments?.backend as { data: Record<string, unknown> }).data;
    expect(data(planFor('steady', { version: '7.2' }, missingRed0))).toMatchObject({ server: false, reconnect: 1 });
    expect(data(planFor('steady', { version: '11.1' }, missingRed0))).toMatchObject({ server: false, 'reconnect-ms': 1000 });
  });

  it('warns where measured: TCG on 7.2 and 10.0 (not 11.1), broken COLO on 10.0.0-10.0.6 and 10.1.0-10.1.2 only', () => {
    const w = (v: string, accel: 'kvm' | 'tcg') => recordedProfile(parseVersion(v)!, accel).warnings;
    expect(w('7.2', 'tcg')).toEqual([expect.stringMatching(/TCG deadlocks QEMU 7\.2 at the first checkpoint/)]);
    expect(w('10.0', 'tcg')).toEqual([expect.stringMatching(/TCG deadlocks QEMU 10\.0 at the first checkpoint/)]);
    expect(w('11.1', 'tcg')).toEqual([]);
    expect(w('7.2', 'kvm')).toEqual([]);
    expect(w('10.0', 'kvm')).toEqual([]); // the recorded 10.0.13 has the fix
    expect(w('10.0.13', 'kvm')).toEqual([]);
    expect(w('10.0.6', 'kvm')).toEqual([expect.stringMatching(/10\.0\.6 has broken COLO upstream.*fix is in 10\.0\.7/)]);
    expect(w('10.0.7', 'kvm')).toEqual([]);
    expect(w('10.1.2', 'kvm')).toEqual([expect.stringMatching(/broken COLO/), expect.stringMatching(/no schema of QEMU 10\.1/)]);
    expect(w('10.1.3', 'kvm')).toEqual([expect.stringMatching(/no schema of QEMU 10\.1/)]);
    expect(w('6.2', 'kvm')).toEqual([expect.stringMatching(/older than 7\.2/), expect.stringMatching(/no schema of QEMU 6\.2/)]);
  });

  it('a plan carries the profile warnings', () => {
    expect(plainWarnings(planFor('setup', { accel: 'tcg' }))).toEqual([expect.stringMatching(/deadlocks/)]);
    expect(plainWarnings(planFor('setup', { version: '10.0.3' }))).toEqual([expect.stringMatching(/broken COLO/)]);
    expect(plainWarnings(planFor('setup'))).toEqual([]);
  });
});

describe('addresses', () => {
  it('an IPv6 host is bracketed wherever QEMU takes host:port (-incoming, migrate, nbd:// targets)', () => {
    const o = { hosts: ['fd00::1', 'fd00::2'] as [string, string] };
    const { spec, profile } = pair(o);
    expect(nodeArgs(spec, profile, spec.nodes[1], 'secondary').argv.slice(-2)).toEqual(['-incoming', 'tcp:[fd00::2]:9998']);
    expect(qmp(planFor('setup', o)).find((s) => s.execute === 'migrate')?.arguments).toEqual({ uri: 'tcp:[fd00::2]:9998' });
    expect(qmp(planFor('primary-resume', o)).find((s) => s.execute === 'drive-mirror')?.arguments?.target).toBe('nbd://[fd00::2]:9999/parent0');
  });
});

describe('classifyNode', () => {
  const node = (o: Partial<ObservedNode>): ObservedNode => ({ name: 'n', reach: 'ok', resources: {}, jobs: [], ...o });

  it.each<[string, Partial<ObservedNode>, Partial<NodeClassification>]>([
    ['no QMP socket', { reach: 'unreachable', error: 'ENOENT' }, { class: 'unreachable', detail: 'ENOENT' }],
    ['QMP does not answer', { reach: 'hung' }, { class: 'hung' }],
    ['prelaunch, mode none', { runstate: 'prelaunch', colo: { mode: 'none' }, migration: {} }, { class: 'fresh-primary' }],
    ['inmigrate, mode none', { runstate: 'inmigrate', colo: { mode: 'none' } }, { class: 'fresh-secondary' }],
    ['running, mode primary', { runstate: 'running', colo: { mode: 'primary' }, migration: { status: 'colo' } }, { class: 'colo-primary' }],
    [
      'paused by a checkpoint, mode primary',
      { runstate: 'finish-migrate', colo: { mode: 'primary' }, migration: { status: 'colo' } },
      { class: 'colo-primary' },
    ],
    ['running, mode secondary', { runstate: 'running', colo: { mode: 'secondary' }, migration: { status: 'colo' } }, { class: 'colo-secondary' }],
    [
      'running alone after a failover',
      { runstate: 'running', colo: { mode: 'none', lastMode: 'secondary' }, migration: { status: 'completed' } },
      { class: 'standalone', lastMode: 'secondary' },
    ],
    ['running, never in COLO', { runstate: 'running', colo: { mode: 'none' } }, { class: 'standalone', lastMode: 'none' }],
    ['migrating', { runstate: 'prelaunch', colo: { mode: 'none' }, migration: { status: 'active' } }, { class: 'migrating' }],
    ['migration failed', { runstate: 'postmigrate', colo: { mode: 'none' }, migration: { status: 'failed' } }, { class: 'failed', detail: 'migration failed' }],
  ])('%s', (_what, o, want) => {
    expect(classifyNode(node(o))).toMatchObject({ name: 'n', ...want });
  });

  it('the FIX 1 hang signature is failed, and says what it means', () => {
    const c = classifyNode(node({ runstate: 'finish-migrate', colo: { mode: 'primary' }, migration: { status: 'colo' }, hangSignature: true }));
    expect(c.class).toBe('failed');
    expect(c.detail).toMatch(/top-id/);
    expect(c.detail).toMatch(/colo args/);
  });
});

describe('classifyPair: which transition each pair of node states calls for', () => {
  const c = (name: string, cls: NodeClassification['class'], lastMode?: string): NodeClassification => ({
    name,
    class: cls,
    ...(lastMode ? { lastMode } : {}),
  });

  it.each<[NodeClassification, NodeClassification, Transition, boolean, Record<string, string>]>([
    [c('a', 'fresh-primary'), c('b', 'fresh-secondary'), 'setup', false, { primary: 'a', secondary: 'b' }],
    [c('a', 'fresh-secondary'), c('b', 'fresh-primary'), 'setup', false, { primary: 'b', secondary: 'a' }],
    [c('a', 'colo-primary'), c('b', 'colo-secondary'), 'steady', false, { primary: 'a', secondary: 'b' }],
    [c('a', 'unreachable'), c('b', 'colo-secondary'), 'secondary-failover', true, { survivor: 'b', dead: 'a' }],
    [c('a', 'hung'), c('b', 'colo-secondary'), 'secondary-failover', true, { survivor: 'b' }],
    [c('a', 'colo-primary'), c('b', 'unreachable'), 'primary-failover', true, { survivor: 'a', dead: 'b' }],
    [c('a', 'colo-primary'), c('b', 'standalone', 'secondary'), 'blocked', false, { splitBrain: true } as never],
    [c('a', 'colo-primary'), c('b', 'standalone', 'none'), 'blocked', false, { splitBrain: true } as never],
    [c('a', 'standalone', 'primary'), c('b', 'colo-secondary'), 'blocked', false, {}],
    [c('a', 'standalone', 'secondary'), c('b', 'fresh-secondary'), 'secondary-resume', false, { primary: 'a', secondary: 'b' }],
    [c('a', 'fresh-secondary'), c('b', 'standalone', 'secondary'), 'secondary-resume', false, { primary: 'b', secondary: 'a' }],
    [c('a', 'standalone', 'primary'), c('b', 'fresh-secondary'), 'primary-resume', false, { primary: 'a', secondary: 'b' }],
    [c('a', 'standalone', 'none'), c('b', 'fresh-secondary'), 'primary-resume', false, { primary: 'a', secondary: 'b' }],
    [c('a', 'standalone', 'primary'), c('b', 'standalone', 'secondary'), 'blocked', false, {}],
  ])('%o + %o → %s', (a, b, transition, gated, roles) => {
    const p = classifyPair(a, b);
    expect(p).toMatchObject({ transition, gated, ...roles });
  });

  it('split brain is blocked and says so', () => {
    const p = classifyPair(c('a', 'standalone', 'primary'), c('b', 'standalone', 'secondary'));
    expect(p).toEqual({
      transition: 'blocked',
      gated: false,
      splitBrain: true,
      reason: expect.stringMatching(/split brain.*b took over while a kept running/),
    });
  });

  it('an unreachable primary is a gated failover whose reason warns about partitions', () => {
    const p = classifyPair(c('a', 'unreachable'), c('b', 'colo-secondary'));
    expect(p).toMatchObject({ transition: 'secondary-failover', gated: true, survivor: 'b' });
    expect(p.reason).toMatch(/partition/);
  });

  it('neither node answering is blocked', () => {
    expect(classifyPair(c('a', 'unreachable'), c('b', 'hung')).transition).toBe('blocked');
  });

  it('a split-brain plan has no steps', () => {
    const { spec: s, profile } = pair();
    const observed = assumeObserved(s, profile, 'steady');
    const alone = (o: ObservedNode, lastMode: string): ObservedNode => ({
      ...o,
      runstate: 'running',
      colo: { mode: 'none', lastMode },
      migration: { status: 'completed' },
    });
    const plan = buildPlan(s, profile, { a: alone(observed.a, 'primary'), b: alone(observed.b, 'secondary') }, { mode: 'live' });
    expect(plan.transition).toBe('blocked');
    expect(plan.steps).toEqual([]);
  });
});
