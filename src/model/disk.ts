import { hostPort } from '../addr/hosts.js';
import { optValue } from './option-value.js';
import { diskIds } from '../spec/ids.js';
import { formatSize } from '../spec/sizes.js';
import type { DiskSpec, NodeSpec, Spec } from '../spec/types.js';
import { resource, type Resource } from './state.js';
import { nbdClientTls } from './tls.js';

function join(dir: string, file: string): string {
  return dir.endsWith('/') ? dir + file : `${dir}/${file}`;
}

/** Image files of one disk on one node. The parent image has the same name on either role. */
export function diskImages(node: NodeSpec, d: DiskSpec) {
  return {
    parent: join(node.workdir, `${d.id}.${d.format}`),
    active: join(node.workdir, `${d.id}-active.qcow2`),
    hidden: join(node.workdir, `${d.id}-hidden.qcow2`),
  };
}

/** Primary: a quorum whose first child is the node's own image; the replication child is added over QMP. */
export function primaryDriveArgs(node: NodeSpec, d: DiskSpec): string[] {
  const img = diskImages(node, d);
  return [
    '-drive',
    `if=${d.interface},id=${d.id},driver=quorum,read-pattern=fifo,vote-threshold=1,children.0.file.filename=${optValue(img.parent)},children.0.driver=${d.format}`,
  ];
}

/**
 * Secondary: parent image, replication node over active → hidden → parent, and the quorum on top.
 * top-id names the quorum (a root node): naming childs0 makes replication_start fail silently on 7.2.
 */
export function secondaryDriveArgs(node: NodeSpec, d: DiskSpec, index: number): string[] {
  const img = diskImages(node, d);
  const ids = diskIds(index);
  return [
    '-drive',
    `if=none,id=${ids.parent},file.filename=${optValue(img.parent)},driver=${d.format}`,
    '-drive',
    `if=none,id=${ids.childs},driver=replication,mode=secondary,file.driver=qcow2,top-id=${d.id},` +
      `file.file.filename=${optValue(img.active)},file.backing.driver=qcow2,file.backing.file.filename=${optValue(img.hidden)},file.backing.backing=${ids.parent}`,
    '-drive',
    `if=${d.interface},id=${d.id},driver=quorum,read-pattern=fifo,vote-threshold=1,children.0=${ids.childs}`,
  ];
}

/** One disk's image preparation for a role: the parent image only when it does not exist yet. */
export interface PrepareCommand {
  argv: string[];
  /** the file it creates */
  creates: string;
  /** false: skipped when the file exists (a parent image holds the guest's data) */
  overwrite: boolean;
  /** the virtual size it is created with */
  sizeBytes: number;
}

export function prepareCommands(node: NodeSpec, d: DiskSpec, role: 'primary' | 'secondary'): PrepareCommand[] {
  const img = diskImages(node, d);
  const size = formatSize(d.sizeBytes);
  const sizeBytes = d.sizeBytes;
  const out: PrepareCommand[] = [{ argv: ['qemu-img', 'create', '-f', d.format, img.parent, size], creates: img.parent, overwrite: false, sizeBytes }];
  if (role === 'secondary') {
    // active and hidden must have the parent's virtual size, and start empty
    out.push({ argv: ['qemu-img', 'create', '-f', 'qcow2', img.active, size], creates: img.active, overwrite: true, sizeBytes });
    out.push({ argv: ['qemu-img', 'create', '-f', 'qcow2', img.hidden, size], creates: img.hidden, overwrite: true, sizeBytes });
  }
  return out;
}

export function nbdTarget(secondary: NodeSpec, spec: Spec, index: number): string {
  return `nbd://${hostPort(secondary.host, spec.ports.nbd)}/${diskIds(index).parent}`;
}

/**
 * The primary's replication child of disk `index`: children.1 of its quorum, writing to the
 * secondary's export. Either layout is this child (QEMU's replication driver over NBD, or the plain
 * NBD node of QEMU 11's document): the target is what is compared.
 */
export function replicationChild(primary: NodeSpec, secondary: NodeSpec, spec: Spec, d: DiskSpec, index: number): Resource {
  return resource(primary.name, 'block-child', `${d.id}/children.1`, { target: nbdTarget(secondary, spec, index) });
}

/** What QEMU shows once the child of disk `index` is attached in `layout`: its block node and the child edge. */
export function attachedChild(primary: NodeSpec, secondary: NodeSpec, spec: Spec, d: DiskSpec, index: number, layout: 'nbd' | 'replication'): Resource[] {
  const id = layout === 'nbd' ? diskIds(index).nbd : diskIds(index).replication;
  const child = replicationChild(primary, secondary, spec, d, index);
  return [resource(primary.name, 'block-node', id, { driver: layout }), { ...child, value: { node: id, driver: layout, ...child.value } }];
}

/** blockdev-add of the plain NBD node (QEMU 11's documented primary layout, measured on 7.2 and 11.1). */
export function nbdChildArgs(secondary: NodeSpec, spec: Spec, index: number): Record<string, unknown> {
  return {
    driver: 'nbd',
    'node-name': diskIds(index).nbd,
    server: { type: 'inet', host: secondary.host, port: String(spec.ports.nbd) },
    export: diskIds(index).parent,
    'detect-zeroes': 'on',
    ...nbdClientTls(spec),
  };
}

/** HMP drive_add of the primary's replication node (QMP has no equivalent on 7.2). */
export function driveAddCommand(secondary: NodeSpec, spec: Spec, index: number): string {
  const ids = diskIds(index);
  return (
    `drive_add -n buddy driver=replication,mode=primary,file.driver=nbd,file.host=${secondary.host},` +
    `file.port=${spec.ports.nbd},file.export=${ids.parent},node-name=${ids.replication}` +
    Object.entries(nbdClientTls(spec))
      .map(([k, v]) => `,file.${k}=${v}`)
      .join('')
  );
}
