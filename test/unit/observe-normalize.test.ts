// normalize.ts on replies recorded from a real QEMU 7.2.22 pair (test/fixtures/qmp/*.json, made by
// `colo launch` + `colo apply` + `colo failover` on test/fixtures/qmp/pair.yaml, TCG, no checkpoint).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ResourceMap } from '../../src/model/state.js';
import { normalizeReads, parseChardevFilename, parseInfoNetwork, type RawReads } from '../../src/observe/normalize.js';
import { parseVersion, recordedProfile } from '../../src/model/profile.js';
import { assumeObserved } from '../../src/plan/assume.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { classifyNode } from '../../src/plan/classify.js';
import { loadSpec } from '../../src/spec/load.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/qmp/${name}.json`, import.meta.url), 'utf8'));
const raw = (name: string): RawReads => {
  const f = fixture(name);
  return { first: f.first, props: f.props };
};
const observe = (node: 'a' | 'b', name: string) => normalizeReads(node, raw(name));
const values = (resources: ResourceMap, kind: string) =>
  Object.fromEntries(
    Object.values(resources)
      .filter((r) => r.kind === kind)
      .map((r) => [r.id, r.value]),
  );

const specText = readFileSync(new URL('../fixtures/qmp/pair.yaml', import.meta.url), 'utf8');
const spec = loadSpec(specText, 'pair.yaml').spec!;
const profile = recordedProfile(parseVersion(spec.qemu.version)!, spec.qemu.accel);

describe('parseInfoNetwork (HMP info network of 7.2)', () => {
  it('gives the filter chain of the netdev, in order, with the properties QEMU prints', () => {
    const net = parseInfoNetwork(fixture('colo-a').first['info-network']);
    expect(net.chains).toEqual({ hn0: ['m0', 'redire0', 'redire1'] });
    expect(net.filters.m0).toEqual({
      type: 'filter-mirror',
      props: { vnet_hdr_support: 'false', outdev: 'mirror0', position: 'tail', status: 'on', insert: 'behind', netdev: 'hn0', queue: 'tx' },
    });
    expect(net.filters.redire0.props).toMatchObject({ indev: 'compare_out', outdev: '', queue: 'rx' });
    expect(net.filters.redire1.props).toMatchObject({ indev: '', outdev: 'compare0', queue: 'rx' });
  });

  it("reads the secondary's chain, and the survivor's after a failover", () => {
    expect(parseInfoNetwork(fixture('colo-b').first['info-network']).chains).toEqual({ hn0: ['f1', 'f2', 'rew0'] });
    expect(parseInfoNetwork(fixture('failover-b').first['info-network']).chains).toEqual({ hn0: ['rew0'] });
  });

  it('ignores the NIC itself and text without filters', () => {
    expect(
      parseInfoNetwork('e0: index=0,type=nic,model=rtl8139,macaddr=52:54:00:12:34:56\r\n \\ hn0: index=0,type=user,net=10.0.2.0,restrict=off\r\n'),
    ).toEqual({ chains: { hn0: [] }, filters: {} });
    expect(parseInfoNetwork('')).toEqual({ chains: {}, filters: {} });
  });
});

describe('parseChardevFilename (query-chardev of 7.2)', () => {
  const forms: Array<{ label: string; filename: string }> = fixture('chardev-forms')['query-chardev'];
  const parse = (label: string) => parseChardevFilename(forms.find((c) => c.label === label)!.filename);

  it('servers and clients, connected or not', () => {
    expect(parse('srvconn')).toEqual({ host: '127.0.0.1', port: 43304, server: true, connected: true });
    expect(parse('cliconn')).toEqual({ host: '127.0.0.1', port: 43304, server: false, connected: true });
    expect(parse('srv4')).toEqual({ host: '127.0.0.1', port: 43301, server: true, connected: false });
    expect(parse('cli4')).toEqual({ host: '127.0.0.1', port: 43303, server: false, connected: false });
  });

  it('not a TCP socket: undefined', () => {
    expect(parse('compat_monitor0')).toBeUndefined();
  });

  it('IPv6: the host without the brackets QEMU prints (as -chardev host= and the spec write it)', () => {
    expect(parse('srv6')).toEqual({ host: '::1', port: 43302, server: true, connected: true });
    expect(parse('cli6')).toEqual({ host: '::1', port: 43302, server: false, connected: true });
  });

  it('a client of a dual-stack listener: the IPv4-mapped peer is the IPv4 address (seen inside a network namespace)', () => {
    expect(parseChardevFilename('tcp:[::ffff:127.0.0.1]:53302 <-> [::ffff:127.0.0.1]:45607')).toEqual({
      host: '127.0.0.1',
      port: 45607,
      server: false,
      connected: true,
    });
  });
});

describe('normalizeReads: a replicating primary', () => {
  const o = observe('a', 'colo-a');

  it('state', () => {
    expect(o).toMatchObject({
      name: 'a',
      reach: 'ok',
      version: { major: 7, minor: 2, micro: 22 },
      runstate: 'running',
      colo: { mode: 'primary', lastMode: 'none' },
      migration: { status: 'colo' },
      jobs: [],
    });
    expect(classifyNode(o).class).toBe('colo-primary');
  });

  it('chardevs: host, port and server side; the monitor is not one of them', () => {
    expect(values(o.resources, 'chardev')).toEqual({
      mirror0: { host: '127.0.0.1', port: 43103, server: true, connected: true },
      compare1: { host: '127.0.0.1', port: 43104, server: true, connected: true },
      compare0: { host: '127.0.0.1', port: 43101, server: true, connected: true },
      'compare0-0': { host: '127.0.0.1', port: 43101, server: false, connected: true },
      compare_out: { host: '127.0.0.1', port: 43105, server: true, connected: true },
      compare_out0: { host: '127.0.0.1', port: 43105, server: false, connected: true },
    });
  });

  it('filters with their properties (empty ones dropped), iothread, and colo-compare from qom-get', () => {
    expect(values(o.resources, 'object')).toEqual({
      m0: { 'qom-type': 'filter-mirror', netdev: 'hn0', queue: 'tx', outdev: 'mirror0', vnet_hdr_support: false },
      redire0: { 'qom-type': 'filter-redirector', netdev: 'hn0', queue: 'rx', indev: 'compare_out', vnet_hdr_support: false },
      redire1: { 'qom-type': 'filter-redirector', netdev: 'hn0', queue: 'rx', outdev: 'compare0', vnet_hdr_support: false },
      iothread1: { 'qom-type': 'iothread' },
      comp0: {
        'qom-type': 'colo-compare',
        primary_in: 'compare0-0',
        secondary_in: 'compare1',
        outdev: 'compare_out0',
        iothread: 'iothread1',
        compare_timeout: 3000,
        expired_scan_cycle: 1000,
        max_queue_size: 1024,
        vnet_hdr_support: false,
      },
    });
    expect(values(o.resources, 'filter-order')).toEqual({ hn0: { order: ['m0', 'redire0', 'redire1'] } });
  });

  it('block: both quorum children, the replication one with its nbd:// target; named nodes only', () => {
    expect(values(o.resources, 'block-child')).toEqual({
      'colo-disk0/children.0': { node: expect.stringMatching(/^#block/), driver: 'qcow2' },
      'colo-disk0/children.1': { node: 'replication0', driver: 'replication', target: 'nbd://127.0.0.1:43099/parent0' },
    });
    expect(values(o.resources, 'block-node')).toEqual({ replication0: { driver: 'replication' } });
  });

  it('migration capability, checkpoint delay and COLO mode; no export', () => {
    expect(o.resources['a/migration/capability/x-colo'].value).toEqual({ state: true });
    expect(o.resources['a/migration/parameter/x-checkpoint-delay'].value).toEqual({ value: 3600000 });
    expect(o.resources['a/colo'].value).toEqual({ mode: 'primary' });
    expect(values(o.resources, 'nbd-export')).toEqual({});
    expect(o.resources['a/nbd-server']).toBeUndefined();
  });

  it('pause-before-switchover (only when on) and downtime-limit: read into the migration (no resources colo manages)', () => {
    expect(o.migration).toEqual({ status: 'colo', downtimeLimit: 300 });
    const r = raw('colo-a');
    const caps = (r.first['query-migrate-capabilities'] as Array<{ capability: string; state: boolean }>).map((c) =>
      c.capability === 'pause-before-switchover' ? { ...c, state: true } : c,
    );
    const on = normalizeReads('a', { ...r, first: { ...r.first, 'query-migrate-capabilities': caps } });
    expect(on.migration).toEqual({ status: 'colo', pauseBeforeSwitchover: true, downtimeLimit: 300 });
    expect(Object.keys(on.resources)).toEqual(Object.keys(o.resources));
  });
});

describe('normalizeReads: a replicating secondary', () => {
  const o = observe('b', 'colo-b');

  it('state', () => {
    expect(o).toMatchObject({ runstate: 'running', colo: { mode: 'secondary' }, migration: { status: 'colo' } });
    expect(classifyNode(o).class).toBe('colo-secondary');
  });

  it('client chardevs to the primary, redirectors and the rewriter in chain order', () => {
    expect(values(o.resources, 'chardev')).toEqual({
      red0: { host: '127.0.0.1', port: 43103, server: false, connected: true },
      red1: { host: '127.0.0.1', port: 43104, server: false, connected: true },
    });
    expect(values(o.resources, 'object')).toEqual({
      f1: { 'qom-type': 'filter-redirector', netdev: 'hn0', queue: 'tx', indev: 'red0', vnet_hdr_support: false },
      f2: { 'qom-type': 'filter-redirector', netdev: 'hn0', queue: 'rx', outdev: 'red1', vnet_hdr_support: false },
      rew0: { 'qom-type': 'filter-rewriter', netdev: 'hn0', queue: 'all', vnet_hdr_support: false },
    });
    expect(values(o.resources, 'filter-order')).toEqual({ hn0: { order: ['f1', 'f2', 'rew0'] } });
  });

  it('the quorum child is childs0 (named by its -drive id), the export is named by device', () => {
    expect(values(o.resources, 'block-child')).toEqual({ 'colo-disk0/children.0': { node: 'childs0', driver: 'replication' } });
    expect(values(o.resources, 'nbd-export')).toEqual({ parent0: { device: 'parent0' } });
    expect(o.resources['b/nbd-server']).toBeDefined();
  });

  it('x-colo is off on a 7.2 secondary', () => {
    expect(o.resources['b/migration/capability/x-colo'].value).toEqual({ state: false });
  });
});

describe('normalizeReads: fresh nodes and a survivor', () => {
  it('a fresh primary (-S) and a fresh secondary (-incoming)', () => {
    const a = observe('a', 'fresh-a');
    const b = observe('b', 'fresh-b');
    expect(a).toMatchObject({ runstate: 'prelaunch', colo: { mode: 'none' }, migration: { status: undefined } });
    expect(b).toMatchObject({ runstate: 'inmigrate', colo: { mode: 'none' } });
    expect(classifyNode(a).class).toBe('fresh-primary');
    expect(classifyNode(b).class).toBe('fresh-secondary');
    expect(a.resources['a/block/colo-disk0/children.1']).toBeUndefined();
    expect(a.resources['a/migration/capability/x-colo'].value).toEqual({ state: false });
    expect(a.resources['a/migration/parameter/x-checkpoint-delay'].value).toEqual({ value: 20000 });
    expect(values(b.resources, 'nbd-export')).toEqual({});
  });

  it('the survivor of a secondary failover: mode none, last-mode secondary, only rew0 left', () => {
    const b = observe('b', 'failover-b');
    expect(b).toMatchObject({ runstate: 'running', colo: { mode: 'none', lastMode: 'secondary', reason: 'request' }, migration: { status: 'completed' } });
    expect(classifyNode(b)).toMatchObject({ class: 'standalone', lastMode: 'secondary' });
    expect(values(b.resources, 'chardev')).toEqual({});
    expect(Object.keys(values(b.resources, 'object'))).toEqual(['rew0']);
    expect(values(b.resources, 'filter-order')).toEqual({ hn0: { order: ['rew0'] } });
    expect(values(b.resources, 'nbd-export')).toEqual({});
  });

  it('the survivor of a primary failover: chardevs kept (one disconnected), no filter, no replication child', () => {
    const a = observe('a', 'failover-a');
    expect(a).toMatchObject({ runstate: 'running', colo: { mode: 'none', lastMode: 'primary', reason: 'request' }, migration: { status: 'completed' } });
    expect(classifyNode(a)).toMatchObject({ class: 'standalone', lastMode: 'primary' });
    expect(Object.keys(values(a.resources, 'chardev')).sort()).toEqual(['compare0', 'compare0-0', 'compare1', 'compare_out', 'compare_out0', 'mirror0']);
    expect(a.resources['a/chardev/compare1'].value).toEqual({ host: '127.0.0.1', port: 43104, server: true, connected: false });
    expect(values(a.resources, 'object')).toEqual({});
    // `info network` prints no "filters:" line when the chain is empty
    expect(values(a.resources, 'filter-order')).toEqual({ hn0: { order: [] } });
    expect(Object.keys(values(a.resources, 'block-child'))).toEqual(['colo-disk0/children.0']);
    expect(values(a.resources, 'block-node')).toEqual({});
  });

  it('a refused query leaves its part out instead of failing', () => {
    const r = raw('colo-a');
    delete r.first['x-debug-query-block-graph'];
    delete r.first['info-network'];
    const o = normalizeReads('a', r);
    expect(values(o.resources, 'block-child')).toEqual({});
    expect(values(o.resources, 'filter-order')).toEqual({});
    expect(o.resources['a/object/m0'].value).toEqual({ 'qom-type': 'filter-mirror' });
  });
});

describe('recorded reads against the offline assumptions', () => {
  it('the recorded fresh pair plans exactly the offline setup', () => {
    const live = buildPlan(spec, profile, { a: observe('a', 'fresh-a'), b: observe('b', 'fresh-b') }, { mode: 'live' });
    const offline = buildPlan(spec, profile, assumeObserved(spec, profile, 'setup'), { mode: 'offline' });
    expect(live.transition).toBe('setup');
    expect(live.steps).toEqual(offline.steps);
  });

  it('the recorded replicating pair is steady with nothing to change', () => {
    const live = buildPlan(spec, profile, { a: observe('a', 'colo-a'), b: observe('b', 'colo-b') }, { mode: 'live' });
    expect(live.transition).toBe('steady');
    expect(live.changes).toEqual([]);
    expect(live.steps).toEqual([]);
  });

  it("a chardev's host in another spelling than QEMU's (2001:DB8:0::1 in the spec, 2001:db8::1 observed): steady, no chardev change", () => {
    // the recorded replicating pair, with the primary on an IPv6 address: QEMU prints it canonical, in brackets
    const v6 = loadSpec(specText.replace(/(name: a, role: primary, +host: )127\.0\.0\.1/, '$1"2001:DB8:0::1"'), 'pair.yaml').spec!;
    expect(v6.nodes.find((n) => n.name === 'a')!.host).toBe('2001:DB8:0::1');
    const withHosts = (name: string, edit: (filename: string) => string): RawReads => {
      const r = raw(name);
      const chardevs = (r.first['query-chardev'] ?? []).map((c) => ({ ...c, filename: edit(c.filename) }));
      return { ...r, first: { ...r.first, 'query-chardev': chardevs } };
    };
    // on a, the two servers the secondary connects to (mirror0, compare1) listen on a's address (the
    // primary-local pairs stay on loopback); b's clients (red0, red1) show a as their peer
    const a = normalizeReads(
      'a',
      withHosts('colo-a', (f) => f.replace(/^tcp:127\.0\.0\.1:(4310[34]),server=on/, 'tcp:[2001:db8::1]:$1,server=on')),
    );
    const b = normalizeReads(
      'b',
      withHosts('colo-b', (f) => f.replace(/ <-> 127\.0\.0\.1:/, ' <-> [2001:db8::1]:')),
    );
    expect(values(b.resources, 'chardev').red0).toMatchObject({ host: '2001:db8::1', port: 43103, connected: true });
    expect(values(a.resources, 'chardev').mirror0).toMatchObject({ host: '2001:db8::1', port: 43103, server: true });
    const live = buildPlan(v6, profile, { a, b }, { mode: 'live' });
    expect(live.transition).toBe('steady');
    expect(live.changes.filter((c) => c.kind === 'chardev').map((c) => c.address)).toEqual([]);
    expect(live.steps).toEqual([]);
  });

  it('the recorded survivor holds what a secondary-resume assumes it holds', () => {
    const assumedNode = assumeObserved(spec, profile, 'secondary-resume').b;
    const seenNode = observe('b', 'failover-b');
    expect(seenNode.colo).toMatchObject(assumedNode.colo!);
    expect(seenNode.runstate).toBe(assumedNode.runstate);
    const seen = seenNode.resources;
    for (const r of Object.values(assumedNode.resources)) {
      expect(seen[r.address], r.address).toBeDefined();
      // the assumption also writes lastMode into the colo resource; a live read keeps it in ObservedNode.colo
      const want = r.kind === 'colo' ? { mode: r.value.mode } : r.value;
      expect(seen[r.address].value, r.address).toMatchObject(want);
    }
  });

  it('the recorded primary-failover survivor holds what a primary-resume assumes it holds, and nothing it assumes gone', () => {
    const assumedNode = assumeObserved(spec, profile, 'primary-resume').a;
    const seenNode = observe('a', 'failover-a');
    expect(seenNode.colo).toMatchObject(assumedNode.colo!);
    for (const r of Object.values(assumedNode.resources)) {
      expect(seenNode.resources[r.address], r.address).toBeDefined();
      const want = r.kind === 'colo' ? { mode: r.value.mode } : r.value;
      expect(seenNode.resources[r.address].value, r.address).toMatchObject(want);
    }
    const managed = (o: typeof seenNode) =>
      Object.values(o.resources)
        .filter((r) => r.kind === 'object' || r.kind === 'chardev' || r.kind === 'block-node')
        .map((r) => r.address)
        .sort();
    expect(managed(seenNode)).toEqual(managed(assumedNode));
  });

  it('a live resume plan from the recorded survivor equals the offline one', () => {
    const { b: freshB } = assumeObserved(spec, profile, 'primary-resume');
    const live = buildPlan(spec, profile, { a: observe('a', 'failover-a'), b: freshB }, { mode: 'live' });
    const offline = buildPlan(spec, profile, assumeObserved(spec, profile, 'primary-resume'), { mode: 'offline' });
    expect(live.transition).toBe('primary-resume');
    expect(live.steps).toEqual(offline.steps);
  });
});
