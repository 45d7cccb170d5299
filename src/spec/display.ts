import { LIMITS } from './limits.js';

/**
 * What must not reach a terminal as it is: control characters (C0 but tab, DEL, C1), line and
 * paragraph separators, bidirectional marks and overrides (which reorder what is shown), lone
 * surrogates, and the characters that print as nothing: zero-width spaces and joiners, the word
 * joiner and invisible operators, U+FEFF (a byte order mark inside the text), the soft hyphen,
 * fillers, the Mongolian vowel separator, interlinear annotation marks, and the tag characters
 * (U+E0000-U+E007F). A value that differs from another only by one of these must show it.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE =
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text with every control byte and invisible character written as an escape (\n, \u0000, \u200b, \u{e0041}), safe to print; `keepLines` keeps newlines. */
export function escapeControls(s: string, keepLines = false): string {
  return s.replace(UNSAFE, (ch) => {
    if (ch === '\n') return keepLines ? ch : '\\n';
    if (ch === '\r') return '\\r';
    if (ch.length === 2) return `\\u{${ch.codePointAt(0)!.toString(16)}}`;
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** At most `max` characters of `s`, marked with … and the length left out when cut. */
export function truncate(s: string, max: number = LIMITS.maxShown): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

/** What a value is when JSON cannot say it: binary data, a set, a map that contains itself. */
function described(value: unknown): string | undefined {
  if (value instanceof Uint8Array) return `binary data (${value.length} bytes)`;
  if (value instanceof Map) return `a map of ${value.size} entries`;
  if (value instanceof Set) return `a set of ${value.size} values`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid date' : `the date ${value.toISOString()}`;
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'function' || typeof value === 'symbol') return typeof value;
  return undefined;
}

/** A value as a message quotes it: JSON, cut to a readable length, control bytes escaped; never "[object Object]". */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const what = described(value);
  if (what) return what;
  let text: string;
  try {
    // whatever JSON cannot say inside a value is described in words
    text =
      JSON.stringify(value, function (this: Record<string, unknown>, k, v) {
        return described(this[k]) ?? v;
      }) ?? String(value);
  } catch {
    // a value that contains itself (an alias inside its own anchor)
    text = Array.isArray(value) ? 'a list that contains itself' : 'a map that contains itself';
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
