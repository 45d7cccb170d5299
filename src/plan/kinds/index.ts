import type { KindPolicy } from '../../diff/types.js';
import { KIND_FACTS } from '../../model/resource-kinds.js';
import type { ResourceKind } from '../../model/state.js';
import { blockChildKind, blockNodeKind } from './block.js';
import { chardevKind } from './chardev.js';
import { coloKind } from './colo.js';
import type { ResourceKindPlanner } from './context.js';
import { capabilityKind, parameterKind } from './migration.js';
import { nbdExportKind, nbdServerKind } from './nbd.js';
import { filterOrderKind, objectKind } from './object.js';

/** Every resource kind's steps: how it is created, removed and updated (whether it may be: model/resource-kinds.ts). */
export const KINDS: Record<ResourceKind, ResourceKindPlanner> = {
  chardev: chardevKind,
  object: objectKind,
  'filter-order': filterOrderKind,
  'block-child': blockChildKind,
  'block-node': blockNodeKind,
  'nbd-server': nbdServerKind,
  'nbd-export': nbdExportKind,
  capability: capabilityKind,
  parameter: parameterKind,
  colo: coloKind,
};

/** Whether and when a kind changes live: the table of every kind's facts (model/resource-kinds.ts). */
export const policyOf = (kind: ResourceKind): KindPolicy => KIND_FACTS[kind];
