import { LIMITS } from './limits.js';

/**
 * What must not reach a terminal as it is: control characters (C0 but tab, DEL, C1), line and
 * paragraph separators, bidirectional overrides (which reorder what is shown) and lone surrogates.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE =
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text with every control byte written as an escape (\n, \u0000, ...), safe to print; `keepLines` keeps newlines. */
export function escapeControls(s: string, keepLines = false): string {
  return s.replace(UNSAFE, (ch) => {
    if (ch === '\n') return keepLines ? ch : '\\n';
    if (ch === '\r') return '\\r';
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** At most `max` characters of `s`, marked with … and the length left out when cut. */
export function truncate(s: string, max: number = LIMITS.maxShown): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

/** A value as a message quotes it: JSON, cut to a readable length, control bytes escaped. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return escapeControls(truncate(text));
}

/**
 * A source line for a caret: cut to `LIMITS.maxLine` characters around `column` (1-based), control
 * bytes escaped. Returns the text and the column the caret goes under in it.
 */
export function sourceExcerpt(line: string, column: number): { text: string; column: number } {
  const max = LIMITS.maxLine;
  let start = 0;
  if (line.length > max && column > max / 2) start = Math.min(column - 1 - Math.floor(max / 2), line.length - max);
  start = Math.max(0, start);
  const head = start > 0 ? '…' : '';
  const body = line.slice(start, start + max);
  const tail = start + max < line.length ? '…' : '';
  // escapes widen the text: the caret moves by what they add before it
  const before = escapeControls(body.slice(0, Math.max(0, column - 1 - start)));
  return { text: head + escapeControls(body) + tail, column: head.length + before.length + 1 };
}
