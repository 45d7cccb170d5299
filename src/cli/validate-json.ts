import { specProfile, type ReadSpec } from './load-file.js';

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  file: string;
  /** 1-based; absent for warnings about the QEMU profile, which belong to no line */
  line?: number;
  column?: number;
  /** JSON pointer into the document, when the problem has one */
  path?: string;
}

/** `colo validate --format json`, in the spirit of `terraform validate -json`. */
export interface ValidateReport {
  format_version: 1;
  valid: boolean;
  error_count: number;
  warning_count: number;
  /** problems beyond those listed, counted only */
  omitted: number;
  diagnostics: Diagnostic[];
}

export function validateJson(r: ReadSpec): ValidateReport {
  const diagnostics: Diagnostic[] = r.problems.map((p) => ({
    severity: p.severity,
    code: p.code,
    message: p.message,
    file: p.file,
    line: p.pos.line,
    column: p.pos.column,
    ...(p.path ? { path: p.path } : {}),
  }));
  if (r.spec) {
    for (const w of specProfile(r.spec).warnings) diagnostics.push({ severity: 'warning', code: 'QEMU_PROFILE', message: w, file: r.shown });
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { format_version: 1, valid: !!r.spec, error_count: errors, warning_count: diagnostics.length - errors, omitted: r.omitted, diagnostics };
}
