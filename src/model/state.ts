/** The shape both the desired state (model/) and the observed state (observe/) are expressed in. */

export type ResourceKind =
  'chardev' | 'object' | 'filter-order' | 'block-node' | 'block-child' | 'nbd-server' | 'nbd-export' | 'capability' | 'parameter' | 'colo';

export type Scalar = string | number | boolean;

export interface Resource {
  /** stable address, e.g. a/object/m0, b/chardev/red0, a/block/colo-disk0/children.1 */
  address: string;
  node: string;
  kind: ResourceKind;
  /** the QEMU id (object, chardev, export, block node) or the name (capability, parameter, disk/child) */
  id: string;
  value: Record<string, Scalar | string[]>;
  /** desired state only: the QMP arguments that create it (chardev-add, object-add); never compared */
  recipe?: Record<string, unknown>;
}

export type ResourceMap = Record<string, Resource>;

export function addressOf(node: string, kind: ResourceKind, id: string): string {
  switch (kind) {
    case 'chardev':
      return `${node}/chardev/${id}`;
    case 'object':
      return `${node}/object/${id}`;
    case 'filter-order':
      return `${node}/netdev/${id}/filters`;
    case 'block-node':
      return `${node}/block-node/${id}`;
    case 'block-child':
      return `${node}/block/${id}`;
    case 'nbd-server':
      return `${node}/nbd-server`;
    case 'nbd-export':
      return `${node}/nbd-export/${id}`;
    case 'capability':
      return `${node}/migration/capability/${id}`;
    case 'parameter':
      return `${node}/migration/parameter/${id}`;
    case 'colo':
      return `${node}/colo`;
  }
}

export function resource(node: string, kind: ResourceKind, id: string, value: Resource['value']): Resource {
  return { address: addressOf(node, kind, id), node, kind, id, value };
}

export function toMap(list: Resource[]): ResourceMap {
  const map: ResourceMap = {};
  for (const r of list) map[r.address] = r;
  return map;
}
