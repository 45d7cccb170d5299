import { diskIds } from '../spec/ids.js';
import type { NodeSpec, Role, Spec } from '../spec/types.js';
import { primaryDriveArgs, replicationChild, secondaryDriveArgs } from './disk.js';
import { chardevResource, objectResource, primaryNic, secondaryNic, type NicRole } from './nic.js';
import type { Profile } from './profile.js';
import { resource, type Resource } from './state.js';
import { tlsResources } from './tls.js';

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
  return spec.netdevs.map((n) => (role === 'primary' ? primaryNic(spec, n, self) : secondaryNic(n, primary, spec)));
}

function nicResources(node: string, nics: NicRole[], spec: Spec, profile: Profile): Resource[] {
  const out: Resource[] = [];
  nics.forEach((nic, i) => {
    for (const c of nic.chardevs) out.push(chardevResource(node, c, profile));
    for (const o of nic.objects) out.push(objectResource(node, o));
    out.push(resource(node, 'filter-order', spec.netdevs[i].id, { order: nic.filterOrder }));
  });
  return out;
}

/**
 * The resources a node has right after its QEMU starts from `colo args` in `role`
 * (nothing added over QMP yet).
 */
export function launchedResources(spec: Spec, profile: Profile, self: NodeSpec, role: Role, primary: NodeSpec): Resource[] {
  const out = nicResources(self.name, nicRoles(spec, self, role, primary), spec, profile);
  if (role === 'secondary') {
    spec.disks.forEach((d, i) => out.push(resource(self.name, 'block-child', `${d.id}/children.0`, { node: diskIds(i).childs, driver: 'replication' })));
  }
  for (const c of ['x-colo', 'return-path']) out.push(resource(self.name, 'capability', c, { state: false }));
  out.push(resource(self.name, 'parameter', 'x-checkpoint-delay', { value: QEMU_DEFAULT_CHECKPOINT_DELAY_MS }));
  out.push(resource(self.name, 'colo', 'colo', { mode: 'none' }));
  out.push(...tlsResources(spec, self, role));
  return out;
}

/**
 * The NIC pieces a primary keeps from the secondary it was launched as: every secondary filter but
 * the two redirectors (a failover removes those), after the primary's own filters.
 */
function keptSecondaryFilters(spec: Spec, self: NodeSpec, primary: NodeSpec): NicRole[] {
  return nicRoles(spec, self, 'secondary', primary).map((nic, i) => {
    const n = spec.netdevs[i];
    const kept = nic.objects.filter((o) => o.id !== n.ids.secondaryRedirectorIn && o.id !== n.ids.secondaryRedirectorOut);
    return { chardevs: [], objects: kept, filterOrder: kept.map((o) => o.id) };
  });
}

/** One node replicating in `role` beside its peer, as launched (`launchedAs`): what apply converges to. */
export function replicatingNode(spec: Spec, profile: Profile, self: NodeSpec, role: Role, launchedAs: Role): Resource[] {
  const peer = peerOf(spec, self.name);
  const primary = role === 'primary' ? self : peer;
  const out: Resource[] = [];
  let nics = nicRoles(spec, self, role, primary);
  if (role === 'primary' && launchedAs === 'secondary') {
    const kept = keptSecondaryFilters(spec, self, primary);
    nics = nics.map((nic, i) => ({
      chardevs: nic.chardevs,
      objects: [...nic.objects, ...kept[i].objects],
      filterOrder: [...nic.filterOrder, ...kept[i].filterOrder],
    }));
  }
  out.push(...nicResources(self.name, nics, spec, profile));
  if (launchedAs === 'secondary') {
    spec.disks.forEach((d, i) => out.push(resource(self.name, 'block-child', `${d.id}/children.0`, { node: diskIds(i).childs, driver: 'replication' })));
  }
  if (role === 'primary') {
    spec.disks.forEach((d, i) => out.push(replicationChild(self, peer, spec, d, i)));
    for (const c of profile.primaryCapabilities) out.push(resource(self.name, 'capability', c, { state: true }));
    out.push(resource(self.name, 'parameter', 'x-checkpoint-delay', { value: spec.colo.checkpointDelayMs }));
  } else {
    out.push(resource(self.name, 'nbd-server', 'nbd-server', { host: self.host, port: spec.ports.nbd }));
    spec.disks.forEach((_d, i) => out.push(resource(self.name, 'nbd-export', diskIds(i).parent, { device: diskIds(i).parent })));
    for (const c of profile.secondaryCapabilities) out.push(resource(self.name, 'capability', c, { state: true }));
  }
  out.push(resource(self.name, 'colo', 'colo', { mode: role }));
  out.push(...tlsResources(spec, self, role));
  return out;
}

/** The resources of a replicating pair with `primary` as primary (launched as `primaryLaunchedAs`). */
export function replicatingResources(spec: Spec, profile: Profile, primary: NodeSpec, primaryLaunchedAs: Role = 'primary'): Resource[] {
  return [
    ...replicatingNode(spec, profile, primary, 'primary', primaryLaunchedAs),
    ...replicatingNode(spec, profile, peerOf(spec, primary.name), 'secondary', 'secondary'),
  ];
}

export function driveArgs(spec: Spec, self: NodeSpec, role: Role): string[] {
  return spec.disks.flatMap((d, i) => (role === 'primary' ? primaryDriveArgs(self, d) : secondaryDriveArgs(self, d, i)));
}
