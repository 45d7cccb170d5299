// stdout and stderr written straight to their file descriptors (the CLI's start-up file, cli/snapshot-main.ts).
import { fstatSync, writeSync } from 'node:fs';

/** sleeps `ms` without spinning (the writer's wait for a full non-blocking pipe) */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * stdout or stderr as the CLI writes it: straight to the file descriptor, as node writes to a pipe,
 * a file or a terminal on Linux anyway (synchronously), without making process.stdout, whose pipe
 * or terminal stream loads node:net and node:stream (a few ms of every command's start). A reader
 * that went away ends the process with `goneStatus` (the CLI's 141, as cli/stdio.ts guardProcess
 * does for the streams); a non-blocking pipe that is full is written again when the reader has read.
 * isTTY asks the process's stream only for a character device (a terminal, or /dev/null).
 */
export function fdWriter(fd: 1 | 2, goneStatus: number, proc: NodeJS.Process = process): { write(s: string): boolean; readonly isTTY: boolean } {
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
          else if (code === 'EPIPE' || fd === 2) proc.exit(goneStatus);
          else {
            fdWriter(2, goneStatus, proc).write(`colo: error OUTPUT: cannot write: ${(e as Error).message}\n`);
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
