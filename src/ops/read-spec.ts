// The one reader of spec files (and saved plans): every command, the fleet, `colo diff` and the OCF
// agent read through here. A spec is a regular file (or stdin, `-`): a FIFO or a device is refused
// at once, before a byte is read; the size is capped; the text must be UTF-8; a spec that speaks of
// TLS has its credential files checked, whichever way it was named (-f FILE, -f DIR, stdin).
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { relative, resolve } from 'node:path';
import { LIMITS } from '../spec/limits.js';
import type { Problem } from '../spec/errors.js';
import { loadSpec, type LoadResult } from '../spec/load.js';
import { errnoCodeWords, errnoWords } from './errno.js';
import { ColoError, type OpEnv } from './errors.js';
import { trace } from '../sys/trace.js';

export type ReadOutcome = { text: string } | { problem: { code: 'INPUT_LIMIT' | 'INPUT_ENCODING'; message: string; line: number; column: number } };

/** Where a spec comes from: stdin is read only for `-`. */
export interface ReadEnv extends OpEnv {
  stdin?: NodeJS.ReadableStream;
}

/** Reads from a file descriptor until EOF or one byte past `limit`. */
function readCapped(fd: number, limit: number = LIMITS.maxBytes): Buffer {
  const max = limit + 1;
  const buf = Buffer.alloc(max);
  let n = 0;
  while (n < max) {
    const got = readSync(fd, buf, n, max - n, null);
    if (got === 0) break;
    n += got;
  }
  return buf.subarray(0, n);
}

async function readStream(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(b);
    n += b.length;
    if (n > LIMITS.maxBytes) break;
  }
  return Buffer.concat(chunks);
}

/** What a non-regular file is, in words. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Opens FILE for reading without ever blocking (O_NONBLOCK: a FIFO without a writer opens at once)
 * and refuses anything but a regular file before reading: `colo diff /dev/zero` or a FIFO in a
 * fleet directory is an error at once, never a read that grows or waits.
 */
function openRegular(path: string, shown: string, what: string, code: 'FILE_READ' | 'PLAN_READ'): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ColoError(`${shown}: cannot read the ${what}: ${errnoWords(e)}`, 1, code);
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    throw new ColoError(`${shown}: cannot read the ${what}: ${errnoWords(e)}`, 1, code);
  }
  if (!st.isFile()) {
    closeSync(fd);
    const why = st.isDirectory() ? errnoCodeWords('EISDIR') : `it is ${kindOf(st)}, not a regular file (pipe it to -f - instead)`;
    throw new ColoError(`${shown}: cannot read the ${what}: ${why}`, 1, code);
  }
  return fd;
}

/** Bytes → text: UTF-8 only (a UTF-8 BOM is fine); UTF-16 and invalid bytes are refused with a position. */
export function decodeSpec(bytes: Buffer): ReadOutcome {
  if (bytes.length > LIMITS.maxBytes) {
    return {
      problem: {
        code: 'INPUT_LIMIT',
        message: `the file is larger than ${LIMITS.maxBytes / 1024} KiB, the most a spec may be (a pair spec is a few KiB)`,
        line: 1,
        column: 1,
      },
    };
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return {
      problem: { code: 'INPUT_ENCODING', message: 'the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8', line: 1, column: 1 },
    };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const loose = new TextDecoder('utf-8').decode(bytes);
    const at = loose.indexOf('\ufffd');
    const before = loose.slice(0, Math.max(0, at));
    const line = before.split('\n').length;
    return {
      problem: {
        code: 'INPUT_ENCODING',
        message: 'the file is not UTF-8 text here (binary data, or another encoding?)',
        line,
        column: at - before.lastIndexOf('\n'),
      },
    };
  }
}

/** A spec file's text (not stdin): synchronous, for callers that read several at once. */
export function readSpecFileText(file: string, env: OpEnv): ReadOutcome {
  const fd = openRegular(resolve(env.cwd, file), file, 'spec', 'FILE_READ');
  try {
    return decodeSpec(readCapped(fd));
  } catch (e) {
    throw new ColoError(`${file}: cannot read the spec: ${errnoWords(e)}`, 1, 'FILE_READ');
  } finally {
    closeSync(fd);
  }
}

/** The spec's text from FILE, or from stdin for `-`; refusals of size and encoding come back as a problem. */
export async function readSpecInput(file: string, env: ReadEnv): Promise<ReadOutcome> {
  if (file === '-') {
    if (!env.stdin) throw new ColoError('-: no stdin to read the spec from', 1, 'FILE_READ');
    try {
      return decodeSpec(await readStream(env.stdin));
    } catch (e) {
      throw new ColoError(`-: cannot read the spec from stdin: ${errnoWords(e)}`, 1, 'FILE_READ');
    }
  }
  return readSpecFileText(file, env);
}

export interface ReadSpec extends LoadResult {
  /** the file as problems name it: relative to the working directory, `-` for stdin */
  shown: string;
  /** absolute path (undefined for stdin) */
  path?: string;
  /** the text read (undefined when it could not be decoded) */
  text?: string;
}

/** How a file is named in problems: relative to the working directory when below it, else absolute. */
export function shownName(file: string, env: OpEnv): { shown: string; path?: string } {
  const path = file === '-' ? undefined : resolve(env.cwd, file);
  const rel = path ? relative(env.cwd, path) || file : '-';
  return { shown: path && rel.startsWith('..') ? path : rel, path };
}

/** Checks a spec's text, its credential files too when it speaks of TLS (node:crypto loads only then). */
export async function checkSpecText(text: string, shown: string, env: OpEnv): Promise<LoadResult> {
  const tls = /\btls:/.test(text) ? await import('./tls-files.js') : undefined;
  return loadSpec(text, shown, tls ? { tlsFiles: (spec) => tls.checkTlsFiles(spec, env.env) } : {});
}

/** Reads and checks a spec: every problem comes back (read errors other than size and encoding throw). */
export async function readSpec(file: string, env: ReadEnv): Promise<ReadSpec> {
  trace('spec: reading');
  const { shown, path } = shownName(file, env);
  const input = await readSpecInput(file, env);
  if ('problem' in input) {
    const p = input.problem;
    const problem: Problem = { code: p.code, message: p.message, path: '', file: shown, pos: { line: p.line, column: p.column }, severity: 'error' };
    return { problems: [problem], omitted: 0, lines: [], shown, path };
  }
  return { ...(await checkSpecText(input.text, shown, env)), shown, path, text: input.text };
}

/** The largest saved plan read back (a plan of a pair is tens of KiB). */
export const MAX_PLAN_BYTES = 16 * 1024 * 1024;

/** A saved plan's text, read with a cap; errors come back in words. */
export function readPlanText(file: string, env: OpEnv): string {
  const fd = openRegular(resolve(env.cwd, file), file, 'saved plan', 'PLAN_READ');
  try {
    const bytes = readCapped(fd, MAX_PLAN_BYTES);
    if (bytes.length > MAX_PLAN_BYTES) throw new ColoError(`${file}: not a saved plan: larger than ${MAX_PLAN_BYTES / 1024 / 1024} MiB`, 1, 'PLAN_FORMAT');
    return bytes.toString('utf8');
  } catch (e) {
    if (e instanceof ColoError) throw e;
    throw new ColoError(`${file}: cannot read the saved plan: ${errnoWords(e)}`, 1, 'PLAN_READ');
  } finally {
    closeSync(fd);
  }
}
