import { checkPathArgument, MAX_SAMPLE_MS, MIN_PEER_TIMEOUT_MS, MIN_TIMEOUT_MS, parseMilliseconds, parseWholeNumber } from '../spec/option-values.js';
import { CliError } from './io.js';

/**
 * A --timeout / --sample value in milliseconds, `min` up to `max` (Node's timer limit unless
 * given). --timeout bounds the reads that classify nodes: at least MIN_TIMEOUT_MS.
 */
export function ms(v: string | undefined, def: number, name = '--timeout', min = name === '--timeout' ? MIN_TIMEOUT_MS : 1, max?: number): number {
  const why = max === MAX_SAMPLE_MS ? ": the sample holds the primary's monitor, and every other colo process waits for it" : '';
  const r = max === undefined ? parseMilliseconds(v ?? String(def), name, min) : parseMilliseconds(v ?? String(def), name, min, max, why);
  if (!r.ok) throw new CliError(r.message, 1, 'BAD_OPTION');
  return r.value;
}

/** --peer-timeout: at least MIN_PEER_TIMEOUT_MS (shorter reads a live, busy QEMU as hung); one parser for every caller. */
export function peerTimeoutMs(v: string | undefined, def = 1000): number {
  return ms(v, def, '--peer-timeout', MIN_PEER_TIMEOUT_MS);
}

/** A count such as --stop-after: a whole number, 0 or more. */
export function count(v: string, name: string, min = 0): number {
  const r = parseWholeNumber(v, name, min);
  if (!r.ok) throw new CliError(r.message, 1, 'BAD_OPTION');
  return r.value;
}

/** A file or directory option: never empty (an unset variable would name the working directory). */
export function pathArg(name: string): (v: string) => string {
  return (v: string) => {
    const problem = checkPathArgument(v, name);
    if (problem) throw new CliError(problem, 1, 'BAD_OPTION');
    return v;
  };
}

/**
 * Every number option a command was given, checked before anything runs, whichever path the command
 * takes (`--timeout abc` with --offline, `--parallel 0` with one file): none is ignored silently.
 */
export function checkNumberOptions(o: { timeout?: string; peerTimeout?: string; sample?: string; parallel?: string; stopAfter?: string }): void {
  if (o.timeout !== undefined) ms(o.timeout, 0, '--timeout', MIN_TIMEOUT_MS);
  if (o.peerTimeout !== undefined) peerTimeoutMs(o.peerTimeout);
  if (o.sample !== undefined) sampleMs(o.sample);
  if (o.parallel !== undefined) count(o.parallel, '--parallel', 1);
  // 0 would make apply exit 0 having done nothing
  if (o.stopAfter !== undefined) count(o.stopAfter, '--stop-after', 1);
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
  /** every -f given: the agent reads the last, config all */
  file?: string[];
  node?: string;
  dir: string;
  colo?: string;
  spec?: string;
  name?: string;
  format?: string;
}

/** --sample: at most MAX_SAMPLE_MS (the primary's monitor is held for the whole sample). */
export function sampleMs(v: string): number {
  return ms(v, 3000, '--sample', 1, MAX_SAMPLE_MS);
}
