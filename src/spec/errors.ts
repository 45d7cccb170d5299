import { escapeControls, truncate } from './display.js';
import { LIMITS } from './limits.js';

/** the longest message kept: values inside are cut already, this bounds the rest */
const MAX_MESSAGE = 400;

/**
 * Every problem found in a spec carries one of these codes, a message a user can act on, and the
 * source position it points at. Problems are collected, never thrown. Warnings come last.
 */
export const ERROR_CODES = [
  'FILE_READ',
  'INPUT_LIMIT',
  'INPUT_ENCODING',
  'YAML_SYNTAX',
  'YAML_TAG',
  'NUL_CHARACTER',
  'CONTROL_CHARACTER',
  'SCHEMA_TYPE',
  'SCHEMA_REQUIRED',
  'SCHEMA_UNKNOWN_KEY',
  'SCHEMA_ENUM',
  'SCHEMA_PATTERN',
  'SCHEMA_RANGE',
  'SCHEMA_COUNT',
  'SCHEMA_INVALID',
  'DUPLICATE_NODE_NAME',
  'DUPLICATE_PAIR_NAME',
  'DUPLICATE_ID',
  'ROLE_COUNT',
  'PORT_COLLISION',
  'INVALID_SIZE',
  'UNKNOWN_REFERENCE',
  'UNSAFE_ID',
  'VHOST_ON_TAP',
  'NETDEV_OPTION',
  'INVALID_HOST',
  'RELATIVE_PATH',
  'FENCE_NO_OP',
  'PORT_RANGE',
  'QUEUE_SIZE_CONFLICT',
  'QMP_UNAUTHENTICATED',
  'QMP_UNREACHABLE',
  'HOOK_RUNS_HERE',
  'DEPRECATED_KEY',
  'UNKNOWN_VERSION',
  'TLS_CONFIG',
  'TLS_FILE',
  'TLS_CERT',
  'TLS_NAME',
  'TLS_AUTHZ',
  'CHANNELS_IN_CLEAR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes that are only ever warnings: the spec works, but in a shape that deserves a word. */
export const WARNING_CODES: readonly ErrorCode[] = [
  'QMP_UNAUTHENTICATED',
  'QMP_UNREACHABLE',
  'HOOK_RUNS_HERE',
  'DEPRECATED_KEY',
  'UNKNOWN_VERSION',
  'CHANNELS_IN_CLEAR',
];

export interface SourcePos {
  line: number; // 1-based
  column: number; // 1-based
}

export interface Problem {
  code: ErrorCode;
  message: string;
  /** JSON pointer into the document, e.g. /spec/nodes/1/name */
  path: string;
  file: string;
  pos: SourcePos;
  severity: 'error' | 'warning';
}

/** Collects problems; past LIMITS.maxProblems they are only counted, so a huge bad file stays cheap. */
export class ProblemList {
  readonly items: Problem[] = [];
  /** problems found beyond the limit, not kept */
  omitted = 0;
  constructor(
    readonly file: string,
    private readonly locate: (path: string, key?: boolean) => SourcePos,
  ) {}

  add(code: ErrorCode, path: string, message: string, opts: { key?: boolean; severity?: 'error' | 'warning' } = {}): void {
    const severity = opts.severity ?? 'error';
    if (this.items.length >= LIMITS.maxProblems) {
      this.omitted++;
      if (severity === 'error') this.hasOmittedError = true;
      return;
    }
    this.items.push({
      code,
      message: escapeControls(truncate(message, MAX_MESSAGE)),
      path,
      file: this.file,
      pos: this.locate(path, opts.key),
      severity,
    });
  }

  warn(code: ErrorCode, path: string, message: string, opts: { key?: boolean } = {}): void {
    this.add(code, path, message, { ...opts, severity: 'warning' });
  }

  private hasOmittedError = false;

  /** whether any error was found, kept or omitted */
  get failed(): boolean {
    return this.hasOmittedError || this.items.some((p) => p.severity === 'error');
  }

  get errors(): Problem[] {
    return this.items.filter((p) => p.severity === 'error');
  }
}
