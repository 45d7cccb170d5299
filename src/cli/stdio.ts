import { fstatSync, writeSync } from 'node:fs';

/**
 * Process-level guards of the CLI's entry points: a reader that goes away (`colo args … | head -1`)
 * ends the process quietly with status 141, as a command killed by SIGPIPE ends; and nothing
 * escapes as a stack trace.
 */
export const SIGPIPE_STATUS = 128 + 13;

export function guardProcess(proc: NodeJS.Process = process, o: { streams?: boolean } = {}): void {
  const onStreamError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') proc.exit(SIGPIPE_STATUS);
    proc.stderr.write(`colo: error OUTPUT: cannot write: ${e.message}\n`);
    proc.exit(1);
  };
  // streams: false, the CLI writes through fdWriter: process.stdout is made only if something asks for it
  if (o.streams !== false) {
    proc.stdout.on('error', onStreamError);
    proc.stderr.on('error', () => proc.exit(SIGPIPE_STATUS));
  }
  const fatal = (e: Error) => {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') proc.exit(SIGPIPE_STATUS);
    try {
      proc.stderr.write(`colo: error INTERNAL: ${e?.message ?? String(e)} (a bug: COLO_DEBUG=1 shows where)\n`);
      if (proc.env.COLO_DEBUG) proc.stderr.write(`${e?.stack}\n`);
    } finally {
      proc.exit(1);
    }
  };
  proc.on('uncaughtException', fatal);
  proc.on('unhandledRejection', (e) => fatal(e instanceof Error ? e : new Error(String(e))));
}

/** sleeps `ms` without spinning (the writer's wait for a full non-blocking pipe) */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * stdout or stderr as the CLI writes it: straight to the file descriptor, as node writes to a pipe,
 * a file or a terminal on Linux anyway (synchronously), without making process.stdout, whose pipe
 * or terminal stream loads node:net and node:stream (a few ms of every command's start). A reader
 * that went away ends the process with status 141, as guardProcess does for the streams; a
 * non-blocking pipe that is full is written again when the reader has read. isTTY asks the process's
 * stream only for a character device (a terminal, or /dev/null).
 */
export function fdWriter(fd: 1 | 2, proc: NodeJS.Process = process): { write(s: string): boolean; readonly isTTY: boolean } {
  let tty: boolean | undefined;
  return {
    write(s: string): boolean {
      const bytes = Buffer.from(s, 'utf8');
      let at = 0;
      while (at < bytes.length) {
        try {
          at += writeSync(fd, bytes, at, bytes.length - at);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') pause(1);
          else if (code === 'EPIPE' || fd === 2) proc.exit(SIGPIPE_STATUS);
          else {
            fdWriter(2, proc).write(`colo: error OUTPUT: cannot write: ${(e as Error).message}\n`);
            proc.exit(1);
          }
        }
      }
      return true;
    },
    get isTTY(): boolean {
      if (tty === undefined) {
        let chr = false;
        try {
          chr = fstatSync(fd).isCharacterDevice();
        } catch {
          /* closed: not a terminal */
        }
        tty = chr && !!(fd === 1 ? proc.stdout : proc.stderr).isTTY;
      }
      return tty;
    },
  };
}
