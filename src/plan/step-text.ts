import { shellLine } from '../model/shell-quote.js';
import { isFence, isHook, isQmp, isWait, type Step } from './types.js';

/** One line per step, the same in plans, apply progress and errors (no colour: used on the fast path too). */
export function stepText(s: Step): string {
  if (isQmp(s)) {
    if (s.execute === 'human-monitor-command') return `hmp ${String(s.arguments?.['command-line'])}`;
    return s.arguments ? `${s.execute} ${JSON.stringify(s.arguments)}` : s.execute;
  }
  if (isWait(s)) return `wait ${s.wait} ${Array.isArray(s.until) ? s.until.join(',') : s.until} (up to ${s.timeoutMs / 1000} s)`;
  if (isHook(s)) return `hook ${s.hook}: ${shellLine(s.run)} (up to ${s.timeoutMs / 1000} s)`;
  if (isFence(s)) return `fence ${s.node}: ${shellLine(s.run)} (up to ${s.timeoutMs / 1000} s)`;
  return '?';
}
