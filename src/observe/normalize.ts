import { canonicalHost } from '../addr/hosts.js';
import type { QemuVersion } from '../model/profile.js';
import type { SchemaSummary } from '../model/schema-summary.js';
import { resource, toMap, type Resource, type Scalar } from '../model/state.js';
import type { BlockJob, ObservedNode, YankInstance } from '../model/observed.js';
import type { BlockGraphNode, NamedBlockNode, QmpReplies } from '../qmp/replies.js';

/** The first burst of reads: everything but per-object properties. Answers come back in this order. */
export const FIRST_READS = [
  { execute: 'query-version' },
  { execute: 'query-status' },
  { execute: 'query-colo-status' },
  { execute: 'query-migrate' },
  { execute: 'query-migrate-capabilities' },
  { execute: 'query-migrate-parameters' },
  { execute: 'qom-list', arguments: { path: '/objects' } },
  { execute: 'query-chardev' },
  { execute: 'query-named-block-nodes' },
  { execute: 'x-debug-query-block-graph' },
  { execute: 'query-block-exports' },
  { execute: 'query-block-jobs' },
  { execute: 'query-yank' },
  { execute: 'human-monitor-command', arguments: { 'command-line': 'info network' } },
  { execute: 'qom-get', arguments: { path: '/machine', property: 'type' } },
] as const;

/** The key of each read's answer: the command, except for the HMP and qom-get reads. */
export function readKey(r: { execute: string }): ReadName {
  if (r.execute === 'human-monitor-command') return 'info-network';
  if (r.execute === 'qom-get') return 'machine';
  return r.execute as ReadName;
}

/** Each first read's answer, by its key. */
export type FirstReads = Partial<
  { [K in Exclude<ReadName, 'info-network' | 'machine'>]: QmpReplies[K] } & { 'info-network': string; machine: QmpReplies['qom-get'] }
>;

export type ReadName = Exclude<(typeof FIRST_READS)[number]['execute'], 'human-monitor-command' | 'qom-get'> | 'info-network' | 'machine';

/** colo-compare properties read with qom-get (filters come complete from `info network`). */
export const COMPARE_PROPS = [
  'primary_in',
  'secondary_in',
  'outdev',
  'iothread',
  'compare_timeout',
  'expired_scan_cycle',
  'max_queue_size',
  'vnet_hdr_support',
];

/** tls-creds-x509 properties read with qom-get: which end, whether it checks its peer, where its files are. */
export const TLS_CREDS_PROPS = ['endpoint', 'verify-peer', 'dir'];

/** QOM types observe reads as objects: the net filters, colo-compare, its iothread, and the TLS credentials and authz lists. */
function observedType(type: string): boolean {
  return type.startsWith('filter-') || type === 'colo-compare' || type === 'iothread' || type === 'tls-creds-x509' || type.startsWith('authz-');
}

/** The migration parameters that carry TLS (query-migrate-parameters shows them, "" when unset). */
const TLS_PARAMETERS = ['tls-creds', 'tls-hostname', 'tls-authz'];

export interface RawReads {
  /** answers of FIRST_READS by command (info network under 'info-network'), typed at the boundary; undefined where QEMU refused */
  first: FirstReads;
  /** qom-get answers: object id → property → value */
  props: Record<string, Record<string, Scalar | null>>;
  /** what the QEMU offers (query-qmp-schema summarised, or from the cache) */
  schema?: SchemaSummary;
  /** query-version's package */
  package?: string;
}

export interface NetworkInfo {
  /** filter ids in chain order per netdev */
  chains: Record<string, string[]>;
  /** filter properties as `info network` prints them */
  filters: Record<string, { type: string; props: Record<string, string> }>;
}

/** Parses HMP `info network`: netdev lines, then `filters:` and `  - id: type=...,k=v` lines. */
export function parseInfoNetwork(text: string): NetworkInfo {
  const chains: NetworkInfo['chains'] = {};
  const filters: NetworkInfo['filters'] = {};
  let current: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const client = /^[\s\\]*([A-Za-z][\w.-]*): index=\d+,type=([\w-]+)/.exec(line);
    if (client) {
      current = client[2] === 'nic' ? undefined : client[1];
      if (current) chains[current] ??= [];
      continue;
    }
    const f = /^\s*- ([A-Za-z][\w.-]*): type=([\w-]+),?(.*)$/.exec(line);
    if (f && current) {
      const props: Record<string, string> = {};
      for (const kv of f[3].split(',')) {
        const i = kv.indexOf('=');
        if (i > 0) props[kv.slice(0, i)] = kv.slice(i + 1);
      }
      chains[current].push(f[1]);
      filters[f[1]] = { type: f[2], props };
    }
  }
  return { chains, filters };
}

/** query-chardev filename → host, port, server, connected. */
export function parseChardevFilename(filename: string): { host?: string; port?: number; server: boolean; connected: boolean } | undefined {
  const connected = !filename.startsWith('disconnected:');
  const f = filename.replace(/^disconnected:/, '');
  if (!f.startsWith('tcp:')) return undefined;
  const [local, remote] = f.split(' <-> ');
  const server = /,server=on/.test(local);
  const addr = server || !remote ? local.replace(/^tcp:/, '').replace(/,.*$/, '') : remote;
  const m = /^(.*):(\d+)$/.exec(addr);
  // QEMU prints IPv6 hosts in brackets, and a dual-stack listener shows IPv4 peers as ::ffff:a.b.c.d;
  // the host is compared in its one canonical spelling (addr/hosts.ts), as the model writes the spec's
  return {
    host: m ? canonicalHost(m[1].replace(/^\[(.*)\]$/, '$1')) : undefined,
    port: m ? Number(m[2]) : undefined,
    server,
    connected: connected && remote !== undefined,
  };
}

/** the migration capabilities COLO sets (see model/profile.ts) */
const COLO_CAPABILITIES = ['x-colo', 'return-path'];

const FILTER_KEYS: Record<string, string[]> = {
  'filter-mirror': ['netdev', 'queue', 'outdev', 'vnet_hdr_support'],
  'filter-redirector': ['netdev', 'queue', 'indev', 'outdev', 'vnet_hdr_support'],
  'filter-rewriter': ['netdev', 'queue', 'vnet_hdr_support'],
};

function typed(v: string): Scalar {
  if (v === 'true' || v === 'on') return true;
  if (v === 'false' || v === 'off') return false;
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** Block node id → the device (BlockBackend) whose root it is: -drive id= names devices, not nodes. */
function backendsByNode(graph: FirstReads['x-debug-query-block-graph']): Map<number, string> {
  const out = new Map<number, string>();
  if (!graph?.nodes) return out;
  const byId = new Map<number, BlockGraphNode>(graph.nodes.map((n) => [n.id, n]));
  for (const e of graph.edges) {
    const parent = byId.get(e.parent);
    if (parent?.type === 'block-backend' && e.name === 'root') out.set(e.child, parent.name);
  }
  return out;
}

/** Block resources: every child edge of every quorum, named by device where a backend roots the node. */
function blockResources(node: string, graph: FirstReads['x-debug-query-block-graph'], named: NamedBlockNode[] | undefined): Resource[] {
  if (!graph?.nodes) return [];
  const byId = new Map<number, BlockGraphNode>(graph.nodes.map((n) => [n.id, n]));
  const drv = new Map<string, NamedBlockNode>((named ?? []).map((n) => [n['node-name'], n]));
  const backendOf = backendsByNode(graph);
  const out: Resource[] = [];
  for (const e of graph.edges) {
    const parent = byId.get(e.parent);
    const backend = backendOf.get(e.parent);
    if (!parent || !backend || drv.get(parent.name)?.drv !== 'quorum' || !String(e.name).startsWith('children.')) continue;
    const child = byId.get(e.child);
    const info = child ? drv.get(child.name) : undefined;
    const value: Resource['value'] = { node: (backendOf.get(e.child) ?? child?.name) as string, driver: info?.drv ?? 'unknown' };
    // the replication driver over an NBD node, or QEMU 11's plain NBD node: either writes to this target
    if (info?.drv === 'replication') {
      const file = graph.edges.find((x) => x.parent === e.child && x.name === 'file');
      const fileNode = file ? drv.get(byId.get(file.child)?.name as string) : undefined;
      if (fileNode?.drv === 'nbd') value.target = (fileNode.image?.filename ?? fileNode.file) as string;
    } else if (info?.drv === 'nbd') {
      value.target = (info.image?.filename ?? info.file) as string;
    }
    out.push(resource(node, 'block-child', `${backend}/${e.name}`, value));
  }
  for (const n of named ?? []) {
    if (!String(n['node-name']).startsWith('#')) out.push(resource(node, 'block-node', n['node-name'], { driver: n.drv }));
  }
  return out;
}

/** Raw QMP answers of one node → the resource shape the desired state uses. Pure. */
export function normalizeReads(name: string, raw: RawReads): ObservedNode {
  const r = raw.first;
  const v = r['query-version']?.qemu;
  const version: QemuVersion | undefined = v ? { major: v.major, minor: v.minor, micro: v.micro } : undefined;
  const list: Resource[] = [];
  const net = parseInfoNetwork(r['info-network'] ?? '');
  const objects: Array<{ name: string; type: string }> = r['qom-list'] ?? [];
  for (const o of objects) {
    const type = /^child<(.+)>$/.exec(o.type)?.[1];
    if (!type || !observedType(type)) continue;
    const value: Resource['value'] = { 'qom-type': type };
    const f = net.filters[o.name];
    if (f) {
      for (const k of FILTER_KEYS[type] ?? Object.keys(f.props)) if (f.props[k] !== undefined && f.props[k] !== '') value[k] = typed(f.props[k]);
    }
    for (const [k, pv] of Object.entries(raw.props[o.name] ?? {})) {
      // link properties read back as QOM paths
      if (pv !== '' && pv !== null) value[k] = typeof pv === 'string' ? pv.replace(/^\/objects\//, '') : pv;
    }
    list.push(resource(name, 'object', o.name, value));
  }
  for (const [netdev, order] of Object.entries(net.chains)) list.push(resource(name, 'filter-order', netdev, { order }));
  for (const c of r['query-chardev'] ?? []) {
    const p = parseChardevFilename(c.filename);
    if (!p || p.host === undefined) continue;
    list.push(resource(name, 'chardev', c.label, { host: p.host, port: p.port!, server: p.server, connected: p.connected }));
  }
  list.push(...blockResources(name, r['x-debug-query-block-graph'], r['query-named-block-nodes']));
  const exportsList = r['query-block-exports'] ?? [];
  const graph = r['x-debug-query-block-graph'];
  const backends = backendsByNode(graph);
  const deviceOf = (nodeName: string) => {
    const id = (graph?.nodes ?? []).find((n) => n.name === nodeName)?.id;
    return id === undefined ? undefined : backends.get(id);
  };
  for (const e of exportsList) {
    if (e.type !== 'nbd' || e['shutting-down']) continue;
    list.push(resource(name, 'nbd-export', e.id, { device: deviceOf(e['node-name']) ?? e['node-name'] }));
  }
  if (exportsList.some((e) => e.type === 'nbd' && !e['shutting-down'])) list.push(resource(name, 'nbd-server', 'nbd-server', {}));
  for (const c of r['query-migrate-capabilities'] ?? []) {
    if (COLO_CAPABILITIES.includes(c.capability)) list.push(resource(name, 'capability', c.capability, { state: c.state }));
  }
  const delay = r['query-migrate-parameters']?.['x-checkpoint-delay'];
  const downtime = r['query-migrate-parameters']?.['downtime-limit'];
  if (delay !== undefined) list.push(resource(name, 'parameter', 'x-checkpoint-delay', { value: delay as Scalar }));
  for (const p of TLS_PARAMETERS) {
    const v = r['query-migrate-parameters']?.[p];
    if (v !== undefined) list.push(resource(name, 'parameter', p, { value: v === null ? '' : String(v) }));
  }
  const colo = r['query-colo-status'];
  if (colo) list.push(resource(name, 'colo', 'colo', { mode: colo.mode }));
  const jobs: BlockJob[] = (r['query-block-jobs'] ?? []).map((j) => ({ id: j.device, type: j.type, status: j.status, offset: j.offset, len: j.len }));
  return {
    name,
    reach: 'ok',
    version,
    ...(raw.package !== undefined ? { package: raw.package } : {}),
    ...(raw.schema ? { schema: raw.schema } : {}),
    ...(typeof r.machine === 'string' ? { machine: r.machine.replace(/-machine$/, '') } : {}),
    ...(Array.isArray(r['query-yank']) ? { yank: r['query-yank'] as YankInstance[] } : {}),
    runstate: r['query-status']?.status,
    colo: colo ? { mode: colo.mode, lastMode: colo['last-mode'], reason: colo.reason } : undefined,
    migration: {
      status: r['query-migrate']?.status,
      ...((r['query-migrate-capabilities'] ?? []).some((c) => c.capability === 'pause-before-switchover' && c.state) ? { pauseBeforeSwitchover: true } : {}),
      ...(typeof downtime === 'number' ? { downtimeLimit: downtime } : {}),
    },
    resources: toMap(list),
    jobs,
  };
}
