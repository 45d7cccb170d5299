import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { LIMITS } from '../spec/limits.js';
import { errnoWords } from './errno.js';
import { CliError, type Io } from './io.js';

export type ReadOutcome = { text: string } | { problem: { code: 'INPUT_LIMIT' | 'INPUT_ENCODING'; message: string; line: number; column: number } };

/** Reads from a file descriptor until EOF or one byte past `limit`, whatever the file is (FIFO, /dev/zero). */
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

async function readStream(io: Io): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of io.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(b);
    n += b.length;
    if (n > LIMITS.maxBytes) break;
  }
  return Buffer.concat(chunks);
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

/** The spec's text from FILE, or from stdin for `-`; refusals of size and encoding come back as a problem. */
export async function readSpecInput(file: string, io: Io): Promise<ReadOutcome> {
  if (file === '-') {
    try {
      return decodeSpec(await readStream(io));
    } catch (e) {
      throw new CliError(`-: cannot read the spec from stdin: ${errnoWords(e)}`, 1, 'FILE_READ');
    }
  }
  let fd: number;
  try {
    fd = openSync(resolve(io.cwd, file), 'r');
  } catch (e) {
    throw new CliError(`${file}: cannot read the spec: ${errnoWords(e)}`, 1, 'FILE_READ');
  }
  try {
    return decodeSpec(readCapped(fd));
  } catch (e) {
    throw new CliError(`${file}: cannot read the spec: ${errnoWords(e)}`, 1, 'FILE_READ');
  } finally {
    closeSync(fd);
  }
}

/** The largest saved plan read back (a plan of a pair is tens of KiB). */
export const MAX_PLAN_BYTES = 16 * 1024 * 1024;

/** A saved plan's text, read with a cap; errors come back in words. */
export function readPlanText(file: string, io: Io): string {
  let fd: number;
  try {
    fd = openSync(resolve(io.cwd, file), 'r');
  } catch (e) {
    throw new CliError(`${file}: cannot read the saved plan: ${errnoWords(e)}`, 1, 'PLAN_READ');
  }
  try {
    const bytes = readCapped(fd, MAX_PLAN_BYTES);
    if (bytes.length > MAX_PLAN_BYTES) throw new CliError(`${file}: not a saved plan: larger than ${MAX_PLAN_BYTES / 1024 / 1024} MiB`, 1, 'PLAN_FORMAT');
    return bytes.toString('utf8');
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: cannot read the saved plan: ${errnoWords(e)}`, 1, 'PLAN_READ');
  } finally {
    closeSync(fd);
  }
}
