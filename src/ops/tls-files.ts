// The credential files a TLS spec names, read at the CLI's edge: do they exist, did the node's CA
// sign its own certificates (QEMU refuses to start otherwise, with an obscure message), do the
// server certificates name the addresses peers connect to, are the nodes' own DNs admitted.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { parseQmpAddress } from '../addr/qmp-address.js';
import { canonicalHost, isIpLiteral, isLoopback } from '../addr/hosts.js';
import { nodeHasCreds, QMP_CLIENT_FILES, TLS_FILES, type TlsFileProblem } from '../spec/tls.js';
import type { Spec } from '../spec/types.js';

/** The DN as QEMU's tls-authz compares it (GnuTLS's gnutls_x509_crt_get_dn): RDNs in certificate order, comma-joined. */
export function qemuDn(cert: X509Certificate): string {
  return cert.subject.split('\n').join(',');
}

/** Every certificate of a PEM bundle. */
function certs(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(canonicalHost(a.address));
  return out;
}

/** A node's files are expected here: its host is this machine (however the spec spells the address). */
export function hostIsHere(host: string): boolean {
  return isLoopback(host) || localAddresses().has(canonicalHost(host));
}

function names(cert: X509Certificate): string {
  return cert.subjectAltName ?? `no subjectAltName (subject ${qemuDn(cert)})`;
}

/** The certificate names `host` as QEMU's client checks it (an IP SAN for an address, a DNS SAN otherwise). */
function certNames(cert: X509Certificate, host: string): boolean {
  return isIpLiteral(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
}

interface Read {
  cas: X509Certificate[];
  server?: X509Certificate;
  client?: X509Certificate;
}

function issuedBy(cert: X509Certificate, cas: X509Certificate[]): boolean {
  return cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

/** Reads one credential directory, adding what is wrong with it. */
function readDir(dir: string, files: readonly string[], path: string, who: string, out: TlsFileProblem[]): Read | undefined {
  const missing = files.filter((f) => !existsSync(join(dir, f)));
  if (missing.length) {
    out.push({
      code: 'TLS_FILE',
      path,
      severity: 'error',
      message: `${who}: ${dir} lacks ${missing.join(', ')} (tls-creds-x509 reads ${files.join(', ')} there)`,
    });
    return undefined;
  }
  const read: Read = { cas: [] };
  const now = Date.now();
  for (const f of files) {
    const file = join(dir, f);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      out.push({
        code: 'TLS_FILE',
        path,
        severity: 'error',
        message: `${who}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      });
      return undefined;
    }
    try {
      if (f.endsWith('-key.pem')) {
        const key = createPrivateKey(text);
        const cert = f === 'server-key.pem' ? read.server : read.client;
        if (cert && !cert.checkPrivateKey(key))
          out.push({ code: 'TLS_CERT', path, severity: 'error', message: `${who}: ${file} is not the key of ${f.replace('-key', '-cert')}` });
        const mode = statSync(file).mode & 0o077;
        if (mode & 0o044)
          out.push({
            code: 'TLS_FILE',
            path,
            severity: 'warning',
            message: `${who}: ${file} is readable by others (mode ${(statSync(file).mode & 0o777).toString(8)}); chmod 600 it`,
          });
        continue;
      }
      const list = certs(text);
      if (!list.length) throw new Error('no PEM certificate in it');
      for (const c of list) {
        if (Date.parse(c.validTo) < now)
          out.push({ code: 'TLS_CERT', path, severity: 'error', message: `${who}: ${file} (${qemuDn(c)}) expired on ${c.validTo}` });
        else if (Date.parse(c.validFrom) > now)
          out.push({ code: 'TLS_CERT', path, severity: 'error', message: `${who}: ${file} (${qemuDn(c)}) is not valid before ${c.validFrom}` });
      }
      if (f === 'ca-cert.pem') read.cas = list;
      else if (f === 'server-cert.pem') read.server = list[0];
      else read.client = list[0];
    } catch (e) {
      out.push({ code: 'TLS_CERT', path, severity: 'error', message: `${who}: ${file} cannot be parsed: ${(e as Error).message}` });
      return undefined;
    }
  }
  for (const [f, c] of [
    ['server-cert.pem', read.server],
    ['client-cert.pem', read.client],
  ] as const) {
    if (c && !issuedBy(c, read.cas)) {
      out.push({
        code: 'TLS_CERT',
        path,
        severity: 'error',
        message: `${who}: ${join(dir, f)} (${qemuDn(c)}, issuer ${c.issuer.split('\n').join(',')}) is not signed by a CA of ${join(dir, 'ca-cert.pem')}; QEMU refuses to start: "Our own certificate ${join(dir, f)} failed validation against ${join(dir, 'ca-cert.pem')}: The certificate hasn't got a known issuer"`,
      });
    }
  }
  return read;
}

/** The credential checks of a spec: each node's directory, the QMP client's, and how they fit together. */
export function checkTlsFiles(spec: Spec, env: NodeJS.ProcessEnv = process.env): TlsFileProblem[] {
  const tls = spec.tls;
  if (!tls) return [];
  const out: TlsFileProblem[] = [];
  const reads = new Map<string, Read>();
  for (const n of spec.nodes) {
    const dir = tls.dirs[n.name];
    if (!dir || !nodeHasCreds(spec, n)) continue;
    const path = `/spec/tls/nodes/${n.name}/dir`;
    if (!existsSync(dir)) {
      if (hostIsHere(n.host))
        out.push({
          code: 'TLS_FILE',
          path,
          severity: 'error',
          message: `node ${n.name}: no directory ${dir} (node ${n.name} runs on this machine, ${n.host})`,
        });
      else
        out.push({
          code: 'TLS_FILE',
          path,
          severity: 'warning',
          message: `node ${n.name}: ${dir} is not on this machine: its certificates were not checked (they are on ${n.host})`,
        });
      continue;
    }
    const r = readDir(dir, TLS_FILES, path, `node ${n.name}`, out);
    if (!r) continue;
    reads.set(n.name, r);
    // every address a peer (or colo) connects to must be in the server certificate: QEMU's client checks it
    const q = parseQmpAddress(n.qmp);
    const hosts = [...new Set([...(spec.tls!.channels ? [n.host] : []), ...(q?.kind === 'tls' ? [q.host] : [])])];
    for (const h of hosts) {
      if (r.server && !certNames(r.server, h)) {
        out.push({
          code: 'TLS_NAME',
          path,
          severity: 'error',
          message: `node ${n.name}: peers reach it at ${h}, but its server certificate names ${names(r.server)}: their TLS check fails ("Certificate does not match the hostname ${h}"); add ${h} to its subjectAltName`,
        });
      }
    }
    if (tls.channels && tls.allowedIdentities.length && r.client && !tls.allowedIdentities.includes(qemuDn(r.client))) {
      out.push({
        code: 'TLS_AUTHZ',
        path: '/spec/tls/allowedIdentities',
        severity: 'error',
        message: `node ${n.name}'s client certificate is ${qemuDn(r.client)}, not among allowedIdentities: its own compare chardevs and its peer's server ends would refuse it`,
      });
    }
  }
  // across the pair: each node's client certificate must be signed by the peer's CA, and its server certificate too
  if (tls.channels) {
    for (const n of spec.nodes) {
      const peer = spec.nodes.find((x) => x !== n)!;
      const mine = reads.get(n.name);
      const theirs = reads.get(peer.name);
      if (!mine || !theirs) continue;
      for (const [what, c] of [
        ['client', mine.client],
        ['server', mine.server],
      ] as const) {
        if (c && !issuedBy(c, theirs.cas)) {
          out.push({
            code: 'TLS_CERT',
            path: `/spec/tls/nodes/${n.name}/dir`,
            severity: 'warning',
            message: `node ${n.name}'s ${what} certificate (${qemuDn(c)}) is not signed by a CA ${peer.name} trusts (${join(tls.dirs[peer.name], 'ca-cert.pem')}): ${peer.name} will refuse it and the pair cannot replicate`,
          });
        }
      }
    }
  }
  // colo's own client certificate for tls: monitors
  // (warnings: this machine may plan offline without them; a live command says the monitor is unreachable and why)
  const tlsNodes = spec.nodes.filter((n) => parseQmpAddress(n.qmp)?.kind === 'tls');
  if (tlsNodes.length) {
    const first = out.length;
    const fromEnv = env.COLO_QMP_TLS_DIR;
    const dir = fromEnv || tls.qmp.clientDir;
    const path = fromEnv || !tls.qmp.clientDir ? `/spec/nodes/${spec.nodes.indexOf(tlsNodes[0])}/qmp` : '/spec/tls/qmp/clientDir';
    if (!dir) {
      out.push({
        code: 'TLS_CONFIG',
        path,
        severity: 'error',
        message: `tls: QMP needs colo's client certificate: set spec.tls.qmp.clientDir or COLO_QMP_TLS_DIR (a directory with ${QMP_CLIENT_FILES.join(', ')})`,
      });
    } else if (!existsSync(dir)) {
      out.push({
        code: 'TLS_FILE',
        path,
        severity: 'error',
        message: `colo's QMP client directory ${dir}${fromEnv ? ' (COLO_QMP_TLS_DIR)' : ''} does not exist`,
      });
    } else {
      const r = readDir(dir, QMP_CLIENT_FILES, path, `QMP client${fromEnv ? ' (COLO_QMP_TLS_DIR)' : ''}`, out);
      for (const n of tlsNodes) {
        const node = reads.get(n.name);
        if (!r?.client || !node) continue;
        if (!issuedBy(r.client, node.cas))
          out.push({
            code: 'TLS_CERT',
            path,
            severity: 'warning',
            message: `colo's QMP client certificate (${qemuDn(r.client)}) is not signed by node ${n.name}'s CA: its monitor will cut the handshake`,
          });
        if (node.server && !issuedBy(node.server, r.cas))
          out.push({
            code: 'TLS_CERT',
            path,
            severity: 'warning',
            message: `node ${n.name}'s server certificate is not signed by a CA of ${join(dir, 'ca-cert.pem')}: colo will not trust its monitor`,
          });
      }
      if (r?.client && tls.qmp.allowedIdentities.length && !tls.qmp.allowedIdentities.includes(qemuDn(r.client))) {
        out.push({
          code: 'TLS_AUTHZ',
          path: '/spec/tls/qmp/allowedIdentities',
          severity: 'warning',
          message: `colo's QMP client certificate is ${qemuDn(r.client)}, not among qmp.allowedIdentities: the monitors will refuse it`,
        });
      }
    }
    for (const p of out.slice(first)) p.severity = 'warning';
  }
  return out;
}
