import { migrationBusy } from '../../model/observed.js';
import type { KindContext } from './context.js';

/** QEMU's downtime-limit when nothing set it (ms): what a failover puts back after a resume set the spec's */
export const QEMU_DOWNTIME_LIMIT_MS = 300;

/**
 * Whether the primary `node` enters COLO from a migration stopped before its switchover: a resume on
 * a QEMU that enters COLO from there (profile.pauseAtSwitchover), or a migration that already stops
 * there (pause-before-switchover on, or paused there by an interrupted apply). Then colo-compare and
 * the filters go on while the guest is stopped at the end of the RAM copy, not before migrate: the
 * answers the guest gives while its RAM migrates leave at once (the new secondary is made from the
 * state after them: there is nothing to compare them with), and none waits in colo-compare for a
 * checkpoint. The guest is stopped only for the switchover, as in any migration.
 */
export function pausesAtSwitchover(ctx: KindContext, node: string): boolean {
  if (!('primary' in ctx.pair) || ctx.pair.primary !== node) return false;
  const m = ctx.obs(node)?.migration;
  if (m?.status === 'pre-switchover') return true;
  // still copying RAM: it stops there when the capability is on; past it (device, colo): nothing to do there
  if (['setup', 'active', 'wait-unplug'].includes(m?.status ?? '')) return m?.pauseBeforeSwitchover === true;
  if (migrationBusy(m?.status)) return false;
  const resume = ctx.pair.transition === 'secondary-resume' || ctx.pair.transition === 'primary-resume';
  return resume && ctx.profile.pauseAtSwitchover;
}
