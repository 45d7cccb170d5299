import { canonicalHost, isIpLiteral } from '../addr/hosts.js';
import type { NetdevSpec, NodeSpec, Spec } from '../spec/types.js';
import type { Profile } from './profile.js';
import { chardevTls } from './tls.js';
import { resource, type Resource, type Scalar } from './state.js';

/** A socket chardev as QEMU knows it: the -chardev argument and the chardev-add backend come from this. */
export interface ChardevDef {
  id: string;
  host: string;
  port: number;
  server: boolean;
  /** seconds between reconnect attempts (client side) */
  reconnect?: number;
  /** X.509 TLS: the credentials object (and, on a server end, the tls-authz list) */
  tls?: { creds: string; authz?: string };
  /** one of the primary's own compare pairs: on its loopback, never across the network */
  local?: boolean;
}

/** A QOM object (filter, iothread, colo-compare) with the properties QEMU is given. */
export interface ObjectDef {
  id: string;
  qomType: string;
  props: Record<string, Scalar>;
}

export interface NicRole {
  chardevs: ChardevDef[];
  /** in the order QEMU must create them: iothread before colo-compare, filters in chain order */
  objects: ObjectDef[];
  /** filter ids in chain order */
  filterOrder: string[];
}

function withVnetHdr(n: NetdevSpec, props: Record<string, Scalar>): Record<string, Scalar> {
  return { ...props, vnet_hdr_support: n.vnetHdrSupport };
}

function extraFilters(n: NetdevSpec, side: 'primary' | 'secondary'): ObjectDef[] {
  return n.extraFilters.filter((f) => f.side === side || f.side === 'both').map((f) => ({ id: f.id, qomType: f.type, props: { netdev: n.id, ...f.props } }));
}

/** Where the primary's own compare pairs listen and connect. */
const LOCAL = '127.0.0.1';
/** Every COLO chardev that crosses the network on TLS when the spec says so: server ends with the server credentials, clients with the client ones. */
function withTls(spec: Spec | undefined, chardevs: ChardevDef[]): ChardevDef[] {
  // the primary's own compare pairs stay on its loopback: nothing to encrypt there
  return spec
    ? chardevs.map((c) => {
        if (c.local) return c;
        const tls = chardevTls(spec, c.server);
        return tls ? { ...c, tls } : c;
      })
    : chardevs;
}

/** What the primary runs for one NIC: six chardevs, mirror + two redirectors, an iothread and colo-compare. */
export function primaryNic(spec: Spec, n: NetdevSpec, self: NodeSpec): NicRole {
  const ids = n.ids;
  const h = self.host;
  const p = n.ports;
  const compareProps: Record<string, Scalar> = {
    primary_in: ids.primaryInClient,
    secondary_in: ids.secondaryInChardev,
    outdev: ids.compareOutClient,
    iothread: ids.iothread,
  };
  const tuning = { ...spec.colo.compare, ...n.compare };
  if (tuning.timeoutMs !== undefined) compareProps.compare_timeout = tuning.timeoutMs;
  if (tuning.expiredScanCycleMs !== undefined) compareProps.expired_scan_cycle = tuning.expiredScanCycleMs;
  if (tuning.maxQueueSize !== undefined) compareProps.max_queue_size = tuning.maxQueueSize;
  compareProps.vnet_hdr_support = n.vnetHdrSupport;
  const filters: ObjectDef[] = [
    { id: ids.mirror, qomType: 'filter-mirror', props: withVnetHdr(n, { netdev: n.id, queue: 'tx', outdev: ids.mirrorChardev }) },
    { id: ids.redirectorIn, qomType: 'filter-redirector', props: withVnetHdr(n, { netdev: n.id, queue: 'rx', indev: ids.compareOutChardev }) },
    { id: ids.redirectorOut, qomType: 'filter-redirector', props: withVnetHdr(n, { netdev: n.id, queue: 'rx', outdev: ids.primaryInChardev }) },
    ...extraFilters(n, 'primary'),
  ];
  const chardevs: ChardevDef[] = [
    { id: ids.mirrorChardev, host: h, port: p.mirror, server: true },
    { id: ids.secondaryInChardev, host: h, port: p.secondaryIn, server: true },
    // the primary-local pairs (redirector ↔ colo-compare on one host) never leave it: loopback
    { id: ids.primaryInChardev, host: LOCAL, port: p.primaryIn, server: true, local: true },
    { id: ids.primaryInClient, host: LOCAL, port: p.primaryIn, server: false, local: true },
    { id: ids.compareOutChardev, host: LOCAL, port: p.compareOut, server: true, local: true },
    { id: ids.compareOutClient, host: LOCAL, port: p.compareOut, server: false, local: true },
  ];
  return {
    chardevs: withTls(spec, chardevs),
    objects: [...filters, { id: ids.iothread, qomType: 'iothread', props: {} }, { id: ids.compare, qomType: 'colo-compare', props: compareProps }],
    filterOrder: filters.map((f) => f.id),
  };
}

/** What the secondary runs for one NIC: two client chardevs to the primary, two redirectors and the rewriter. */
export function secondaryNic(n: NetdevSpec, primary: NodeSpec, spec?: Spec): NicRole {
  const ids = n.ids;
  const filters: ObjectDef[] = [
    { id: ids.secondaryRedirectorIn, qomType: 'filter-redirector', props: withVnetHdr(n, { netdev: n.id, queue: 'tx', indev: ids.secondaryMirrorChardev }) },
    { id: ids.secondaryRedirectorOut, qomType: 'filter-redirector', props: withVnetHdr(n, { netdev: n.id, queue: 'rx', outdev: ids.secondaryOutChardev }) },
    { id: ids.rewriter, qomType: 'filter-rewriter', props: withVnetHdr(n, { netdev: n.id, queue: 'all' }) },
    ...extraFilters(n, 'secondary'),
  ];
  return {
    chardevs: withTls(spec, [
      { id: ids.secondaryMirrorChardev, host: primary.host, port: n.ports.mirror, server: false, reconnect: 1 },
      { id: ids.secondaryOutChardev, host: primary.host, port: n.ports.secondaryIn, server: false, reconnect: 1 },
    ]),
    objects: filters,
    filterOrder: filters.map((f) => f.id),
  };
}

/**
 * A connected socket shows numeric addresses (QEMU formats them with NI_NUMERICHOST): the host is
 * compared only when the spec gives an IP literal, a name like `localhost` would never match; and
 * in its canonical spelling on both sides (`2001:DB8:0::1` in the spec is `2001:db8::1` observed).
 */
export function chardevResource(node: string, c: ChardevDef, profile: Profile): Resource {
  const value: Resource['value'] = isIpLiteral(c.host) ? { host: canonicalHost(c.host), port: c.port, server: c.server } : { port: c.port, server: c.server };
  return { ...resource(node, 'chardev', c.id, value), recipe: chardevAddArgs(c, profile) };
}

export function objectResource(node: string, o: ObjectDef): Resource {
  return { ...resource(node, 'object', o.id, { 'qom-type': o.qomType, ...o.props }), recipe: objectAddArgs(o) };
}

/** -chardev argument */
export function chardevArg(c: ChardevDef, profile: Profile): string {
  const base = `socket,id=${c.id},host=${c.host},port=${c.port}${c.tls ? `,tls-creds=${c.tls.creds}${c.tls.authz ? `,tls-authz=${c.tls.authz}` : ''}` : ''}`;
  if (c.server) return `${base},server=on,wait=off`;
  if (c.reconnect === undefined) return base;
  return profile.reconnect === 'reconnect-ms' ? `${base},reconnect-ms=${c.reconnect * 1000}` : `${base},reconnect=${c.reconnect}`;
}

/** chardev-add arguments */
export function chardevAddArgs(c: ChardevDef, profile: Profile): Record<string, unknown> {
  const data: Record<string, unknown> = { addr: { type: 'inet', data: { host: c.host, port: String(c.port) } }, server: c.server };
  if (c.tls) {
    data['tls-creds'] = c.tls.creds;
    if (c.tls.authz) data['tls-authz'] = c.tls.authz;
  }
  if (c.server) data.wait = false;
  else if (c.reconnect !== undefined) {
    if (profile.reconnect === 'reconnect-ms') data['reconnect-ms'] = c.reconnect * 1000;
    else data.reconnect = c.reconnect;
  }
  return { id: c.id, backend: { type: 'socket', data } };
}

function propText(v: Scalar): string {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return String(v).replace(/,/g, ',,');
}

/** The properties QEMU is given: vnet_hdr_support=off is its default and left out. */
function givenProps(o: ObjectDef): Array<[string, Scalar]> {
  return Object.entries(o.props).filter(([k, v]) => !(k === 'vnet_hdr_support' && v === false));
}

/** -object argument */
export function objectArg(o: ObjectDef): string {
  return `${o.qomType},id=${o.id}${givenProps(o)
    .map(([k, v]) => `,${k}=${propText(v)}`)
    .join('')}`;
}

/** object-add arguments (flat, as QEMU 6.0+ takes them) */
export function objectAddArgs(o: ObjectDef, position?: { insert: 'before' | 'behind'; position: string }): Record<string, unknown> {
  const props = Object.fromEntries(givenProps(o));
  return { 'qom-type': o.qomType, id: o.id, ...props, ...(position ?? {}) };
}
