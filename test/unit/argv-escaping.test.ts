// Nothing a spec says becomes another QEMU option: paths and property values with commas are
// escaped (`,` → `,,`), so splitting each option string the way QEMU does gives back exactly the
// keys colo wrote and the values the spec gave.
import { describe, expect, it } from 'vitest';
import { nodeArgs } from '../../src/model/argv.js';
import { parseVersion, recordedProfile } from '../../src/model/profile.js';
import { loadSpec } from '../../src/spec/load.js';

/** QEMU's option syntax: `,` separates, `,,` is a literal comma. */
function qemuOpts(s: string): Array<[string, string]> {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === ',' && s[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (s[i] === ',') {
      parts.push(cur);
      cur = '';
    } else cur += s[i];
  }
  parts.push(cur);
  return parts.map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
  });
}

const text = `apiVersion: colo/v1
kind: ColoPair
metadata: {name: esc}
spec:
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:/tmp/esc/a.qmp, workdir: "/tmp/esc,a=1"}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:/tmp/esc/b.qmp, workdir: "/tmp/esc,b=2"}
  disks: [{id: colo-disk0, size: 64M}]
  netdevs:
    - id: hn0
      type: tap
      ifname: tap0
      script: "/etc/up,vhost=on"
      romfile: "/rom,bootindex=1"
      filters:
        extra: [{id: dump0, type: filter-dump, side: both, props: {file: "/tmp/d,maxlen=1"}}]
`;

describe('option strings', () => {
  const r = loadSpec(text, 'esc.yaml');
  it('the spec is valid (paths may hold commas)', () => {
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });
  const spec = r.spec!;
  const profile = recordedProfile(parseVersion('7.2')!, 'kvm');
  for (const role of ['primary', 'secondary'] as const) {
    it(`${role}: every path stays one value`, () => {
      const { argv } = nodeArgs(spec, profile, spec.nodes[role === 'primary' ? 0 : 1], role);
      const opts = (flag: string) => argv.flatMap((a, i) => (argv[i - 1] === flag ? [qemuOpts(a)] : []));
      const workdir = role === 'primary' ? '/tmp/esc,a=1' : '/tmp/esc,b=2';
      for (const drive of opts('-drive')) {
        for (const [k, v] of drive) if (k.endsWith('filename')) expect(v.startsWith(`${workdir}/`)).toBe(true);
        expect(drive.map(([k]) => k)).not.toContain('a');
        expect(drive.map(([k]) => k)).not.toContain('b');
      }
      const netdev = Object.fromEntries(opts('-netdev')[0]);
      expect(netdev.script).toBe('/etc/up,vhost=on');
      expect(netdev.vhost).toBe('off');
      const device = Object.fromEntries(opts('-device')[0]);
      expect(device.romfile).toBe('/rom,bootindex=1');
      expect(device.bootindex).toBeUndefined();
      const dump = opts('-object')
        .map((o) => Object.fromEntries(o))
        .find((o) => o.id === 'dump0')!;
      expect(dump.file).toBe('/tmp/d,maxlen=1');
      expect(dump.maxlen).toBeUndefined();
      expect(argv[argv.indexOf('-serial') + 1]).toBe(`file:${workdir.replace(/,/g, ',,')}/serial.log`);
    });
  }
});
