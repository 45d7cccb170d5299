// The seed's own NIC: `-netdev tap,id=hn0,vhost=off,helper=/usr/lib/qemu/qemu-bridge-helper`,
// accepted as QEMU accepts it and generated as written.
import { describe, expect, it } from 'vitest';
import { nodeArgs } from '../../src/model/argv.js';
import { loadSpec } from '../../src/spec/load.js';
import { specProfile } from '../../src/plan/choose-profile.js';
import { pairYaml } from './pair-spec.js';

const withNic = (nic: string) => pairYaml().replace(/ {4}- \{id: hn0[^\n]*/, `    - ${nic}`);
const netdevOf = (yaml: string) => {
  const r = loadSpec(yaml, 'p.yaml');
  if (!r.spec) throw new Error(r.problems.map((p) => `${p.code} ${p.message}`).join('\n'));
  const argv = nodeArgs(r.spec, specProfile(r.spec), r.spec.nodes[0], 'primary').argv;
  return argv[argv.indexOf('-netdev') + 1];
};
const codes = (yaml: string) =>
  loadSpec(yaml, 'p.yaml')
    .problems.filter((p) => p.severity !== 'warning')
    .map((p) => `${p.code} ${p.message}`);

describe('a tap made by the bridge helper', () => {
  it('is generated as the seed writes it', () => {
    expect(netdevOf(withNic('{id: hn0, type: tap, helper: /usr/lib/qemu/qemu-bridge-helper, romfile: ""}'))).toBe(
      'tap,id=hn0,vhost=off,helper=/usr/lib/qemu/qemu-bridge-helper',
    );
    expect(netdevOf(withNic('{id: hn0, type: tap, helper: /usr/lib/qemu/qemu-bridge-helper, bridge: br1, romfile: ""}'))).toBe(
      'tap,id=hn0,vhost=off,helper=/usr/lib/qemu/qemu-bridge-helper,br=br1',
    );
  });
  it('needs no ifname, and refuses one (QEMU: invalid with helper=)', () => {
    expect(codes(withNic('{id: hn0, type: tap, helper: /usr/lib/qemu/qemu-bridge-helper}'))).toEqual([]);
    expect(codes(withNic('{id: hn0, type: tap, helper: /usr/lib/qemu/qemu-bridge-helper, ifname: tap0}'))).toEqual([
      expect.stringMatching(/NETDEV_OPTION .*"ifname" is invalid with "helper"/),
    ]);
  });
  it('a tap without a helper still needs its name, and a bridge only with the helper', () => {
    expect(codes(withNic('{id: hn0, type: tap}'))).toEqual([expect.stringMatching(/NETDEV_OPTION .*needs "ifname".*or a "helper"/)]);
    expect(codes(withNic('{id: hn0, type: tap, ifname: tap0, bridge: br0}'))).toEqual([
      expect.stringMatching(/NETDEV_OPTION .*"bridge" on a tap is the bridge its "helper" joins/),
    ]);
  });
});
