/** One pair of a fleet: where it came from and how its command ended. Types of the fleet core. */
import type { SourcePos } from '../spec/errors.js';
import type { Diagnostic } from '../model/diagnostic.js';

/** How one pair's command ended: `failed` never stops the others. */
export type PairOutcome =
  /** nothing to do (validate: the file is valid; plan: converged; apply: converged) */
  | 'ok'
  /** changes are pending (plan), or apply left the pair not converged */
  | 'changes'
  /** the spec is invalid, QMP failed, or apply was refused or stopped */
  | 'failed';

export interface PairResult<T = unknown> {
  /** the spec file as given (relative to the working directory when inside it) */
  file: string;
  /** the pair's metadata.name, when the file could be read */
  name?: string;
  outcome: PairOutcome;
  /** the command's own result (a plan, a status) */
  result?: T;
  /** why it failed: a code of docs/exit-codes.md, in the shape of every problem */
  error?: Diagnostic;
  /** one line for the fleet table: the transition and step count, or the error */
  detail: string;
  /** text the command printed for this pair (kept apart, shown in its block) */
  output?: string;
}

export interface FleetReport<T = unknown> {
  format_version: 2;
  command: 'validate' | 'plan' | 'apply' | 'status';
  pairs: PairResult<T>[];
  /** files left out: another kind of file found in a directory, or a pair -l does not select */
  skipped: Array<{ file: string; reason: 'not-a-pair' | 'not-selected'; message: string }>;
  summary: { pairs: number; ok: number; changes: number; failed: number };
}

/** A spec value that binds something on a host, with where the file says it. */
export interface Claim {
  /** `HOST tcp PORT`, `HOST unix PATH` or `HOST dir PATH` (a work directory) */
  key: string;
  what: string;
  /** the host as the file spells it */
  host: string;
  file: string;
  pair: string;
  path: string;
}

/** Locates a JSON pointer in a file's source. */
export type Locate = (path: string) => SourcePos;
