import { diagnostic, FORMAT_VERSION, type Diagnostic } from '../model/diagnostic.js';
import { problemDiagnostic } from '../ops/pair.js';
import { specProfile } from '../plan/choose-profile.js';
import type { ReadSpec } from '../ops/read-spec.js';

/**
 * What `colo validate --format json` says of one file, in the spirit of `terraform validate -json`:
 * the document for one file, and each pair's `result` in the fleet report, in one shape.
 */
export interface ValidateResult {
  valid: boolean;
  errorCount: number;
  warningCount: number;
  /** problems beyond those listed, counted only */
  omitted: number;
  diagnostics: Diagnostic[];
}

export type ValidateReport = ValidateResult & { format_version: typeof FORMAT_VERSION };

/** One file's problems and warnings, the QEMU profile's included (they belong to no line). */
export function validateResult(r: Pick<ReadSpec, 'problems' | 'omitted' | 'spec'> & { shown: string }): ValidateResult {
  const diagnostics = r.problems.map(problemDiagnostic);
  if (r.spec) for (const w of specProfile(r.spec).warnings) diagnostics.push(diagnostic('warning', 'QEMU_PROFILE', w, { file: r.shown }));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { valid: !!r.spec, errorCount: errors, warningCount: diagnostics.length - errors, omitted: r.omitted, diagnostics };
}

export function validateJson(r: ReadSpec): ValidateReport {
  return { format_version: FORMAT_VERSION, ...validateResult(r) };
}
