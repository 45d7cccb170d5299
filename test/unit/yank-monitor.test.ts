// The yank monitor's command line, what the yank helper cuts, and the requests it accepts.
import { describe, expect, it } from 'vitest';
import { isYankInstance, peerConnections, yankMonitorArgs, yankMonitorProblem, yankPaths } from '../../src/model/yank-monitor.js';
import { parseRequest, HELPER_LIMITS } from '../../src/ops/yank-helper.js';
import type { YankInstance } from '../../src/model/observed.js';
import { pair } from './pair-spec.js';

const live: YankInstance[] = [
  { type: 'migration' },
  { type: 'chardev', id: 'mirror0' },
  { type: 'chardev', id: 'compare1' },
  { type: 'chardev', id: 'compare0' },
  { type: 'chardev', id: 'compare0-0' },
  { type: 'chardev', id: 'compare_out' },
  { type: 'chardev', id: 'compare_out0' },
  { type: 'chardev', id: 'colo-yank' },
  { type: 'chardev', id: 'compat_monitor0' },
  { type: 'block-node', 'node-name': 'nbd0' },
];

describe('the yank monitor', () => {
  it('a unix socket chardev and a QMP monitor on it, in WORKDIR/yank (commas doubled)', () => {
    const { spec } = pair();
    const a = { ...spec.nodes[0], workdir: '/var/lib/colo/a,b/' };
    expect(yankPaths(a)).toMatchObject({ dir: '/var/lib/colo/a,b/yank', qmp: '/var/lib/colo/a,b/yank/qmp.sock', ctl: '/var/lib/colo/a,b/yank/ctl.sock' });
    expect(yankMonitorArgs(a)).toEqual([
      '-chardev',
      'socket,id=colo-yank,path=/var/lib/colo/a,,b/yank/qmp.sock,server=on,wait=off',
      '-mon',
      'chardev=colo-yank,mode=control',
    ]);
  });
  it('no monitor where the socket path does not fit a unix address', () => {
    const { spec } = pair();
    const a = { ...spec.nodes[0], workdir: '/' + 'x'.repeat(100) };
    expect(yankMonitorProblem(a)).toMatch(/longer than 107 bytes/);
    expect(yankMonitorArgs(a)).toEqual([]);
  });
});

describe('peerConnections: what a failover cuts', () => {
  it("a primary's: the migration, its mirror and secondary-in chardevs, the NBD client; never its loopback chardevs or monitors", () => {
    const { spec } = pair();
    const want = [{ type: 'migration' }, { type: 'chardev', id: 'mirror0' }, { type: 'chardev', id: 'compare1' }, { type: 'block-node', 'node-name': 'nbd0' }];
    expect(peerConnections(spec, live, 'primary')).toEqual(want);
    // a blocked main loop cannot say the role: the union of both roles' peer-facing ids cuts the same
    expect(peerConnections(spec, live, 'either')).toEqual(want);
  });
  it("a secondary's: its redirectors' chardevs", () => {
    const { spec } = pair();
    const sec: YankInstance[] = [
      { type: 'chardev', id: 'red0' },
      { type: 'chardev', id: 'red1' },
      { type: 'chardev', id: 'compat_monitor0' },
    ];
    expect(peerConnections(spec, sec, 'secondary')).toEqual(sec.slice(0, 2));
    expect(peerConnections(spec, sec, 'either')).toEqual(sec.slice(0, 2));
    expect(peerConnections(spec, sec, 'primary')).toEqual([]);
  });
});

describe("the helper's requests", () => {
  it('query-yank and yank with checked instances; anything else is refused', () => {
    expect(parseRequest('{"op":"query-yank"}')).toEqual({ op: 'query-yank' });
    expect(parseRequest(JSON.stringify({ op: 'yank', instances: live.slice(0, 2) }))).toEqual({ op: 'yank', instances: live.slice(0, 2) });
    for (const bad of [
      'nope',
      '[]',
      '{"op":"quit"}',
      '{"op":"query-yank","x":1}',
      '{"op":"yank","instances":[{"type":"chardev"}]}',
      '{"op":"yank","instances":[{"type":"migration","id":"x"}]}',
      '{"op":"yank","instances":[{"type":"block-node","node-name":""}]}',
      JSON.stringify({ op: 'yank', instances: Array.from({ length: HELPER_LIMITS.instances + 1 }, () => ({ type: 'migration' })) }),
    ])
      expect(parseRequest(bad), bad).toHaveProperty('error');
    expect(isYankInstance({ type: 'chardev', id: 'x'.repeat(129) })).toBe(false);
  });
});
