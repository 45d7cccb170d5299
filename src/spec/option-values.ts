/**
 * Values given on colo's command line, checked as the spec's values are: pure decisions, so every
 * front end refuses the same things. A number is digits only (no `1e3`, `0x10`, blanks or signs);
 * a timeout must fit Node's timers; a file name is never empty; a git revision never reads as an
 * option of git.
 */
import { MAX_TIMER_MS } from './limits.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const DIGITS = /^\d{1,16}$/;

/**
 * A timeout or a sampling period in milliseconds: `min` (1 unless given) up to MAX_TIMER_MS (past it
 * Node fires at once).
 */
export function parseMilliseconds(text: string, name: string, min = 1, max = MAX_TIMER_MS, why = ''): Checked<number> {
  const n = Number(text);
  if (!DIGITS.test(text) || n < 1) return { ok: false, message: `${name} must be a positive whole number of milliseconds, not ${JSON.stringify(text)}` };
  if (n < min) return { ok: false, message: `${name} ${text} is shorter than ${min} ms: a live QEMU would not answer in time and read as hung` };
  if (n > max && max < MAX_TIMER_MS) return { ok: false, message: `${name} ${text} is longer than ${max} ms${why}` };
  if (n > MAX_TIMER_MS)
    return {
      ok: false,
      message: `${name} ${text} is longer than a timer can wait (at most ${MAX_TIMER_MS} ms, about 24.8 days): past it every wait would end at once and a live node read as hung`,
    };
  return { ok: true, value: n };
}

/** A whole number, at least `min` (a count such as --stop-after, a bound such as --parallel). */
export function parseWholeNumber(text: string, name: string, min: number): Checked<number> {
  const n = Number(text);
  if (!DIGITS.test(text) || !Number.isSafeInteger(n))
    return { ok: false, message: `${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not ${JSON.stringify(text)}` };
  if (n < min) return { ok: false, message: `${name} must be at least ${min}, not ${text}` };
  return { ok: true, value: n };
}

/** A file or directory name given on the command line: an empty one (an unset variable) names the working directory. */
export function checkPathArgument(text: string, name: string): string | undefined {
  if (text === '') return `${name} needs a file name, and got an empty one (an unset variable?): an empty name would stand for the working directory`;
  if (text.includes('\u0000')) return `${name} holds a NUL character: no file name can`;
  return undefined;
}

/**
 * A git revision colo passes to `git show REV:PATH`: never one git could read as an option
 * (`--output=FILE` writes a file), never with a colon (it would change the path), a blank or a
 * control character. Git's own rules (check-ref-format) are left to git, which answers GIT_REF.
 */
export function checkGitRef(ref: string): string | undefined {
  if (!ref.trim()) return 'the revision is empty';
  if (ref.startsWith('-')) return `revision ${JSON.stringify(ref)} starts with "-": git would read it as an option`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s:]/.test(ref)) return `revision ${JSON.stringify(ref)} holds a blank, a colon or a control character, which no revision name has`;
  return undefined;
}

/** A rate such as --throughput: a positive decimal number (digits, one optional fraction), at most `max`. */
export function parsePositiveDecimal(text: string, name: string, max: number): Checked<number> {
  const n = Number(text);
  if (!/^\d{1,12}(\.\d{1,6})?$/.test(text) || !(n > 0)) return { ok: false, message: `${name} must be a positive number, not ${JSON.stringify(text)}` };
  if (n > max) return { ok: false, message: `${name} ${text} is more than ${max}` };
  return { ok: true, value: n };
}

/** The shortest --peer-timeout: a live QEMU's greeting on a busy host can take this long; shorter reads it as hung. */
export const MIN_PEER_TIMEOUT_MS = 100;

/** The shortest --timeout where nodes are read and classified: shorter reads a live QEMU as hung (as --peer-timeout). */
export const MIN_TIMEOUT_MS = MIN_PEER_TIMEOUT_MS;

/**
 * The longest `colo status --sample`: the sample holds the primary's monitor, and every other colo
 * process (a failover on the peer among them) waits for it; a failover's peer read waits longer
 * than this before calling a silent monitor hung.
 */
export const MAX_SAMPLE_MS = 60_000;
