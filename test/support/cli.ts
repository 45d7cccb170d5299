// The CLI run in-process, its output captured: what a user would see, without a process start; or bin/colo as its own process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { run } from '../../src/cli/cli.js';

const REPO = new URL('../../', import.meta.url).pathname;

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

/** `bin/colo ARGS` as its own process, as Pacemaker or a shell runs it: exit code and output (bounded: killed after 120 s). */
export function runBin(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(join(REPO, 'bin/colo'), args, { env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
