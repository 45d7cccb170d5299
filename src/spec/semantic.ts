import { isNoOpCommand } from './commands.js';
import type { ProblemList } from './errors.js';
import { defaultNicPorts, diskIds, YANK_MONITOR_ID } from './ids.js';
import { parseQmpAddress } from '../addr/qmp-address.js';
import { canonicalPath, sameHost } from '../addr/hosts.js';
import { shown } from './display.js';
import { MAX_DISK_BYTES } from './limits.js';
import { MIB, sizeTooLarge } from './sizes.js';
import type { Spec } from './types.js';
import { isHost, isPort } from './values.js';
import { checkWarnings } from './warnings.js';

const NIC_PORT_NAMES = ['primaryIn', 'mirror', 'secondaryIn', 'compareOut'] as const;

export { sameHost };

/** Rules a schema cannot express. Paths point at the raw document, whose arrays the Spec keeps in order. */
export function checkSemantics(spec: Spec, problems: ProblemList): void {
  const [n0, n1] = spec.nodes;

  if (n0.name === n1.name) {
    problems.add('DUPLICATE_NODE_NAME', '/spec/nodes/1/name', `node name "${n1.name}" is used twice (first at /spec/nodes/0/name)`);
  }
  const primaries = spec.nodes.filter((n) => n.role === 'primary').length;
  if (primaries !== 1) {
    problems.add(
      'ROLE_COUNT',
      '/spec/nodes/1/role',
      `exactly one node must have role primary and one role secondary; found ${primaries} primary and ${2 - primaries} secondary`,
    );
  }

  // Sizes: one convention (a number is bytes), memory in whole MiB as -m takes it
  const mem = spec.qemu.memoryBytes;
  if (!mem && sizeTooLarge(spec.qemu.memory)) {
    problems.add('INVALID_SIZE', '/spec/qemu/memory', `memory ${shown(spec.qemu.memory)} is too large: more bytes than colo counts exactly (2^53)`);
  } else if (!mem || mem < 16 * MIB) {
    problems.add(
      'INVALID_SIZE',
      '/spec/qemu/memory',
      `memory ${shown(spec.qemu.memory)} is ${mem} bytes, too little to boot (at least 16M; a number is bytes, write 128M for 128 MiB)`,
    );
  } else if (mem % MIB !== 0) {
    problems.add('INVALID_SIZE', '/spec/qemu/memory', `memory ${shown(spec.qemu.memory)} is not a whole number of MiB, which is what -m takes (e.g. 128M, 2G)`);
  }
  spec.disks.forEach((d, i) => {
    if ((!d.sizeBytes && sizeTooLarge(d.size)) || d.sizeBytes > MAX_DISK_BYTES) {
      problems.add(
        'INVALID_SIZE',
        `/spec/disks/${i}/size`,
        `disk ${d.id}: size ${shown(d.size)} is too large: the secondary's active and hidden images are qcow2, which holds at most 2048T (2 PiB)`,
      );
    } else if (!d.sizeBytes || d.sizeBytes < 512 * 1024) {
      problems.add('INVALID_SIZE', `/spec/disks/${i}/size`, `disk ${d.id}: size ${shown(d.size)} is too small (at least 512K, e.g. 64M; a number is bytes)`);
    }
  });

  // Hosts land inside QEMU options (host=, tcp:HOST:PORT, HMP file.host=): an IP literal or DNS name only
  spec.nodes.forEach((n, i) => {
    if (!isHost(n.host)) problems.add('INVALID_HOST', `/spec/nodes/${i}/host`, `host ${shown(n.host)} is not an IP address or a DNS name`);
  });

  // A fence must do something: colo takes its exit status 0 for "the node is off"
  spec.nodes.forEach((n, i) => {
    if (n.fence && isNoOpCommand(n.fence.run))
      problems.add(
        'FENCE_NO_OP',
        `/spec/nodes/${i}/fence/run`,
        `node ${n.name}: fence ${shown(n.fence.run.length === 3 && n.fence.run[1] === '-c' ? n.fence.run[2] : n.fence.run)} does nothing and exits 0, which a failover would take for "${n.name} is off": name a command that powers it off (IPMI, Redfish, the hypervisor), or leave fence out and use --no-fence once you made sure`,
      );
  });

  // QMP addresses
  spec.nodes.forEach((n, i) => {
    const q = parseQmpAddress(n.qmp);
    if (!q)
      problems.add('SCHEMA_PATTERN', `/spec/nodes/${i}/qmp`, `qmp ${shown(n.qmp)} must be unix:/path, tcp:host:port or tls:host:port (no spaces or commas)`);
    else if (q.kind === 'unix' && !q.path.startsWith('/'))
      problems.add(
        'RELATIVE_PATH',
        `/spec/nodes/${i}/qmp`,
        `qmp socket ${shown(q.path)} is not an absolute path: colo, QEMU (daemonized into /) and Pacemaker run in other directories`,
      );
    else if (q.kind !== 'unix' && !isHost(q.host))
      problems.add('INVALID_HOST', `/spec/nodes/${i}/qmp`, `qmp host ${shown(q.host)} is not an IP address or a DNS name`);
  });
  const [u0, u1] = spec.nodes.map((n) => parseQmpAddress(n.qmp));
  if (u0?.kind === 'unix' && u1?.kind === 'unix' && canonicalPath(u0.path) === canonicalPath(u1.path) && sameHost(n0.host, n1.host)) {
    problems.add('PORT_COLLISION', '/spec/nodes/1/qmp', `both nodes use the QMP socket ${shown(canonicalPath(u1.path))} on one host`);
  }
  if (canonicalPath(n0.workdir) === canonicalPath(n1.workdir) && sameHost(n0.host, n1.host)) {
    problems.add('DUPLICATE_ID', '/spec/nodes/1/workdir', `both nodes use the work directory ${n1.workdir}; their images would overwrite each other`);
  }

  // Every QEMU id, across disks, derived block nodes, netdevs, filters and chardevs
  const ids = new Map<string, string>();
  const claim = (id: string, path: string, what: string) => {
    const first = ids.get(id);
    if (id === YANK_MONITOR_ID) problems.add('DUPLICATE_ID', path, `id "${id}" (${what}) is taken by the yank monitor colo gives every QEMU; choose another`);
    else if (first !== undefined) problems.add('DUPLICATE_ID', path, `id "${id}" (${what}) is already used at ${first}`);
    else ids.set(id, path);
  };
  spec.disks.forEach((d, i) => {
    claim(d.id, `/spec/disks/${i}/id`, 'disk');
    for (const [k, v] of Object.entries(diskIds(i))) claim(v, `/spec/disks/${i}/id`, `${k} node of disk ${d.id}`);
  });
  spec.netdevs.forEach((n, i) => {
    claim(n.id, `/spec/netdevs/${i}/id`, 'netdev');
    for (const [k, v] of Object.entries(n.ids)) claim(v, `/spec/netdevs/${i}/filters/ids/${k}`, `${k} of netdev ${n.id}`);
    n.extraFilters.forEach((f, j) => claim(f.id, `/spec/netdevs/${i}/filters/extra/${j}/id`, `${f.type} on netdev ${n.id}`));
  });

  // Ports: everything the pair binds must be distinct (nodes may swap roles after a failover)
  const ports = new Map<number, string>();
  const bind = (port: number, path: string, what: string) => {
    const first = ports.get(port);
    if (first !== undefined) problems.add('PORT_COLLISION', path, `port ${port} (${what}) collides with ${first}`);
    else ports.set(port, `${what} at ${path}`);
  };
  bind(spec.ports.migration, '/spec/ports/migration', 'migration');
  bind(spec.ports.nbd, '/spec/ports/nbd', 'NBD');
  spec.netdevs.forEach((n, i) => {
    const derived = defaultNicPorts(spec.ports.base, i);
    const outOfRange: string[] = [];
    let outPath = '';
    for (const name of NIC_PORT_NAMES) {
      // a port the netdev does not set comes from ports.base: point there, not at a key the file lacks
      const path = n.ports[name] === derived[name] ? '/spec/ports/base' : `/spec/netdevs/${i}/ports/${name}`;
      if (!isPort(n.ports[name])) {
        outOfRange.push(`${name} ${n.ports[name]}`);
        outPath ||= path;
        continue;
      }
      bind(n.ports[name], path, `${name} chardev of netdev ${n.id}`);
    }
    if (outOfRange.length) {
      problems.add(
        'PORT_RANGE',
        outPath,
        `netdev ${n.id}: derived chardev ports past 65535 (${outOfRange.join(', ')}): with ${spec.netdevs.length} NIC(s) ports.base may be at most ${65536 - 5 * spec.netdevs.length}`,
      );
    }
  });
  // A TCP QMP monitor binds on its own host: it collides with the other node's monitor on the same
  // host and port, and with the pair's ports (after a failover either node binds all of them).
  const [q0, q1] = spec.nodes.map((n) => parseQmpAddress(n.qmp));
  [q0, q1].forEach((q, i) => {
    if (q?.kind !== 'tcp' && q?.kind !== 'tls') return;
    const path = `/spec/nodes/${i}/qmp`;
    const pairPort = ports.get(q.port);
    if (pairPort !== undefined) problems.add('PORT_COLLISION', path, `port ${q.port} (QMP of node ${spec.nodes[i].name}) collides with ${pairPort}`);
  });
  if (q0 && q1 && q0.kind !== 'unix' && q1.kind !== 'unix' && q0.port === q1.port && sameHost(q0.host, q1.host)) {
    problems.add('PORT_COLLISION', '/spec/nodes/1/qmp', `port ${q1.port} (QMP of node ${n1.name}) collides with the QMP of node ${n0.name} on the same host`);
  }

  // Netdev options
  spec.netdevs.forEach((n, i) => {
    const raw = `/spec/netdevs/${i}`;
    if (n.type !== 'tap') {
      for (const k of ['ifname', 'script', 'downscript', 'vnetHdr'] as const) {
        if (n[k] !== undefined)
          problems.add('NETDEV_OPTION', `${raw}/${k}`, `netdev ${n.id}: "${k}" applies to type tap only (this one is ${n.type})`, { key: true });
      }
    }
    if (n.type === 'user') {
      for (const k of ['bridge', 'helper'] as const) {
        if (n[k] !== undefined)
          problems.add('NETDEV_OPTION', `${raw}/${k}`, `netdev ${n.id}: "${k}" applies to types bridge and tap only (this one is ${n.type})`, { key: true });
      }
    }
    // QEMU's tap takes a helper that makes the tap and puts it on br= (the seed's own NIC), or a named tap
    if (n.type === 'tap' && n.helper !== undefined) {
      for (const k of ['ifname', 'script', 'downscript', 'vnetHdr'] as const) {
        if (n[k] !== undefined)
          problems.add('NETDEV_OPTION', `${raw}/${k}`, `netdev ${n.id}: "${k}" is invalid with "helper" (the helper makes the tap; QEMU refuses both)`, {
            key: true,
          });
      }
    }
    if (n.type === 'tap' && n.helper === undefined && n.bridge !== undefined)
      problems.add(
        'NETDEV_OPTION',
        `${raw}/bridge`,
        `netdev ${n.id}: "bridge" on a tap is the bridge its "helper" joins; give the helper too, or use type bridge`,
        { key: true },
      );
    if (n.type === 'tap' && n.helper === undefined && !n.ifname && !spec.nodes.every((node) => node.netdevs[n.id]?.ifname))
      problems.add('NETDEV_OPTION', raw, `netdev ${n.id}: a tap netdev needs "ifname" (COLO runs it with script=no), or a "helper" that makes it`);
    if (n.type === 'bridge' && !n.bridge) problems.add('NETDEV_OPTION', raw, `netdev ${n.id}: a bridge netdev needs "bridge"`);
    // References of extra filters
    const chardevs = new Set(
      Object.entries(n.ids)
        .filter(([k]) => /Chardev|Client/.test(k))
        .map(([, v]) => v),
    );
    n.extraFilters.forEach((f, j) => {
      for (const key of ['indev', 'outdev'] as const) {
        const ref = f.props[key];
        if (ref !== undefined && !chardevs.has(String(ref))) {
          problems.add(
            'UNKNOWN_REFERENCE',
            `${raw}/filters/extra/${j}/props/${key}`,
            `filter ${f.id}: ${key} ${shown(ref)} is not a chardev of netdev ${n.id} (known: ${[...chardevs].join(', ')})`,
          );
        }
      }
      if (f.props.netdev !== undefined && f.props.netdev !== n.id) {
        problems.add(
          'UNKNOWN_REFERENCE',
          `${raw}/filters/extra/${j}/props/netdev`,
          `filter ${f.id}: netdev ${shown(f.props.netdev)} must be the netdev it is declared on (${n.id}); leave it out`,
        );
      }
    });
  });

  spec.nodes.forEach((node, i) => {
    for (const [id, o] of Object.entries(node.netdevs)) {
      const n = spec.netdevs.find((x) => x.id === id);
      if (!n) {
        problems.add(
          'UNKNOWN_REFERENCE',
          `/spec/nodes/${i}/netdevs/${id.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          `node ${node.name}: no netdev ${shown(id)} (netdevs: ${spec.netdevs.map((x) => x.id).join(', ')})`,
          { key: true },
        );
        continue;
      }
      if (o.ifname !== undefined && n.type === 'tap' && n.helper !== undefined)
        problems.add('NETDEV_OPTION', `/spec/nodes/${i}/netdevs/${id}/ifname`, `node ${node.name}: "ifname" is invalid with the helper of ${id}`, {
          key: true,
        });
      if (o.ifname !== undefined && n.type !== 'tap')
        problems.add('NETDEV_OPTION', `/spec/nodes/${i}/netdevs/${id}/ifname`, `node ${node.name}: "ifname" applies to tap netdevs only (${id} is ${n.type})`, {
          key: true,
        });
      if (o.bridge !== undefined && n.type !== 'bridge' && !(n.type === 'tap' && n.helper !== undefined))
        problems.add(
          'NETDEV_OPTION',
          `/spec/nodes/${i}/netdevs/${id}/bridge`,
          `node ${node.name}: "bridge" applies to bridge netdevs only (${id} is ${n.type})`,
          { key: true },
        );
    }
  });

  // colo-compare's max_queue_size is a global of QEMU's net/colo-compare.c: the last colo-compare
  // created sets it for every NIC, so NICs cannot differ
  const queueSizes = spec.netdevs.map((n) => n.compare.maxQueueSize ?? spec.colo.compare.maxQueueSize);
  if (new Set(queueSizes).size > 1) {
    const i = spec.netdevs.findIndex((n) => n.compare.maxQueueSize !== undefined);
    problems.add(
      'QUEUE_SIZE_CONFLICT',
      `/spec/netdevs/${i}/filters/compare/maxQueueSize`,
      `NICs ask for different colo-compare max_queue_size (${queueSizes.map((q, j) => `${spec.netdevs[j].id}: ${q ?? 'default'}`).join(', ')}), but QEMU keeps one per process (the last colo-compare sets it for all): set it once in colo.compare`,
    );
  }

  for (const k of ['initrd', 'append'] as const) {
    if (spec.qemu[k] !== undefined && !spec.qemu.kernel) {
      problems.add('UNKNOWN_REFERENCE', `/spec/qemu/${k}`, `qemu.${k} needs qemu.kernel`, { key: true });
    }
  }

  checkWarnings(spec, problems);
}

/** vhost is not in the Spec (it must be off); the raw value is checked here. */
export function checkVhost(raw: any, problems: ProblemList): void {
  const netdevs = raw?.spec?.netdevs;
  if (!Array.isArray(netdevs)) return;
  netdevs.forEach((n: any, i: number) => {
    if (n?.vhost === true) {
      problems.add(
        'VHOST_ON_TAP',
        `/spec/netdevs/${i}/vhost`,
        `netdev ${n.id}: vhost must be off: COLO's filters cannot see packets that vhost moves in the kernel`,
      );
    }
  });
}
