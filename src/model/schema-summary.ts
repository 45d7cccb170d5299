/**
 * What a QEMU offers for COLO, read from its `query-qmp-schema`: the commands, migration
 * capabilities and parameters, socket chardev options and block drivers colo decides with.
 * The summary is small (it is cached per QEMU build and recorded per version); the schema is not.
 */
export interface SchemaSummary {
  /** commands colo uses or decides by, those present */
  commands: string[];
  /** MigrationCapability values colo decides by, those present */
  capabilities: string[];
  /** migrate-set-parameters members colo uses, those present */
  parameters: string[];
  /** options of the socket chardev backend colo decides by, those present */
  chardevSocket: string[];
  /** BlockdevDriver values colo uses, those present */
  blockDrivers: string[];
}

/** One entry of query-qmp-schema (SchemaInfo), as far as the summary reads it. */
export interface SchemaEntry {
  name: string;
  'meta-type': string;
  'arg-type'?: string;
  members?: Array<{ name: string; type?: string; case?: string }>;
  values?: string[];
  variants?: Array<{ case: string; type: string }>;
  'element-type'?: string;
}

/** What the summary looks for (a recorded QEMU that offers all of it lists them whole). */
export const COMMANDS = [
  'query-colo-status',
  'x-colo-lost-heartbeat',
  'x-blockdev-change',
  'blockdev-add',
  'blockdev-del',
  'nbd-server-start',
  'nbd-server-add',
  'nbd-server-stop',
  'block-export-add',
  'query-block-exports',
  'drive-mirror',
  'yank',
  'query-yank',
  'human-monitor-command',
  'x-debug-query-block-graph',
  'migrate-incoming',
];
export const CAPABILITIES = ['x-colo', 'return-path', 'multifd', 'events'];
const SOCKET_OPTIONS = ['reconnect', 'reconnect-ms', 'nodelay', 'tls-creds', 'tls-authz'];
export const PARAMETERS = ['x-checkpoint-delay', 'multifd-channels', 'tls-creds', 'tls-hostname', 'tls-authz'];
export const DRIVERS = ['nbd', 'quorum', 'replication', 'qcow2', 'raw'];

class Schema {
  private readonly byName = new Map<string, SchemaEntry>();
  constructor(entries: SchemaEntry[]) {
    for (const e of entries) this.byName.set(e.name, e);
  }
  get(name: string | undefined): SchemaEntry | undefined {
    return name === undefined ? undefined : this.byName.get(name);
  }
  /** the type of member `member` of object `obj`, arrays unwrapped */
  member(obj: SchemaEntry | undefined, member: string): SchemaEntry | undefined {
    const t = this.get(obj?.members?.find((m) => m.name === member)?.type);
    return t?.['meta-type'] === 'array' ? this.get(t['element-type']) : t;
  }
  /** the type of the variant `tag` of a union object */
  variant(obj: SchemaEntry | undefined, tag: string): SchemaEntry | undefined {
    return this.get(obj?.variants?.find((v) => v.case === tag)?.type);
  }
  args(command: string): SchemaEntry | undefined {
    return this.get(this.get(command)?.['arg-type']);
  }
  names(obj: SchemaEntry | undefined): string[] {
    return obj?.['meta-type'] === 'enum' ? [...(obj.values ?? [])] : (obj?.members ?? []).map((m) => m.name);
  }
}

/** The summary of a full query-qmp-schema answer. Pure. */
export function summarizeSchema(entries: SchemaEntry[]): SchemaSummary {
  const s = new Schema(entries);
  const commands = COMMANDS.filter((c) => s.get(c)?.['meta-type'] === 'command');
  const capabilities = s.names(s.member(s.member(s.args('migrate-set-capabilities'), 'capabilities'), 'capability'));
  const params = s.names(s.args('migrate-set-parameters'));
  // chardev-add {backend: {type: 'socket', data: ChardevSocket}}: the wrapper's `data` member
  const socket = s.variant(s.member(s.args('chardev-add'), 'backend'), 'socket');
  const socketOptions = s.names(s.member(socket, 'data') ?? socket);
  const drivers = s.names(s.member(s.args('blockdev-add'), 'driver'));
  return {
    commands,
    capabilities: CAPABILITIES.filter((c) => capabilities.includes(c)),
    parameters: PARAMETERS.filter((p) => params.includes(p)),
    chardevSocket: SOCKET_OPTIONS.filter((o) => socketOptions.includes(o)),
    blockDrivers: DRIVERS.filter((d) => drivers.includes(d)),
  };
}
