/** The streams and environment a command runs with, so tests can run the CLI in-process. */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The operations' error, under the name the commands have always used. */
export { ColoError as CliError } from '../ops/errors.js';

export function useColor(io: Io, flag: boolean | undefined): boolean {
  if (flag === false || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '')) return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true;
  return !!io.stdout.isTTY;
}
