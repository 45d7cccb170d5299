import type { Plan } from './types.js';

/** A plan that leaves nothing to do: the pair replicates and nothing differs but unmanaged objects. */
export function converged(plan: Plan): boolean {
  return plan.transition === 'steady' && plan.steps.length === 0 && plan.changes.every((c) => c.action === 'unmanaged');
}
