import { diagnostic, FORMAT_VERSION } from '../model/diagnostic.js';
import { nodeArgs } from '../model/argv.js';
import { preferredPrimary, replicatingResources } from '../model/node-role.js';
import type { Profile } from '../model/profile.js';
import { toMap } from '../model/state.js';
import type { NodeSpec, Role, Spec } from '../spec/types.js';
import { argvLines } from './argv-lines.js';
import { resyncEstimate } from './estimate.js';
import { guestChanges, hookChanges, nodeArgvFields, pairArgvFields } from './fields.js';
import { resourceChanges } from './resources.js';
import { CLASSES, type ChangeClass, type NodeDiff, type SpecChange, type SpecDiff } from './types.js';

export interface SpecSide {
  label: string;
  spec: Spec;
  profile: Profile;
}

const argvClass = (role: Role): { class: ChangeClass; why: string } =>
  role === 'secondary'
    ? { class: 'relaunch-secondary', why: 'on the command line only: the secondary is relaunched with it and resyncs' }
    : { class: 'switchover', why: 'on the command line only: the primary must be relaunched, after a planned role swap' };

/**
 * What changing `before` into `after` means for each node's QEMU: argv lines, resources and the
 * guest-visible fields, each change classified. Nodes are matched by name; both sides are computed
 * with the node the new spec prefers as primary, so a role swap in the file alone moves nothing. Pure.
 */
export function diffSpecs(before: SpecSide, after: SpecSide, opts: { throughputMiBps?: number } = {}): SpecDiff {
  const a = before.spec;
  const b = after.spec;
  const resync = resyncEstimate(b, opts.throughputMiBps);
  const changes: SpecChange[] = [...guestChanges(a, b)];
  const roleOf = (name: string): Role => b.nodes.find((n) => n.name === name)?.role ?? a.nodes.find((n) => n.name === name)?.role ?? 'secondary';
  const nodes: Record<string, NodeDiff> = {};

  const common = b.nodes.filter((n) => a.nodes.some((m) => m.name === n.name));
  for (const n of [...a.nodes, ...b.nodes]) {
    if (common.some((c) => c.name === n.name) || changes.some((c) => c.address === `node ${n.name}`)) continue;
    const gone = !b.nodes.includes(n);
    changes.push({
      node: n.name,
      area: 'node',
      address: `node ${n.name}`,
      action: gone ? 'delete' : 'create',
      class: n.role === 'primary' ? 'switchover' : 'relaunch-secondary',
      why: gone ? 'the node leaves the pair' : 'a new node joins the pair: it is launched as the secondary and resyncs',
    });
  }

  if (common.length === 2) {
    const primaryName = preferredPrimary(b).name;
    const primaryIn = (s: Spec): NodeSpec => s.nodes.find((n) => n.name === primaryName)!;
    const desiredA = toMap(replicatingResources(a, before.profile, primaryIn(a)));
    const desiredB = toMap(replicatingResources(b, after.profile, primaryIn(b)));
    changes.push(...resourceChanges(desiredA, desiredB, roleOf));

    const pairFields = pairArgvFields(a, b);
    b.nodes.forEach((nb, i) => {
      const na = a.nodes.find((m) => m.name === nb.name)!;
      const role = nb.role;
      nodes[nb.name] = {
        role,
        argv: { before: argvLines(nodeArgs(a, before.profile, na, role).argv), after: argvLines(nodeArgs(b, after.profile, nb, role).argv) },
      };
      const c = argvClass(role);
      for (const f of [...pairFields, ...nodeArgvFields(na, nb, i)]) {
        changes.push({ node: nb.name, area: 'argv', address: f.path, action: 'update', class: c.class, before: f.before, after: f.after, why: c.why });
      }
      // a safety net: the argv differs, and nothing above says why
      const d = nodes[nb.name].argv;
      if (JSON.stringify(d.before) !== JSON.stringify(d.after) && !changes.some((x) => x.node === nb.name || x.node === '*')) {
        changes.push({ node: nb.name, area: 'argv', address: `${nb.name}/argv`, action: 'update', class: c.class, why: c.why });
      }
    });
  }
  changes.push(...hookChanges(a, b));

  for (const c of changes) {
    if (c.class === 'relaunch-secondary') c.expectedSeconds = resync.seconds;
    if (c.class === 'switchover') c.expectedSeconds = 2 * resync.seconds;
  }
  const rank = (c: ChangeClass) => CLASSES.indexOf(c);
  changes.sort((x, y) => rank(y.class) - rank(x.class) || x.node.localeCompare(y.node) || x.address.localeCompare(y.address));
  const summary = {
    changes: changes.length,
    ...Object.fromEntries(CLASSES.map((k) => [k, changes.filter((c) => c.class === k).length])),
  } as SpecDiff['summary'];
  return {
    format_version: FORMAT_VERSION,
    name: b.name,
    old: before.label,
    new: after.label,
    nodes,
    changes,
    ...(changes.length ? { class: changes[0].class } : {}),
    summary,
    warnings: changes.length ? after.profile.warnings.map((w) => diagnostic('warning', 'QEMU_PROFILE', w, { file: after.label })) : [],
    resync,
  };
}
