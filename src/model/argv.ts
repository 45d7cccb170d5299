import type { NetdevSpec, NodeSpec, Role, Spec } from '../spec/types.js';
import { hostPort } from '../addr/hosts.js';
import { prepareCommands, type PrepareCommand } from './disk.js';
import { optValue } from './option-value.js';
import { chardevArg, objectArg } from './nic.js';
import { driveArgs, nicRoles, peerOf } from './node-role.js';
import type { Profile } from './profile.js';
import { memoryArg } from '../spec/sizes.js';
import { migrationTlsArgs, monitorArgs, tlsObjectArgs } from './tls.js';

/**
 * The monitor; on TCP with nodelay=on: QEMU answers a burst of reads one write per answer, and with
 * Nagle's algorithm on, every answer after the first waits for the client's delayed ACK (40 ms on
 * Linux), so a burst of 15 reads took 45 ms where 15 sent one by one took 25 and with nodelay 8–12.
 */
function qmpArg(node: NodeSpec): string {
  return `${node.qmp},server=on,wait=off${node.qmp.startsWith('tcp:') ? ',nodelay=on' : ''}`;
}

function netdevArg(base: NetdevSpec, self: NodeSpec): string {
  const n = { ...base, ...self.netdevs[base.id] };
  switch (n.type) {
    case 'user':
      return `user,id=${n.id}`;
    case 'tap': {
      // the seed's form: the helper makes the tap and puts it on br= (QEMU's default br0 when absent)
      if (n.helper !== undefined) return `tap,id=${n.id},vhost=off,helper=${optValue(n.helper)}${n.bridge ? `,br=${n.bridge}` : ''}`;
      let a = `tap,id=${n.id},ifname=${n.ifname},script=${optValue(n.script ?? 'no')},downscript=${optValue(n.downscript ?? 'no')},vhost=off`;
      if (n.vnetHdr !== undefined) a += `,vnet_hdr=${n.vnetHdr ? 'on' : 'off'}`;
      return a;
    }
    case 'bridge':
      return `bridge,id=${n.id},br=${n.bridge}${n.helper ? `,helper=${optValue(n.helper)}` : ''}`;
  }
}

function deviceArg(n: NetdevSpec, index: number): string {
  let a = `${n.model},id=e${index},netdev=${n.id}`;
  if (n.mac) a += `,mac=${n.mac}`;
  if (n.romfile !== undefined) a += `,romfile=${optValue(n.romfile)}`;
  return a;
}

/** The guest's serial console, kept in the node's work directory. */
export function serialLog(node: NodeSpec): string {
  return node.workdir.endsWith('/') ? `${node.workdir}serial.log` : `${node.workdir}/serial.log`;
}

export interface NodeArgs {
  argv: string[];
  prepare: PrepareCommand[];
}

/**
 * The QEMU command line of `self` in `role` (the primary waits with -S, the secondary with -incoming),
 * and the images to prepare before it starts.
 */
export function nodeArgs(spec: Spec, profile: Profile, self: NodeSpec, role: Role): NodeArgs {
  const q = spec.qemu;
  const primary = role === 'primary' ? self : peerOf(spec, self.name);
  const argv: string[] = [q.binary, '-accel', q.accel];
  if (q.machine) argv.push('-machine', q.machine);
  argv.push('-cpu', q.cpu, '-m', memoryArg(q.memoryBytes), '-smp', String(q.smp), '-display', 'none', '-nodefaults', '-name', `${spec.name}-${self.name}`);
  argv.push(...tlsObjectArgs(spec, self));
  argv.push(...(monitorArgs(spec, self) ?? ['-qmp', qmpArg(self)]), '-serial', `file:${optValue(serialLog(self))}`);
  if (q.kernel) argv.push('-kernel', q.kernel);
  if (q.initrd) argv.push('-initrd', q.initrd);
  if (q.append !== undefined) argv.push('-append', q.append);
  spec.netdevs.forEach((n, i) => argv.push('-netdev', netdevArg(n, self), '-device', deviceArg(n, i)));
  for (const nic of nicRoles(spec, self, role, primary)) {
    for (const c of nic.chardevs) argv.push('-chardev', chardevArg(c, profile));
    for (const o of nic.objects) argv.push('-object', objectArg(o));
  }
  argv.push(...driveArgs(spec, self, role));
  argv.push(...migrationTlsArgs(spec, self, role));
  argv.push(...q.extraArgs);
  if (role === 'primary') argv.push('-S');
  else argv.push('-incoming', `tcp:${hostPort(self.host, spec.ports.migration)}`);
  return { argv, prepare: spec.disks.flatMap((d) => prepareCommands(self, d, role)) };
}
