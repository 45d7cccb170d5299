import type { QemuVersion } from './profile.js';
import type { SchemaSummary } from './schema-summary.js';
import type { ResourceMap } from './state.js';

/** Observed state: what observe/ reads over QMP, or what an offline plan assumes (plan/assume.ts). */
/** busy: another colo process holds the node's monitor (QEMU serves one client); the node is alive, not hung */
export type Reach = 'ok' | 'unreachable' | 'hung' | 'busy';

export interface BlockJob {
  id: string;
  type: string;
  status: string;
  offset: number;
  len: number;
}

/** query-migrate states of a migration under way (before COLO runs). */
export const MIGRATING = new Set(['setup', 'active', 'pre-switchover', 'device', 'wait-unplug']);

/** A migration under way, or already in COLO: no second `migrate`, no parameter change before it. */
export function migrationBusy(status: string | undefined): boolean {
  return status === 'colo' || MIGRATING.has(status ?? '');
}

/**
 * Where a hung node went silent: no connection in time (`connect`), connected but no QMP greeting
 * (`greeting`: QEMU's main loop is stopped, or its host is frozen), a command or event not answered
 * (`reply`), the listen backlog full (`backlog`), or a route that fails (`path`: maybe alive behind it).
 */
export type Silence = 'connect' | 'greeting' | 'reply' | 'backlog' | 'path';

/** What `yank` can cut on a node (query-yank): the migration, a chardev, an NBD block node. */
export type YankInstance = { type: 'migration' } | { type: 'chardev'; id: string } | { type: 'block-node'; 'node-name': string };

/** One node as read over QMP (observe/) or as assumed offline (plan/assume.ts). */
export interface ObservedNode {
  name: string;
  reach: Reach;
  /** why the node is unreachable or hung */
  error?: string;
  /** a hung node: where it went silent (set with reach 'hung') */
  silence?: Silence;
  version?: QemuVersion;
  /** the build (query-version's package) */
  package?: string;
  /** what this QEMU offers (its query-qmp-schema, summarised; cached per build) */
  schema?: SchemaSummary;
  /** the connections `yank` can cut */
  yank?: YankInstance[];
  /** the machine type the VM runs (qom-get /machine type, without the -machine suffix) */
  machine?: string;
  runstate?: string;
  colo?: { mode: string; lastMode?: string; reason?: string };
  /**
   * the outgoing migration: its status, whether it stops before its switchover (pause-before-switchover
   * on) and its downtime-limit (ms), which a resume sets (plan/kinds/switchover.ts)
   */
  migration?: { status?: string; pauseBeforeSwitchover?: boolean; downtimeLimit?: number };
  resources: ResourceMap;
  jobs: BlockJob[];
  /** the silent replication hang (top-id not the quorum root) persisted across two reads */
  hangSignature?: boolean;
}
