/**
 * Every problem found in a spec carries one of these codes, a message a user can act on, and the
 * source position it points at. Problems are collected, never thrown.
 */
export type ErrorCode =
  | 'FILE_READ'
  | 'YAML_SYNTAX'
  | 'SCHEMA_TYPE'
  | 'SCHEMA_REQUIRED'
  | 'SCHEMA_UNKNOWN_KEY'
  | 'SCHEMA_ENUM'
  | 'SCHEMA_PATTERN'
  | 'SCHEMA_RANGE'
  | 'SCHEMA_COUNT'
  | 'SCHEMA_INVALID'
  | 'DUPLICATE_NODE_NAME'
  | 'DUPLICATE_ID'
  | 'ROLE_COUNT'
  | 'PORT_COLLISION'
  | 'INVALID_SIZE'
  | 'UNKNOWN_REFERENCE'
  | 'UNSAFE_ID'
  | 'VHOST_ON_TAP'
  | 'NETDEV_OPTION'
  | 'TLS_CONFIG'
  | 'TLS_FILE'
  | 'TLS_CERT'
  | 'TLS_NAME'
  | 'TLS_AUTHZ'
  | 'QMP_IN_CLEAR'
  | 'CHANNELS_IN_CLEAR';

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

export class ProblemList {
  readonly items: Problem[] = [];
  constructor(
    readonly file: string,
    private readonly locate: (path: string, key?: boolean) => SourcePos,
  ) {}

  add(code: ErrorCode, path: string, message: string, opts: { key?: boolean; severity?: 'error' | 'warning' } = {}): void {
    this.items.push({
      code,
      message,
      path,
      file: this.file,
      pos: this.locate(path, opts.key),
      severity: opts.severity ?? 'error',
    });
  }

  get errors(): Problem[] {
    return this.items.filter((p) => p.severity === 'error');
  }
}
