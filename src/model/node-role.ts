import { diskIds } from '../spec/ids.js';
import type { NodeSpec, Role, Spec } from '../spec/types.js';
import { primaryDriveArgs, replicationChild, secondaryDriveArgs } from './disk.js';
import { chardevResource, objectResource, primaryNic, secondaryNic, type NicRole } from './nic.js';
import type { Profile } from './profile.js';
import { resource, type Resource } from './state.js';

/** QEMU's x-checkpoint-delay before anyone sets it. */
export const QEMU_DEFAULT_CHECKPOINT_DELAY_MS = 20000;

export function peerOf(spec: Spec, name: string): NodeSpec {
  return spec.nodes[0].name === name ? spec.nodes[1] : spec.nodes[0];
}

export function preferredPrimary(spec: Spec): NodeSpec {
  return spec.nodes.find((n) => n.role === 'primary') ?? spec.nodes[0];
}

/** Per NIC, what `self` runs in `role` when `primary` is the primary. */
export function nicRoles(spec: Spec, self: NodeSpec, role: Role, primary: NodeSpec): NicRole[] {
  return spec.netdevs.map((n) => (role === 'primary' ? primaryNic(spec, n, self) : secondaryNic(n, primary)));
}

function nicResources(node: string, nics: NicRole[], spec: Spec): Resource[] {
  const out: Resource[] = [];
  nics.forEach((nic, i) => {
    for (const c of nic.chardevs) out.push(chardevResource(node, c));
    for (const o of nic.objects) out.push(objectResource(node, o));
    out.push(resource(node, 'filter-order', spec.netdevs[i].id, { order: nic.filterOrder }));
  });
  return out;
}

/**
 * The resources a node has right after its QEMU starts from `colo args` in `role`
 * (nothing added over QMP yet).
 */
export function launchedResources(spec: Spec, self: NodeSpec, role: Role, primary: NodeSpec): Resource[] {
  const out = nicResources(self.name, nicRoles(spec, self, role, primary), spec);
  if (role === 'secondary') {
    spec.disks.forEach((d, i) => out.push(resource(self.name, 'block-child', `${d.id}/children.0`, { node: diskIds(i).childs, driver: 'replication' })));
  }
  for (const c of ['x-colo', 'return-path']) out.push(resource(self.name, 'capability', c, { state: false }));
  out.push(resource(self.name, 'parameter', 'x-checkpoint-delay', { value: QEMU_DEFAULT_CHECKPOINT_DELAY_MS }));
  out.push(resource(self.name, 'colo', 'colo', { mode: 'none' }));
  return out;
}

/** The resources of a replicating pair: what `colo apply` converges to. */
export function replicatingResources(spec: Spec, profile: Profile, primary: NodeSpec): Resource[] {
  const secondary = peerOf(spec, primary.name);
  const p = primary.name;
  const s = secondary.name;
  const out: Resource[] = [];
  out.push(...nicResources(p, nicRoles(spec, primary, 'primary', primary), spec));
  spec.disks.forEach((d, i) => out.push(...replicationChild(primary, secondary, spec, d, i)));
  for (const c of profile.primaryCapabilities) out.push(resource(p, 'capability', c, { state: true }));
  out.push(resource(p, 'parameter', 'x-checkpoint-delay', { value: spec.colo.checkpointDelayMs }));
  out.push(resource(p, 'colo', 'colo', { mode: 'primary' }));

  out.push(...nicResources(s, nicRoles(spec, secondary, 'secondary', primary), spec));
  spec.disks.forEach((d, i) => out.push(resource(s, 'block-child', `${d.id}/children.0`, { node: diskIds(i).childs, driver: 'replication' })));
  out.push(resource(s, 'nbd-server', 'nbd-server', { host: secondary.host, port: spec.ports.nbd }));
  spec.disks.forEach((_d, i) => out.push(resource(s, 'nbd-export', diskIds(i).parent, { device: diskIds(i).parent })));
  for (const c of profile.secondaryCapabilities) out.push(resource(s, 'capability', c, { state: true }));
  out.push(resource(s, 'colo', 'colo', { mode: 'secondary' }));
  return out;
}

export function driveArgs(spec: Spec, self: NodeSpec, role: Role): string[] {
  return spec.disks.flatMap((d, i) => (role === 'primary' ? primaryDriveArgs(self, d) : secondaryDriveArgs(self, d, i)));
}
