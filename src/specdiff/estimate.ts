import { parseSize } from '../spec/sizes.js';
import type { Spec } from '../spec/types.js';
import type { ResyncEstimate } from './types.js';

/**
 * The assumed resync throughput: 100 MiB/s, about what one 1 Gbit/s link carries once TCP and NBD
 * take their share. A resync sends every disk whole (drive-mirror, sync=full) and then the guest's
 * memory (the migration that starts COLO); dirty pages re-sent under load are not counted.
 */
export const DEFAULT_THROUGHPUT_MIB_S = 100;

export function resyncEstimate(spec: Spec, throughputMiBps = DEFAULT_THROUGHPUT_MIB_S): ResyncEstimate {
  const bytes = spec.disks.reduce((n, d) => n + d.sizeBytes, 0) + (parseSize(spec.qemu.memory) ?? 0);
  return { bytes, throughputMiBps, seconds: Math.max(1, Math.ceil(bytes / (throughputMiBps * 1024 * 1024))) };
}
