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
import { fdWriter, guardProcess } from './stdio.js';

/** `colo ARGV…` in this process, its exit code in process.exitCode. */
export function main(argv: string[]): void {
  guardProcess(process, { streams: false });
  // the spec reader's worker entry, beside this file (start.cjs runs it with this directory)
  useReadWorkers(`${__dirname}/read-worker.cjs`);
  // the streams only when a command reads stdin (-f -) or asks whether stdout is a terminal: opening
  // one costs a stream, and on a pipe a socket (node:net)
  const io: Io = {
    stdout: fdWriter(1),
    stderr: fdWriter(2),
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
 * Runs what the fast commands run, in this process, on streams that drop their output: validate,
 * args and every offline plan of each spec file, the version and the help; status and the agent's
 * monitor and validate-all on the first file, whose nodes' monitors are not there (each answers at
 * once). Build time only: the code cache keeps what ran.
 */
export async function warm(files: string[], cwd: string): Promise<void> {
  const sink = { write: () => true, isTTY: false };
  const io: Io = { stdout: sink, stderr: sink, stdin: process.stdin, env: { NO_COLOR: '1', COLO_STATE_DIR: '/nonexistent' }, cwd };
  const transitions = ['setup', 'steady', 'secondary-failover', 'primary-failover', 'secondary-resume', 'primary-resume'];
  for (let i = 0; i < 2; i++) {
    await run(['--version'], io);
    await run(['--help'], io);
    for (const f of files) {
      await run(['validate', '-f', f], io);
      await run(['validate', '-f', f, '--format', 'json'], io);
      for (const node of ['a', 'p', 'east']) await run(['args', '-f', f, '--node', node], io);
      await run(['args', '-f', f, '--node', 'a', '--format', 'json'], io);
      await run(['plan', '--offline', '-f', f], io);
      await run(['plan', '--offline', '-f', f, '--format', 'json'], io);
      for (const t of transitions) await run(['plan', '--offline', '--assume', t, '-f', f], io);
    }
    await run(['status', '-f', files[0], '--timeout', '500'], io);
    await run(['status', '-f', files[0], '--format', 'json', '--timeout', '500'], io);
    await run(['ocf', 'monitor', '-f', files[0], '--node', 'a'], io);
    await run(['ocf', 'validate-all', '-f', files[0], '--node', 'a'], io);
  }
}
