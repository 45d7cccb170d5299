import type { Diagnostic } from '../model/diagnostic.js';

/** One warning or problem on one line: `CODE: message (file:line:column)`, the place when it has one. */
export function diagnosticText(d: Diagnostic): string {
  const where = d.file ? ` (${d.file}${d.line ? `:${d.line}:${d.column}` : ''})` : '';
  return `${d.code}: ${d.message}${where}`;
}
