import type { Problem } from '../spec/errors.js';
import type { Spec } from '../spec/types.js';
import { pairClaims } from './claims.js';
import type { Claim, Locate } from './types.js';

export interface FleetMember {
  file: string;
  spec: Spec;
  /** positions are looked up only for the pairs that collide */
  locate: () => Locate;
}

/**
 * What no single file can see: two pairs with one name (they would share a lock and a journal),
 * and two pairs binding the same TCP port or QMP socket on one host. Each problem stands in the
 * later file and names the position in the earlier one. Pure.
 */
export function fleetCollisions(members: FleetMember[]): Problem[] {
  const problems: Problem[] = [];
  const locators = new Map<string, Locate>();
  const at = (m: FleetMember, path: string) => {
    let l = locators.get(m.file);
    if (!l) locators.set(m.file, (l = m.locate()));
    return l(path);
  };
  const where = (m: FleetMember, path: string) => {
    const p = at(m, path);
    return `${m.file}:${p.line}:${p.column}`;
  };
  const byName = new Map<string, FleetMember>();
  const byKey = new Map<string, { claim: Claim; member: FleetMember }>();
  for (const m of members) {
    const first = byName.get(m.spec.name);
    if (first) {
      problems.push({
        code: 'DUPLICATE_PAIR_NAME',
        message: `pair name "${m.spec.name}" is also used by ${where(first, '/metadata/name')}: two pairs would share one lock and one journal`,
        path: '/metadata/name',
        file: m.file,
        pos: at(m, '/metadata/name'),
        severity: 'error',
      });
    } else byName.set(m.spec.name, m);
    // one problem per place in this file and place in the other (a ports.base stands for four ports)
    const grouped = new Map<string, { claim: Claim; other: { claim: Claim; member: FleetMember }; values: string[] }>();
    for (const c of pairClaims(m.spec, m.file)) {
      const other = byKey.get(c.key);
      if (!other) {
        byKey.set(c.key, { claim: c, member: m });
        continue;
      }
      if (other.member === m) continue;
      const g = `${c.path} ${other.member.file} ${other.claim.path}`;
      const entry = grouped.get(g) ?? { claim: c, other, values: [] };
      entry.values.push(c.key.split(' ').slice(2).join(' '));
      grouped.set(g, entry);
    }
    for (const { claim: c, other, values } of grouped.values()) {
      const kind = c.key.split(' ')[1];
      const thing =
        kind === 'tcp'
          ? `port${values.length > 1 ? 's' : ''} ${values.join(', ')}`
          : kind === 'dir'
            ? `work directory ${values.join(', ')}`
            : `QMP socket ${values.join(', ')}`;
      const what = values.length > 1 ? c.what.replace(/^\w+ chardev port/, 'chardev ports') : c.what;
      const otherWhat = values.length > 1 ? other.claim.what.replace(/^\w+ chardev port/, 'chardev ports') : other.claim.what;
      problems.push({
        code: kind === 'dir' ? 'DUPLICATE_ID' : 'PORT_COLLISION',
        message: `${thing} (${what}) on host ${c.host} collide${values.length > 1 ? '' : 's'} with pair ${other.claim.pair} (${otherWhat}) at ${where(other.member, other.claim.path)}${kind === 'dir' ? ': their images would overwrite each other' : ''}`,
        path: c.path,
        file: m.file,
        pos: at(m, c.path),
        severity: 'error',
      });
    }
  }
  return problems;
}
