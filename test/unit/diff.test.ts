import { describe, expect, it } from 'vitest';
import { diffState, displayOrder } from '../../src/diff/diff.js';
import type { Change } from '../../src/diff/types.js';
import { resource, toMap, type Resource } from '../../src/model/state.js';
import { policyOf } from '../../src/plan/kinds/index.js';

const both = new Set(['a', 'b']);
const mirror = (o: Record<string, string | boolean> = {}) =>
  resource('a', 'object', 'm0', { 'qom-type': 'filter-mirror', netdev: 'hn0', queue: 'tx', outdev: 'mirror0', vnet_hdr_support: false, ...o });
const order = (node: string, ids: string[]) => resource(node, 'filter-order', 'hn0', { order: ids });
const delay = (ms: number) => resource('a', 'parameter', 'x-checkpoint-delay', { value: ms });
const diff = (desired: Resource[], observed: Resource[], reachable = both, o: { removed?: Resource[]; replicating?: boolean } = {}): Change[] =>
  displayOrder(
    diffState({ resources: toMap(desired), removed: toMap(o.removed ?? []), complete: true }, toMap(observed), {
      reachable,
      policy: policyOf,
      replicating: o.replicating ?? false,
    }),
  );

describe('diffResources: actions', () => {
  it('nothing when observed equals desired', () => {
    const all = [mirror(), order('a', ['m0']), delay(2000)];
    expect(diff(all, all)).toEqual([]);
  });

  it('create: desired, not observed', () => {
    const r = resource('b', 'nbd-export', 'parent0', { device: 'parent0' });
    expect(diff([r], [])).toEqual([
      {
        node: 'b',
        address: 'b/nbd-export/parent0',
        kind: 'nbd-export',
        id: 'parent0',
        action: 'create',
        after: { device: 'parent0' },
        faultTolerance: 'the secondary does not receive disk writes',
      },
    ]);
  });

  it('blocked create: a disk piece is not re-attached while the pair replicates, and says what it takes', () => {
    const child = resource('a', 'block-child', 'colo-disk0/children.1', { target: 'nbd://h:1/parent0' });
    expect(diff([child], [])[0]).toMatchObject({ action: 'create' });
    expect(diff([child], [], both, { replicating: true })[0]).toMatchObject({
      action: 'blocked',
      faultTolerance: expect.stringMatching(/not attached.*cannot be re-attached while COLO runs: fail over/),
    });
    // a node's own disk layout is its command line's: never created live
    expect(diff([resource('b', 'block-child', 'colo-disk0/children.0', { node: 'childs0' })], [])[0]).toMatchObject({
      action: 'blocked',
      faultTolerance: expect.stringMatching(/relaunch/),
    });
  });

  it('delete: what the transition removes, where it is still live (and nothing that is already gone)', () => {
    const f1 = resource('b', 'object', 'f1', { 'qom-type': 'filter-redirector' });
    const f2 = resource('b', 'object', 'f2', { 'qom-type': 'filter-redirector' });
    const changes = diff([], [f1], both, { removed: [f1, f2] });
    expect(changes).toEqual([expect.objectContaining({ address: 'b/object/f1', action: 'delete', before: f1.value })]);
  });

  it('update: a parameter, a capability and the COLO mode change in place', () => {
    const changes = diff(
      [delay(2000), resource('a', 'capability', 'x-colo', { state: true }), resource('a', 'colo', 'colo', { mode: 'primary' })],
      [delay(5000), resource('a', 'capability', 'x-colo', { state: false }), resource('a', 'colo', 'colo', { mode: 'none' })],
    );
    expect(changes.map((c) => [c.address, c.action, c.before, c.after])).toEqual([
      ['a/colo', 'update', { mode: 'none' }, { mode: 'primary' }],
      ['a/migration/capability/x-colo', 'update', { state: false }, { state: true }],
      ['a/migration/parameter/x-checkpoint-delay', 'update', { value: 5000 }, { value: 2000 }],
    ]);
  });

  it('blocked: a filter with other properties is not replaced while COLO runs', () => {
    const [c] = diff([mirror()], [mirror({ queue: 'rx' })]);
    expect(c).toMatchObject({ address: 'a/object/m0', action: 'blocked', before: { queue: 'rx' }, after: { queue: 'tx' } });
  });

  it('blocked: a chardev on another port cannot be changed on a running QEMU', () => {
    const [c] = diff(
      [resource('a', 'chardev', 'mirror0', { host: '127.0.0.1', port: 9003, server: true })],
      [resource('a', 'chardev', 'mirror0', { host: '127.0.0.1', port: 9103, server: true, connected: true })],
    );
    expect(c).toMatchObject({ address: 'a/chardev/mirror0', action: 'blocked' });
  });

  it('unmanaged: a live object, chardev or export the spec does not describe is shown, never deleted', () => {
    // (in address order, as the changes are sorted)
    const extra = [
      resource('a', 'chardev', 'serial9', { host: '127.0.0.1', port: 4000, server: true }),
      resource('a', 'object', 'dbg0', { 'qom-type': 'filter-dump', netdev: 'hn0' }),
      resource('b', 'nbd-export', 'other', { device: 'other' }),
    ];
    const changes = diff([mirror()], [mirror(), ...extra]);
    expect(changes.map((c) => [c.address, c.action, c.before])).toEqual(extra.map((r) => [r.address, 'unmanaged', r.value]));
    expect(changes.some((c) => c.action === 'delete')).toBe(false);
  });

  it('unmanaged is limited to objects, chardevs and exports (block nodes and parameters are not listed)', () => {
    const changes = diff([], [resource('a', 'block-node', '#block123', { driver: 'qcow2' }), resource('a', 'parameter', 'downtime-limit', { value: 300 })]);
    expect(changes).toEqual([]);
  });

  it('only reachable nodes are compared', () => {
    const changes = diff(
      [mirror(), resource('b', 'chardev', 'red0', { host: 'h', port: 1, server: false })],
      [resource('b', 'object', 'x', { 'qom-type': 'iothread' })],
      new Set(['a']),
    );
    expect(changes.map((c) => c.address)).toEqual(['a/object/m0']);
  });

  it('values are compared on the keys both sides have (live reads add keys like connected)', () => {
    const want = resource('a', 'chardev', 'mirror0', { host: '127.0.0.1', port: 9003, server: true });
    const have = resource('a', 'chardev', 'mirror0', { host: '127.0.0.1', port: 9003, server: true, connected: false });
    expect(diff([want], [have])).toEqual([]);
  });
});

describe('diffResources: filter order', () => {
  const want = order('a', ['m0', 'redire0', 'redire1']);

  it('is compared among managed ids only: an unmanaged filter anywhere in the chain is no change', () => {
    expect(diff([want], [order('a', ['dbg0', 'm0', 'redire0', 'dbg1', 'redire1'])])).toEqual([]);
  });

  it('a managed filter out of place is blocked (nothing re-orders filters on a running pair)', () => {
    const [c] = diff([want], [order('a', ['redire0', 'm0', 'redire1'])]);
    expect(c).toMatchObject({
      address: 'a/netdev/hn0/filters',
      action: 'blocked',
      before: { order: ['redire0', 'm0', 'redire1'] },
      after: { order: ['m0', 'redire0', 'redire1'] },
    });
  });

  it('a missing filter is not an order change (its object is created instead)', () => {
    expect(diff([want], [order('a', ['redire0', 'redire1'])])).toEqual([]);
  });
});

describe('diffResources: fault tolerance', () => {
  it('a missing filter weakens it', () => {
    const [c] = diff([mirror()], []);
    expect(c.action).toBe('create');
    expect(c.faultTolerance).toMatch(/filter-mirror m0 is missing/);
  });

  it('a missing colo-compare weakens it', () => {
    const [c] = diff([resource('a', 'object', 'comp0', { 'qom-type': 'colo-compare' })], []);
    expect(c.faultTolerance).toMatch(/colo-compare comp0 is missing/);
  });

  it('a missing iothread alone does not', () => {
    const [c] = diff([resource('a', 'object', 'iothread1', { 'qom-type': 'iothread' })], []);
    expect(c.faultTolerance).toBeUndefined();
  });

  it('a missing replication child weakens it', () => {
    const [c] = diff([resource('a', 'block-child', 'colo-disk0/children.1', { node: 'replication0', driver: 'replication' })], []);
    expect(c.faultTolerance).toMatch(/replication child colo-disk0\/children\.1 is not attached/);
  });

  it('raising the checkpoint interval weakens it; a live interval above the spec is a weakness the update repairs', () => {
    const [raised] = diff([delay(20000)], [delay(2000)]);
    expect(raised.faultTolerance).toMatch(/raised from 2000 to 20000 ms/);
    const [lowered] = diff([delay(2000)], [delay(20000)]);
    expect(lowered.action).toBe('update');
    expect(lowered.faultTolerance).toMatch(/checkpoints every 20000 ms, the spec says 2000/);
    expect(diff([delay(2000)], [delay(2000)])).toEqual([]);
  });

  it('x-colo off and a node out of COLO weaken it', () => {
    const changes = diff(
      [resource('b', 'capability', 'x-colo', { state: true }), resource('b', 'colo', 'colo', { mode: 'secondary' })],
      [resource('b', 'colo', 'colo', { mode: 'none' })],
    );
    expect(changes.map((c) => c.faultTolerance)).toEqual([expect.stringMatching(/COLO is not running here \(mode none\)/), 'the x-colo capability is off']);
  });

  it('fault-tolerance changes come first, then everything by address', () => {
    const changes = diff(
      [
        resource('a', 'object', 'iothread1', { 'qom-type': 'iothread' }),
        resource('a', 'chardev', 'compare0', { host: 'h', port: 1, server: true }),
        delay(20000),
        mirror(),
        resource('b', 'block-child', 'colo-disk0/children.0', { node: 'childs0', driver: 'replication' }),
      ],
      [delay(2000), resource('a', 'object', 'zz', { 'qom-type': 'filter-dump' })],
    );
    expect(changes.map((c) => [c.address, !!c.faultTolerance])).toEqual([
      ['a/migration/parameter/x-checkpoint-delay', true],
      ['a/object/m0', true],
      ['b/block/colo-disk0/children.0', true],
      ['a/chardev/compare0', false],
      ['a/object/iothread1', false],
      ['a/object/zz', false],
    ]);
  });
});
