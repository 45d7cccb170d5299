import { hostPort } from '../addr/hosts.js';
import { parseQmpAddress } from '../addr/qmp-address.js';
import { diskIds } from '../spec/ids.js';
import { channelsOnTls, monitorOnTls, nodeHasCreds, TLS_IDS } from '../spec/tls.js';
import type { NodeSpec, Role, Spec } from '../spec/types.js';
import { optValue } from './option-value.js';
import { resource, type Resource } from './state.js';

/**
 * X.509 TLS on a pair, as verified on QEMU 7.2 and 11.1: both credential objects on both nodes
 * (either may become primary; verify-peer always on), tls-creds on every server and client chardev,
 * migration tls-creds (+ tls-hostname on the sending side, tls-authz on the receiving one), the NBD
 * server and the primary's NBD child, and the monitor of a tls: QMP address. Pure.
 */

/** tls-creds (and tls-authz on a server end) of a COLO chardev; undefined when the channels are plain. */
export function chardevTls(spec: Spec, server: boolean): { creds: string; authz?: string } | undefined {
  if (!channelsOnTls(spec)) return undefined;
  if (!server) return { creds: TLS_IDS.client };
  return { creds: TLS_IDS.server, ...(spec.tls!.allowedIdentities.length ? { authz: TLS_IDS.authz } : {}) };
}

function authzJson(id: string, identities: string[]): string {
  return JSON.stringify({ 'qom-type': 'authz-list', id, policy: 'deny', rules: identities.map((match) => ({ match, policy: 'allow' })) });
}

/** The objects a node's QEMU starts with: its two credential objects and the authz lists (-object JSON: several identities). */
export function tlsObjectArgs(spec: Spec, self: NodeSpec): string[] {
  if (!nodeHasCreds(spec, self)) return [];
  const dir = optValue(spec.tls!.dirs[self.name]);
  const out = [
    '-object',
    `tls-creds-x509,id=${TLS_IDS.server},dir=${dir},endpoint=server,verify-peer=on`,
    '-object',
    `tls-creds-x509,id=${TLS_IDS.client},dir=${dir},endpoint=client,verify-peer=on`,
  ];
  if (channelsOnTls(spec) && spec.tls!.allowedIdentities.length) out.push('-object', authzJson(TLS_IDS.authz, spec.tls!.allowedIdentities));
  if (monitorOnTls(self) && spec.tls!.qmp.allowedIdentities.length) out.push('-object', authzJson(TLS_IDS.qmpAuthz, spec.tls!.qmp.allowedIdentities));
  return out;
}

/** The migration TLS parameters of a node in `role`: the sender's client credentials and the name it checks, the receiver's server ones. */
export function migrationTlsParameters(spec: Spec, self: NodeSpec, role: Role): Record<string, string> {
  if (!channelsOnTls(spec)) return {};
  if (role === 'primary') {
    const peer = spec.nodes.find((n) => n.name !== self.name) ?? spec.nodes[1];
    return { 'tls-creds': TLS_IDS.client, 'tls-hostname': peer.host };
  }
  return { 'tls-creds': TLS_IDS.server, ...(spec.tls!.allowedIdentities.length ? { 'tls-authz': TLS_IDS.authz } : {}) };
}

/** -global migration.* for the role a node is launched in (QEMU decides TLS or not when it accepts or opens the connection). */
export function migrationTlsArgs(spec: Spec, self: NodeSpec, role: Role): string[] {
  return Object.entries(migrationTlsParameters(spec, self, role)).flatMap(([k, v]) => ['-global', `migration.${k}=${optValue(v)}`]);
}

/** A tls: monitor: a socket chardev with the node's server credentials (verify-peer on), QMP on it (nodelay=on: argv.ts qmpArg). */
export function monitorArgs(spec: Spec, self: NodeSpec): string[] | undefined {
  const q = parseQmpAddress(self.qmp);
  if (q?.kind !== 'tls') return undefined;
  const authz = spec.tls?.qmp.allowedIdentities.length ? `,tls-authz=${TLS_IDS.qmpAuthz}` : '';
  return [
    '-chardev',
    `socket,id=${TLS_IDS.monitor},host=${q.host},port=${q.port},server=on,wait=off,nodelay=on,tls-creds=${TLS_IDS.server}${authz}`,
    '-mon',
    `chardev=${TLS_IDS.monitor},mode=control`,
  ];
}

/** tls-creds-x509 as QEMU reads it back (qom-get endpoint, verify-peer, dir). */
function credsResource(node: string, id: string, endpoint: 'server' | 'client', dir: string): Resource {
  return {
    ...resource(node, 'object', id, { 'qom-type': 'tls-creds-x509', endpoint, 'verify-peer': true, dir }),
    recipe: { 'qom-type': 'tls-creds-x509', id, endpoint, 'verify-peer': true, dir },
  };
}

/** The TLS resources of a node in `role`: the objects it starts with and the migration parameters of its role. */
export function tlsResources(spec: Spec, self: NodeSpec, role: Role): Resource[] {
  if (!nodeHasCreds(spec, self)) return [];
  const dir = spec.tls!.dirs[self.name];
  const out = [credsResource(self.name, TLS_IDS.server, 'server', dir), credsResource(self.name, TLS_IDS.client, 'client', dir)];
  if (channelsOnTls(spec) && spec.tls!.allowedIdentities.length) out.push(resource(self.name, 'object', TLS_IDS.authz, { 'qom-type': 'authz-list' }));
  if (monitorOnTls(self) && spec.tls!.qmp.allowedIdentities.length) out.push(resource(self.name, 'object', TLS_IDS.qmpAuthz, { 'qom-type': 'authz-list' }));
  for (const [k, v] of Object.entries(migrationTlsParameters(spec, self, role))) out.push(resource(self.name, 'parameter', k, { value: v }));
  return out;
}

/** colo's TLS objects (kept across a failover: the survivor's channels and monitor still use them). */
export function isTlsObject(r: Resource): boolean {
  return r.kind === 'object' && (r.value['qom-type'] === 'tls-creds-x509' || String(r.value['qom-type']).startsWith('authz-'));
}

/** nbd-server-start's TLS arguments. */
export function nbdServerTls(spec: Spec): Record<string, string> {
  if (!channelsOnTls(spec)) return {};
  return { 'tls-creds': TLS_IDS.server, ...(spec.tls!.allowedIdentities.length ? { 'tls-authz': TLS_IDS.authz } : {}) };
}

/** The NBD client's TLS (blockdev-add nbd's tls-creds; it checks the server's certificate against the server's host). */
export function nbdClientTls(spec: Spec): Record<string, string> {
  return channelsOnTls(spec) ? { 'tls-creds': TLS_IDS.client } : {};
}

/**
 * drive-mirror's target for the copy to the secondary's export: the NBD URI in clear; on TLS a
 * json: filename with the client credentials (a URI cannot carry them), opened as the nbd driver
 * itself (no format: `format: raw` would wrap it and lose the options).
 */
export function resyncTarget(secondary: NodeSpec, spec: Spec, index: number): { target: string; format?: string } {
  if (!channelsOnTls(spec)) return { target: `nbd://${hostPort(secondary.host, spec.ports.nbd)}/${diskIds(index).parent}`, format: 'raw' };
  const opts = {
    driver: 'nbd',
    server: { type: 'inet', host: secondary.host, port: String(spec.ports.nbd) },
    export: diskIds(index).parent,
    ...nbdClientTls(spec),
  };
  return { target: `json:${JSON.stringify(opts)}` };
}

/** The primary's chardevs that are server ends: under TLS 1.3 only these show a refused client (a client end shows connected). */
export function primaryServerChardevs(spec: Spec): string[] {
  return spec.netdevs.flatMap((n) => [n.ids.mirrorChardev, n.ids.secondaryInChardev, n.ids.primaryInChardev, n.ids.compareOutChardev]);
}
