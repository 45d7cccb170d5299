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
  // streams: false, the CLI writes through sys/fd-writer.ts: process.stdout is made only if something asks for it
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
