import type { Hook } from '../spec/types.js';
import type { HookStep } from './types.js';

/** The spec's hooks of one moment, as steps on the node they concern (run where colo runs). */
export function hookSteps(hooks: Hook[], node: string, env: Record<string, string>): HookStep[] {
  return hooks.map((h) => ({
    kind: 'hook',
    node,
    hook: h.name,
    run: h.run,
    timeoutMs: h.timeoutMs,
    env,
    description: `run hook ${h.name}: ${h.run.join(' ')}`,
  }));
}
