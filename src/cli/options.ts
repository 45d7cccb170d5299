import { CliError } from './io.js';

/** A --timeout / --sample value in milliseconds. */
export function ms(v: string | undefined, def: number, name = '--timeout'): number {
  const n = Number(v ?? def);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${name} must be a positive number of milliseconds, not "${v}"`, 1, 'BAD_OPTION');
  return n;
}

/** A count such as --stop-after: a whole number, 0 or more. */
export function count(v: string, name: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new CliError(`${name} must be a whole number, not "${v}"`, 1, 'BAD_OPTION');
  return n;
}

// Each command's options as commander parses them (cli.ts): strings as given, checked where they are used.

/** -f repeated, or a directory: several pairs */
interface Files extends Select {
  file: string[];
  /** with several pairs: at most N nodes observed at once */
  parallel: string;
}

/** kubectl's -R and -l over -f DIR */
export interface Select {
  recursive?: boolean;
  /** KEY=VALUE, each must hold in metadata.labels */
  selector?: string[];
}

export interface ValidateOptions extends Select {
  file: string[];
  format?: string;
}

export interface ArgsOptions {
  file: string;
  node: string;
  role?: string;
  format: string;
}

export interface PlanOptions extends Files {
  offline?: boolean;
  assume?: string;
  format: string;
  out?: string;
  detailedExitcode?: boolean;
  timeout: string;
}

export interface ApplyCommandOptions extends Partial<Files> {
  autoApprove?: boolean;
  allowFailover?: boolean;
  /** false with --no-fence */
  fence: boolean;
  timeout: string;
  journal?: string;
  stopAfter?: string;
  format: string;
}

export interface DiffCommandOptions {
  base?: string;
  detailedExitcode?: boolean;
  format: string;
  failOn?: string;
  throughput: string;
}

export interface StatusOptions extends Files {
  format: string;
  timeout: string;
  detailedExitcode?: boolean;
  sample?: string;
}

export interface FailoverOptions {
  file: string;
  survivor: string;
  timeout: string;
  peerTimeout: string;
  force?: boolean;
  /** false with --no-fence */
  fence: boolean;
  journal?: string;
  format: string;
}

export interface NodeOptions {
  file: string;
  node: string;
  role?: string;
  force?: boolean;
  journal?: string;
  format: string;
}

export interface OcfOptions {
  file?: string;
  node?: string;
  dir: string;
  colo?: string;
  spec?: string;
}
