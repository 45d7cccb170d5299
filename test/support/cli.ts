// The CLI run in-process, its output captured: what a user would see, without a process start.
import { Readable } from 'node:stream';
import { run } from '../../src/cli/cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `colo ARGS` in `cwd` with only `env` (PATH unless given), stdin from `stdin`, no TTY. */
export async function runCli(args: string[], o: { cwd: string; env?: Record<string, string | undefined>; stdin?: string | Buffer }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const input = o.stdin !== undefined && o.stdin.length ? [Buffer.from(o.stdin)] : [];
  const code = await run(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    stdin: Readable.from(input) as unknown as NodeJS.ReadableStream & { isTTY?: boolean },
    env: o.env ?? { PATH: process.env.PATH },
    cwd: o.cwd,
  });
  return { code, stdout, stderr };
}
