import { Chalk } from 'chalk';
import { escapeControls, sourceExcerpt, truncate } from '../spec/display.js';
import type { Problem } from '../spec/errors.js';

const MAX_MESSAGE = 400;

/**
 * `file:line:column: error CODE: message`, the source line (cut around the column, control bytes
 * escaped) and a caret under the column; then the count of errors (and of problems left out).
 */
export function renderProblems(problems: Problem[], lines: string[], color: boolean, omitted = 0): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const out: string[] = [];
  for (const p of problems) {
    const sev = p.severity === 'error' ? c.red('error') : c.yellow('warning');
    out.push(
      `${c.bold(`${escapeControls(p.file)}:${p.pos.line}:${p.pos.column}`)}: ${sev} ${c.dim(p.code)}: ${escapeControls(truncate(p.message, MAX_MESSAGE))}`,
    );
    const src = lines[p.pos.line - 1];
    if (src !== undefined) {
      const ex = sourceExcerpt(src, p.pos.column);
      const gutter = String(p.pos.line).padStart(4);
      out.push(c.dim(`${gutter} | `) + ex.text);
      out.push(c.dim(`${' '.repeat(4)} | `) + ' '.repeat(Math.max(0, ex.column - 1)) + c.red('^'));
    }
  }
  if (omitted) out.push(`… and ${omitted} more problem${omitted === 1 ? '' : 's'} not shown`);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  if (errors || !warnings) out.push(`${errors} error${errors === 1 ? '' : 's'} found`);
  else out.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return out.join('\n') + '\n';
}
