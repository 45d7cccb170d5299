/** The streams and environment a command runs with, so tests can run the CLI in-process. */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** An error the user can act on: printed without a stack, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly code = 'ERROR',
  ) {
    super(message);
  }
}

export function useColor(io: Io, flag: boolean | undefined): boolean {
  if (flag === false || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '')) return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true;
  return !!io.stdout.isTTY;
}
