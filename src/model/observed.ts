import type { QemuVersion } from './profile.js';
import type { SchemaSummary } from './schema-summary.js';
import type { ResourceMap } from './state.js';

/** Observed state: what observe/ reads over QMP, or what an offline plan assumes (plan/assume.ts). */
export type Reach = 'ok' | 'unreachable' | 'hung';

export interface BlockJob {
  id: string;
  type: string;
  status: string;
  offset: number;
  len: number;
}

/** One node as read over QMP (observe/) or as assumed offline (plan/assume.ts). */
export interface ObservedNode {
  name: string;
  reach: Reach;
  /** why the node is unreachable or hung */
  error?: string;
  version?: QemuVersion;
  /** the build (query-version's package) */
  package?: string;
  /** what this QEMU offers (its query-qmp-schema, summarised; cached per build) */
  schema?: SchemaSummary;
  /** the machine type the VM runs (qom-get /machine type, without the -machine suffix) */
  machine?: string;
  runstate?: string;
  colo?: { mode: string; lastMode?: string; reason?: string };
  migration?: { status?: string };
  resources: ResourceMap;
  jobs: BlockJob[];
  /** the FIX 1 signature persisted across two reads */
  hangSignature?: boolean;
}
