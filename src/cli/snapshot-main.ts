/**
 * The CLI's start-up entry (dist/start/colo.cjs, loaded by bin/colo through dist/start/start.cjs):
 * one CommonJS file whose compiled code V8 keeps in a code cache (dist/start/colo.cache) made by
 * `npm run build` after `warm()` ran the fast commands, so a command starts without parsing or
 * compiling them. Modules the CLI reaches through `import()` (fleet, diff, TLS files, launch, the
 * agent's actions) stay in the file but are evaluated only when a command needs them; V8 compiles
 * their functions on first call. Measured against a V8 start-up snapshot of the same code: the
 * snapshot's deserialization alone (4 MB even when empty) costs more than the cache saves.
 */
import { useReadWorkers } from '../ops/read-pairs.js';
import { run } from './cli.js';
import type { Io } from './io.js';
import { fdWriter } from '../sys/fd-writer.js';
import { guardProcess, SIGPIPE_STATUS } from './stdio.js';
import { trace } from '../sys/trace.js';

/** `colo ARGV…` in this process, its exit code in process.exitCode. */
export function main(argv: string[]): void {
  trace('start-up file evaluated');
  guardProcess(process, { streams: false });
  // the spec reader's worker entry, beside this file (start.cjs runs it with this directory)
  useReadWorkers(`${__dirname}/read-worker.cjs`);
  // the streams only when a command reads stdin (-f -) or asks whether stdout is a terminal: opening
  // one costs a stream, and on a pipe a socket (node:net)
  const io: Io = {
    stdout: fdWriter(1, SIGPIPE_STATUS),
    stderr: fdWriter(2, SIGPIPE_STATUS),
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
  };
  run(argv, io).then((code) => {
    process.exitCode = code;
  });
}

/**
 * Runs each fast command once, in this process, on streams that drop their output: the version,
 * the offline plan, validate, args, status and the agent's monitor of `file`, whose nodes' monitors
 * are not there (each answers at once). Build time only: the code cache keeps what ran. Once and
 * no more: measured by instruction counts, a cache of everything the commands can run (every
 * transition, every example, the help, twice over) made each command slower than this one does
 * (the offline plan 206 M instructions against 178 M, the agent's monitor 244 M against 230 M, a
 * status 249 M against 225 M), the commands it leaves out included.
 */
export async function warm(file: string, cwd: string): Promise<void> {
  const sink = { write: () => true, isTTY: false };
  const io: Io = { stdout: sink, stderr: sink, stdin: process.stdin, env: { NO_COLOR: '1', COLO_STATE_DIR: '/nonexistent' }, cwd };
  await run(['--version'], io);
  await run(['plan', '--offline', '-f', file], io);
  await run(['ocf', 'monitor', '-f', file, '--node', 'a'], io);
  await run(['validate', '-f', file], io);
  await run(['validate', '-f', file, '--format', 'json'], io);
  await run(['args', '-f', file, '--node', 'a'], io);
  await run(['status', '-f', file, '--timeout', '500'], io);
}
