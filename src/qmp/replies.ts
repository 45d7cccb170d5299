// QMP replies typed once, at the boundary: each command colo reads, the fields of its answer colo
// uses (as QEMU's schema names them), and a check of its shape when it arrives (QmpClient.execute):
// past this file nothing handles an answer as `any`.

export interface BlockGraphNode {
  id: number;
  type: string;
  name: string;
}
export interface BlockGraphEdge {
  parent: number;
  child: number;
  name: string;
}
export interface NamedBlockNode {
  'node-name': string;
  drv: string;
  file?: string;
  image?: { filename?: string };
}
export interface BlockJobInfo {
  device: string;
  type: string;
  status: string;
  offset: number;
  len: number;
  ready?: boolean;
  error?: string;
}

/** Each command colo sends and reads, with its answer's type. */
export interface QmpReplies {
  'query-version': { qemu: { major: number; minor: number; micro: number }; package: string };
  'query-status': { status: string; running?: boolean };
  'query-colo-status': { mode: string; 'last-mode'?: string; reason?: string };
  'query-migrate': { status?: string; 'error-desc'?: string; ram?: { total?: number; transferred?: number } };
  'query-migrate-capabilities': Array<{ capability: string; state: boolean }>;
  'query-migrate-parameters': Record<string, string | number | boolean | null | undefined>;
  'qom-list': Array<{ name: string; type: string }>;
  'query-chardev': Array<{ label: string; filename: string }>;
  'query-named-block-nodes': NamedBlockNode[];
  'x-debug-query-block-graph': { nodes: BlockGraphNode[]; edges: BlockGraphEdge[] };
  'query-block-exports': Array<{ id: string; type: string; 'node-name': string; 'shutting-down'?: boolean }>;
  'query-block-jobs': BlockJobInfo[];
  'query-yank': Array<{ type: 'migration' } | { type: 'chardev'; id: string } | { type: 'block-node'; 'node-name': string }>;
  'query-qmp-schema': Array<{ name: string; 'meta-type': string } & Record<string, unknown>>;
  'human-monitor-command': string;
  'qom-get': string | number | boolean | null;
}

export type QmpCommand = keyof QmpReplies;

const ARRAYS = new Set<string>([
  'query-migrate-capabilities',
  'qom-list',
  'query-chardev',
  'query-named-block-nodes',
  'query-block-exports',
  'query-block-jobs',
  'query-yank',
  'query-qmp-schema',
]);
const OBJECTS = new Set<string>([
  'query-version',
  'query-status',
  'query-colo-status',
  'query-migrate',
  'query-migrate-parameters',
  'x-debug-query-block-graph',
]);
/** the fields an answer must have, as its type says */
const FIELDS: Partial<Record<QmpCommand, Array<[string, string]>>> = {
  'query-status': [['status', 'string']],
  'query-colo-status': [['mode', 'string']],
};
const ITEM_FIELDS: Partial<Record<QmpCommand, Array<[string, string]>>> = {
  'qom-list': [
    ['name', 'string'],
    ['type', 'string'],
  ],
  'query-chardev': [
    ['label', 'string'],
    ['filename', 'string'],
  ],
  'query-named-block-nodes': [
    ['node-name', 'string'],
    ['drv', 'string'],
  ],
  'query-block-jobs': [
    ['device', 'string'],
    ['status', 'string'],
  ],
  'query-migrate-capabilities': [
    ['capability', 'string'],
    ['state', 'boolean'],
  ],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why an answer to `command` does not have the type colo reads it as (undefined: it does). */
export function replyProblem(command: string, value: unknown): string | undefined {
  if (command === 'human-monitor-command') return typeof value === 'string' ? undefined : 'not text';
  if (ARRAYS.has(command)) {
    if (!Array.isArray(value)) return 'not a list';
    for (const item of value) {
      if (!isObject(item)) return 'an item that is not an object';
      for (const [k, t] of ITEM_FIELDS[command as QmpCommand] ?? []) if (typeof item[k] !== t) return `an item whose ${k} is not a ${t}`;
    }
    return undefined;
  }
  if (OBJECTS.has(command)) {
    if (!isObject(value)) return 'not an object';
    for (const [k, t] of FIELDS[command as QmpCommand] ?? []) if (typeof value[k] !== t) return `its ${k} is not a ${t}`;
    if (command === 'x-debug-query-block-graph' && (!Array.isArray(value.nodes) || !Array.isArray(value.edges))) return 'no nodes and edges';
  }
  return undefined;
}
