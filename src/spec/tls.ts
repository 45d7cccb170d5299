import type { ErrorCode, ProblemList } from './errors.js';
import { parseQmpAddress } from '../addr/qmp-address.js';
import { isLoopback, sameHost } from '../addr/hosts.js';
import type { NodeSpec, Spec, TlsSpec } from './types.js';

/**
 * The QEMU ids of the TLS pieces (short, as QEMU's own TLS examples name them): both
 * credential objects on both nodes (either may become primary), tls-authz lists, the TLS monitor.
 */
export const TLS_IDS = {
  /** tls-creds-x509 endpoint=server: every server end (chardevs, migration incoming, NBD server, monitor) */
  server: 'tlsS',
  /** tls-creds-x509 endpoint=client: every client end (chardevs, migrate, the NBD child) */
  client: 'tlsC',
  /** authz-list of spec.tls.allowedIdentities */
  authz: 'authz0',
  /** authz-list of spec.tls.qmp.allowedIdentities */
  qmpAuthz: 'authz1',
  /** the socket chardev a tls: monitor is served on */
  monitor: 'qmp0',
} as const;

/** The files tls-creds-x509 reads from a node's directory. */
export const TLS_FILES = ['ca-cert.pem', 'server-cert.pem', 'server-key.pem', 'client-cert.pem', 'client-key.pem'] as const;
/** The files colo's QMP client reads. */
export const QMP_CLIENT_FILES = ['ca-cert.pem', 'client-cert.pem', 'client-key.pem'] as const;

/* The raw `tls` section after schema validation (defaults filled in). */
type RawTls = any;

/** Fills spec.tls from the raw section, and each tls: node's QMP client directory. Pure. */
export function normalizeTls(spec: Spec, raw: RawTls | undefined): Spec {
  if (!raw) return spec;
  const tls: TlsSpec = {
    channels: raw.channels ?? true,
    dirs: Object.fromEntries(Object.entries(raw.nodes ?? {}).map(([k, v]) => [k, (v as { dir: string }).dir])),
    allowedIdentities: raw.allowedIdentities ?? [],
    qmp: { ...(raw.qmp?.clientDir ? { clientDir: raw.qmp.clientDir } : {}), allowedIdentities: raw.qmp?.allowedIdentities ?? [] },
  };
  const nodes = spec.nodes.map((n) => (parseQmpAddress(n.qmp)?.kind === 'tls' && tls.qmp.clientDir ? { ...n, qmpClientDir: tls.qmp.clientDir } : n)) as [
    NodeSpec,
    NodeSpec,
  ];
  return { ...spec, nodes, tls };
}

/** The COLO channels run on TLS. */
export function channelsOnTls(spec: Spec): boolean {
  return spec.tls?.channels === true;
}

/** The node's monitor is served over TLS (a tls: QMP address). */
export function monitorOnTls(node: NodeSpec): boolean {
  return parseQmpAddress(node.qmp)?.kind === 'tls';
}

/** The node's QEMU gets the credential objects: its channels or its monitor use TLS. */
export function nodeHasCreds(spec: Spec, node: NodeSpec): boolean {
  return spec.tls?.dirs[node.name] !== undefined && (channelsOnTls(spec) || monitorOnTls(node));
}

export { isLoopback };

/** The two nodes talk over a network (not one host's loopback, nor one host spelled twice). */
export function acrossHosts(spec: Spec): boolean {
  const [a, b] = spec.nodes;
  return !sameHost(a.host, b.host);
}

/** What is sent in clear between two hosts, for validate and plan: the COLO channels. */
export function cleartextWarnings(spec: Spec): Array<{ code: ErrorCode; path: string; message: string }> {
  const out: Array<{ code: ErrorCode; path: string; message: string }> = [];
  // QMP over plain TCP off loopback: QMP_UNAUTHENTICATED (spec/warnings.ts)
  if (acrossHosts(spec) && !channelsOnTls(spec)) {
    out.push({
      code: 'CHANNELS_IN_CLEAR',
      path: spec.tls ? '/spec/tls/channels' : '/spec/nodes/1/host',
      message: `${spec.nodes[0].name} (${spec.nodes[0].host}) and ${spec.nodes[1].name} (${spec.nodes[1].host}) are two hosts, and every COLO channel between them is in clear: the guest's whole memory at each checkpoint, every disk write and the guest's packets; add spec.tls to put them on X.509 TLS`,
    });
  }
  return out;
}

/** Rules of the tls section a schema cannot express. Pure: files are checked at the CLI's edge (checkTlsFiles). */
export function checkTls(spec: Spec, problems: ProblemList): void {
  const tls = spec.tls;
  spec.nodes.forEach((n, i) => {
    if (monitorOnTls(n) && !tls?.dirs[n.name]) {
      problems.add(
        'TLS_CONFIG',
        `/spec/nodes/${i}/qmp`,
        `node ${n.name}: a tls: monitor needs the node's credentials: spec.tls.nodes.${n.name}.dir (its server certificate and CA)`,
      );
    }
  });
  if (tls) {
    for (const name of Object.keys(tls.dirs)) {
      if (!spec.nodes.some((n) => n.name === name)) {
        problems.add(
          'UNKNOWN_REFERENCE',
          `/spec/tls/nodes/${name}`,
          `spec.tls.nodes: no node named "${name}" (nodes: ${spec.nodes.map((n) => n.name).join(', ')})`,
          { key: true },
        );
      }
    }
    if (tls.channels) {
      for (const n of spec.nodes) {
        if (!tls.dirs[n.name])
          problems.add(
            'TLS_CONFIG',
            '/spec/tls/nodes',
            `spec.tls puts every COLO channel on TLS, but node ${n.name} has no credentials: add spec.tls.nodes.${n.name}.dir`,
          );
      }
    }
    if (!tls.channels && tls.allowedIdentities.length) {
      problems.add('TLS_CONFIG', '/spec/tls/allowedIdentities', 'allowedIdentities restrict the COLO channels, which are not on TLS (channels: false)', {
        key: true,
      });
    }
    if (tls.qmp.allowedIdentities.length && !spec.nodes.some(monitorOnTls)) {
      problems.add('TLS_CONFIG', '/spec/tls/qmp/allowedIdentities', 'qmp.allowedIdentities restrict tls: monitors, and no node has a tls: QMP address', {
        key: true,
      });
    }
    // the TLS ids must not collide with the pair's own
    const used = new Map<string, string>();
    spec.disks.forEach((d, i) => used.set(d.id, `/spec/disks/${i}/id`));
    spec.netdevs.forEach((nd, i) => {
      used.set(nd.id, `/spec/netdevs/${i}/id`);
      for (const [k, v] of Object.entries(nd.ids)) used.set(v, `/spec/netdevs/${i}/filters/ids/${k}`);
      nd.extraFilters.forEach((f, j) => used.set(f.id, `/spec/netdevs/${i}/filters/extra/${j}/id`));
    });
    for (const id of Object.values(TLS_IDS)) {
      const at = used.get(id);
      if (at) problems.add('DUPLICATE_ID', at, `id "${id}" is taken by colo's TLS objects (spec.tls); choose another`);
    }
  }
  for (const w of cleartextWarnings(spec)) problems.add(w.code, w.path, w.message, { severity: 'warning' });
}

/** One problem the file check found, where it points in the spec. */
export interface TlsFileProblem {
  code: ErrorCode;
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** What the CLI's edge reads for a check of the credential files (it owns node:fs and X.509 parsing). */
export type TlsFileChecker = (spec: Spec) => TlsFileProblem[];
