import { defaultNicIds, defaultNicPorts } from './ids.js';
import { parseSize } from './sizes.js';
import { normalizeTls } from './tls.js';
import type { ExtraFilter, Hook, NetdevSpec, Spec } from './types.js';

/* The raw document after schema validation (schema defaults already filled in). */
type Raw = any;

function hooks(list: Raw[] | undefined): Hook[] {
  return (list ?? []).map((h) => ({
    name: h.name,
    run: Array.isArray(h.run) ? h.run : ['/bin/sh', '-c', h.run],
    timeoutMs: h.timeoutMs ?? 10000,
  }));
}

function netdev(raw: Raw, index: number, base: number, vnetHdrDefault: boolean): NetdevSpec {
  const f = raw.filters ?? {};
  const extra: ExtraFilter[] = (f.extra ?? []).map((x: Raw) => ({ id: x.id, type: x.type, on: x.on ?? 'primary', props: x.props ?? {} }));
  return {
    id: raw.id,
    type: raw.type,
    model: raw.model ?? 'rtl8139',
    mac: raw.mac,
    romfile: raw.romfile,
    ifname: raw.ifname,
    script: raw.script,
    downscript: raw.downscript,
    bridge: raw.bridge,
    helper: raw.helper,
    vnetHdr: raw.vnetHdr,
    ports: { ...defaultNicPorts(base, index), ...(raw.ports ?? {}) },
    ids: { ...defaultNicIds(index), ...(f.ids ?? {}) },
    vnetHdrSupport: f.vnetHdrSupport ?? vnetHdrDefault,
    compare: { ...(f.compare ?? {}) },
    extraFilters: extra,
  };
}

/** Turns a schema-valid document into the Spec the model works from. */
export function normalize(raw: Raw): Spec {
  const s = raw.spec;
  const q = s.qemu ?? {};
  const ports = { migration: 9998, nbd: 9999, base: 9001, ...(s.ports ?? {}) };
  const colo = s.colo ?? {};
  const compare = { vnetHdr: false, ...(colo.compare ?? {}) };
  const spec: Spec = {
    apiVersion: raw.apiVersion,
    kind: raw.kind,
    name: raw.metadata.name,
    qemu: {
      version: q.version ?? '7.2',
      accel: q.accel ?? 'kvm',
      memory: String(q.memory ?? '128M'),
      smp: q.smp ?? 1,
      cpu: q.cpu ?? 'qemu64',
      binary: q.binary ?? 'qemu-system-x86_64',
      machine: q.machine,
      kernel: q.kernel,
      initrd: q.initrd,
      append: q.append,
      extraArgs: q.extraArgs ?? [],
    },
    nodes: s.nodes.map((n: Raw) => ({ name: n.name, role: n.role, host: n.host, qmp: n.qmp, workdir: n.workdir, netns: n.netns, netdevs: n.netdevs ?? {} })),
    disks: s.disks.map((d: Raw) => ({
      id: d.id,
      size: String(d.size),
      sizeBytes: parseSize(d.size) ?? 0,
      format: d.format ?? 'qcow2',
      interface: d.interface ?? 'ide',
    })),
    netdevs: s.netdevs.map((n: Raw, i: number) => netdev(n, i, ports.base, compare.vnetHdr)),
    ports,
    colo: { checkpointDelayMs: colo.checkpointDelayMs ?? 20000, compare },
    hooks: { afterFailover: hooks(s.hooks?.afterFailover), beforeResume: hooks(s.hooks?.beforeResume) },
  };
  return normalizeTls(spec, s.tls);
}
