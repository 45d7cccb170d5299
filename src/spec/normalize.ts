import { defaultNicIds, defaultNicPorts } from './ids.js';
import { parseSize } from './sizes.js';
import { normalizeTls } from './tls.js';
import type { ExtraFilter, Hook, NetdevSpec, Spec } from './types.js';

/*
 * The raw document after schema validation. The schema is the one source of defaults (ajv fills
 * them in): nothing here repeats one. What is left is derived: per-NIC ids and ports, vnet_hdr_support
 * from colo.compare, sizes in bytes, a string hook run by /bin/sh.
 */
type Raw = any;

function hooks(list: Raw[]): Hook[] {
  return list.map((h) => ({ name: h.name, run: Array.isArray(h.run) ? h.run : ['/bin/sh', '-c', h.run], timeoutMs: h.timeoutMs }));
}

function netdev(raw: Raw, index: number, base: number, vnetHdrDefault: boolean): NetdevSpec {
  const f = raw.filters;
  const extra: ExtraFilter[] = f.extra.map((x: Raw) => ({ id: x.id, type: x.type, side: x.side, props: x.props }));
  return {
    id: raw.id,
    type: raw.type,
    model: raw.model,
    mac: raw.mac,
    romfile: raw.romfile,
    ifname: raw.ifname,
    script: raw.script,
    downscript: raw.downscript,
    bridge: raw.bridge,
    helper: raw.helper,
    vnetHdr: raw.vnetHdr,
    ports: { ...defaultNicPorts(base, index), ...raw.ports },
    ids: { ...defaultNicIds(index), ...f.ids },
    vnetHdrSupport: f.vnetHdrSupport ?? vnetHdrDefault,
    compare: { ...f.compare },
    extraFilters: extra,
  };
}

/** Turns a schema-valid document (its defaults filled in) into the Spec the model works from. */
export function normalize(raw: Raw): Spec {
  const s = raw.spec;
  const q = s.qemu;
  const spec: Spec = {
    apiVersion: raw.apiVersion,
    kind: raw.kind,
    name: raw.metadata.name,
    qemu: {
      version: q.version,
      accel: q.accel,
      memory: String(q.memory),
      memoryBytes: parseSize(q.memory) ?? 0,
      smp: q.smp,
      cpu: q.cpu,
      binary: q.binary,
      machine: q.machine,
      kernel: q.kernel,
      initrd: q.initrd,
      append: q.append,
      extraArgs: q.extraArgs,
    },
    nodes: s.nodes.map((n: Raw) => ({
      name: n.name,
      role: n.role,
      host: n.host,
      qmp: n.qmp,
      workdir: n.workdir,
      netns: n.netns,
      netdevs: n.netdevs,
      ...(n.fence ? { fence: { run: Array.isArray(n.fence.run) ? n.fence.run : ['/bin/sh', '-c', n.fence.run], timeoutMs: n.fence.timeoutMs } } : {}),
    })),
    disks: s.disks.map((d: Raw) => ({ id: d.id, size: String(d.size), sizeBytes: parseSize(d.size) ?? 0, format: d.format, interface: d.interface })),
    netdevs: s.netdevs.map((n: Raw, i: number) => netdev(n, i, s.ports.base, s.colo.compare.vnetHdr)),
    ports: { ...s.ports },
    colo: {
      checkpointDelayMs: s.colo.checkpointDelayMs,
      resumeDowntimeLimitMs: s.colo.resumeDowntimeLimitMs,
      primaryChild: s.colo.primaryChild,
      compare: { ...s.colo.compare },
    },
    hooks: { afterFailover: hooks(s.hooks.afterFailover), beforeResume: hooks(s.hooks.beforeResume) },
  };
  return normalizeTls(spec, s.tls);
}
