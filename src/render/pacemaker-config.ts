// `colo ocf config`'s three forms of one cluster configuration (model/pacemaker.ts): crm command
// lines, pcs command lines, and CIB XML for cibadmin. Each starts with what it leaves to the site.
import type { PcmkConfig, PcmkPair } from '../model/pacemaker.js';

function header(c: PcmkConfig, xml = false): string[] {
  return [
    `colo ocf config: ${c.pairs.length} pair(s) on the cluster nodes ${c.nodes.join(', ')}`,
    "Fencing is the site's: a stonith device per host and stonith-enabled=true (docs/pacemaker.md); none here.",
    "On every host, each pair's agent with its spec baked in (the spec's path on that host):",
    ...c.pairs.map((p) =>
      xml ? `  ocf:colo:${p.agent}: colo ocf install, name ${p.agent}, spec ${p.file}` : `  colo ocf install --name ${p.agent} --spec ${p.file}`,
    ),
  ];
}

const opText = (p: PcmkPair) =>
  p.ops.map((o) => `op ${o.name}${o.interval !== '0s' ? ` interval=${o.interval}` : ''}${o.role ? ` role=${o.role}` : ''} timeout=${o.timeout}`);

/** crm shell: one `crm configure` per object. */
export function renderPacemakerCrm(c: PcmkConfig): string {
  const out = header(c).map((l) => `# ${l}`);
  for (const p of c.pairs) {
    out.push('', `# pair ${p.pair}: nodes ${p.nodes.join(', ')}`);
    out.push(`crm configure primitive ${p.primitive} ocf:colo:${p.agent} \\`, ...opText(p).map((o, i, a) => `  ${o}${i < a.length - 1 ? ' \\' : ''}`));
    out.push(`crm configure clone ${p.clone} ${p.primitive} meta ${c.meta.map(([k, v]) => `${k}=${v}`).join(' ')}`);
    for (const n of p.banned) out.push(`crm configure location ${p.clone}-not-${n} ${p.clone} resource-discovery=never -inf: ${n}`);
  }
  return `${out.join('\n')}\n`;
}

/** pcs: the primitive and its promotable clone in one `pcs resource create`, then the locations. */
export function renderPacemakerPcs(c: PcmkConfig): string {
  const out = header(c).map((l) => `# ${l}`);
  for (const p of c.pairs) {
    out.push('', `# pair ${p.pair}: nodes ${p.nodes.join(', ')}`);
    out.push(
      `pcs resource create ${p.primitive} ocf:colo:${p.agent} \\`,
      ...opText(p).map((o) => `  ${o} \\`),
      `  promotable ${c.meta
        .filter(([k]) => k !== 'promotable')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    for (const n of p.banned) out.push(`pcs constraint location add ${p.clone}-not-${n} ${p.clone} ${n} -INFINITY resource-discovery=never`);
  }
  return `${out.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** CIB XML: a <configuration> with the resources and constraints, for `cibadmin --modify --allow-create --scope configuration`. */
export function renderPacemakerXml(c: PcmkConfig): string {
  const out = ['<configuration>', ...header(c, true).map((l) => `  <!-- ${l} -->`), '  <resources>'];
  for (const p of c.pairs) {
    out.push(`    <clone id="${esc(p.clone)}">`, `      <meta_attributes id="${esc(p.clone)}-meta">`);
    for (const [k, v] of c.meta) out.push(`        <nvpair id="${esc(p.clone)}-${k}" name="${k}" value="${v}"/>`);
    out.push(
      '      </meta_attributes>',
      `      <primitive id="${esc(p.primitive)}" class="ocf" provider="colo" type="${esc(p.agent)}">`,
      '        <operations>',
    );
    for (const o of p.ops)
      out.push(
        `          <op id="${esc(p.primitive)}-${o.key}" name="${o.name}" interval="${o.interval}"${o.role ? ` role="${o.role}"` : ''} timeout="${o.timeout}"/>`,
      );
    out.push('        </operations>', '      </primitive>', '    </clone>');
  }
  out.push('  </resources>', '  <constraints>');
  for (const p of c.pairs)
    for (const n of p.banned)
      out.push(`    <rsc_location id="${esc(p.clone)}-not-${esc(n)}" rsc="${esc(p.clone)}" node="${esc(n)}" score="-INFINITY" resource-discovery="never"/>`);
  out.push('  </constraints>', '</configuration>');
  return `${out.join('\n')}\n`;
}
