// A one-disk, one-NIC pair (the seed's layout) for the unit tests of model/, plan/ and diff/.
import { parseVersion, recordedProfile, type Profile } from '../../src/model/profile.js';
import { toMap, type Resource } from '../../src/model/state.js';
import type { ObservedNode } from '../../src/model/observed.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';

export function pairYaml(
  o: { version?: string; accel?: 'kvm' | 'tcg'; delay?: number; hosts?: [string, string]; extra?: string; edit?: (yaml: string) => string } = {},
): string {
  const [ha, hb] = o.hosts ?? ['10.0.0.1', '10.0.0.2'];
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: demo}
spec:
  qemu: {version: "${o.version ?? '7.2'}", accel: ${o.accel ?? 'kvm'}, memory: 128M}
  nodes:
    - {name: a, role: primary,   host: "${ha}", qmp: unix:/run/a.qmp, workdir: /srv/a}
    - {name: b, role: secondary, host: "${hb}", qmp: unix:/run/b.qmp, workdir: /srv/b}
  disks:
    - {id: colo-disk0, size: 64M}
  netdevs:
    - {id: hn0, type: user, romfile: ""}
  colo:
    checkpointDelayMs: ${o.delay ?? 2000}
${o.extra ?? ''}`;
}

export function pair(o: Parameters<typeof pairYaml>[0] = {}): { spec: Spec; profile: Profile } {
  const yaml = pairYaml(o);
  const r = loadSpec(o.edit ? o.edit(yaml) : yaml, 'pair.yaml');
  if (!r.spec) throw new Error(r.problems.map((p) => `${p.code} ${p.message}`).join('\n'));
  return { spec: r.spec, profile: recordedProfile(parseVersion(r.spec.qemu.version)!, r.spec.qemu.accel) };
}

/** A copy of `node` with resources removed (by address) and added or replaced. */
export function edited(node: ObservedNode, o: { drop?: string[]; put?: Resource[] }): ObservedNode {
  const resources = { ...node.resources };
  for (const a of o.drop ?? []) {
    if (!resources[a]) throw new Error(`${a} is not observed on ${node.name}`);
    delete resources[a];
  }
  Object.assign(resources, toMap(o.put ?? []));
  return { ...node, resources };
}
