import { formatQmpAddress, parseQmpAddress } from '../addr/qmp-address.js';
import { isLoopback, sameHost } from '../addr/hosts.js';
import type { ProblemList } from './errors.js';
import type { Spec } from './types.js';
import { isHost } from './values.js';

/** The newest QEMU major version colo has a profile for. */
export const NEWEST_KNOWN_MAJOR = 11;

/**
 * Shapes that work but deserve a word, reported by validate and plan alike: a QMP monitor anyone on
 * the network can drive, QMP sockets colo cannot reach from one machine, hooks that run where colo
 * runs (not on the survivor), a QEMU version newer than any profile.
 */
export function checkWarnings(spec: Spec, problems: ProblemList): void {
  // about hosts only once they are hosts (an invalid one is an error already)
  const hostsOk = spec.nodes.every((n) => isHost(n.host));
  const qmp = spec.nodes.map((n) => {
    const q = parseQmpAddress(n.qmp);
    return hostsOk && (q?.kind !== 'tcp' || isHost(q.host)) ? q : undefined;
  });
  qmp.forEach((q, i) => {
    if (q?.kind === 'tcp' && !isLoopback(q.host)) {
      problems.warn(
        'QMP_UNAUTHENTICATED',
        `/spec/nodes/${i}/qmp`,
        `node ${spec.nodes[i].name}: QMP on ${formatQmpAddress(q).slice('tcp:'.length)} has no authentication: whoever reaches that port controls the VM (keep it on loopback or a private management network, or serve it as ${formatQmpAddress({ ...q, kind: 'tls' })} with spec.tls)`,
      );
    }
  });
  const [h0, h1] = spec.nodes.map((n) => n.host);
  if (hostsOk && !sameHost(h0, h1) && qmp[0]?.kind === 'unix' && qmp[1]?.kind === 'unix') {
    problems.warn(
      'QMP_UNREACHABLE',
      '/spec/nodes/1/qmp',
      `the nodes are on different hosts (${h0}, ${h1}) but both QMP monitors are unix: sockets, which colo reaches only on the machine it runs on: one node is always out of reach (use tcp:HOST:PORT)`,
    );
  }
  const hooks = [...spec.hooks.afterFailover.map((h) => ['afterFailover', h.name]), ...spec.hooks.beforeResume.map((h) => ['beforeResume', h.name])];
  if (hooks.length) {
    problems.warn(
      'HOOK_RUNS_HERE',
      '/spec/hooks',
      `hooks (${hooks.map(([k, n]) => `${k}: ${n}`).join(', ')}) run on the machine where colo runs, not on the survivor: reach a node yourself (e.g. ssh) where it matters`,
      { key: true },
    );
  }
  const major = Number(spec.qemu.version.split('.')[0]);
  if (major > NEWEST_KNOWN_MAJOR) {
    problems.warn(
      'UNKNOWN_VERSION',
      '/spec/qemu/version',
      `QEMU ${spec.qemu.version} is newer than any version colo knows (up to ${NEWEST_KNOWN_MAJOR}.x): the newest profile's forms are used untested`,
    );
  }
}
