import { Chalk } from 'chalk';
import type { Problem } from '../spec/errors.js';

/** `file:line:column: error CODE: message`, the source line, and a caret under the column. */
export function renderProblems(problems: Problem[], lines: string[], color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const out: string[] = [];
  for (const p of problems) {
    const sev = p.severity === 'error' ? c.red('error') : c.yellow('warning');
    out.push(`${c.bold(`${p.file}:${p.pos.line}:${p.pos.column}`)}: ${sev} ${c.dim(p.code)}: ${p.message}`);
    const src = lines[p.pos.line - 1];
    if (src !== undefined) {
      const gutter = String(p.pos.line).padStart(4);
      out.push(c.dim(`${gutter} | `) + src);
      out.push(c.dim(`${' '.repeat(4)} | `) + ' '.repeat(Math.max(0, p.pos.column - 1)) + c.red('^'));
    }
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  out.push(`${errors} error${errors === 1 ? '' : 's'} found`);
  return out.join('\n') + '\n';
}
