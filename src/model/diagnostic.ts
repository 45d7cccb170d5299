// The one JSON contract every output follows (docs/json.md, schemas/*.schema.json): its version, and
// the shape of every problem and warning, for one pair and many. Pure.

/** `format_version` of every JSON document colo prints; 2 since problems and warnings are objects everywhere. */
export const FORMAT_VERSION = 2;

/** A problem or a warning: every key always there, `null` where it has no value (a QEMU profile warning has no line). */
export interface Diagnostic {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  /** the spec file as given (`-` for stdin) */
  file: string | null;
  /** 1-based */
  line: number | null;
  column: number | null;
  /** JSON pointer into the spec, e.g. /spec/nodes/1/host */
  path: string | null;
}

/** A diagnostic that belongs to no place in a file. */
export function diagnostic(
  severity: Diagnostic['severity'],
  code: string,
  message: string,
  where: Partial<Pick<Diagnostic, 'file' | 'line' | 'column' | 'path'>> = {},
): Diagnostic {
  return { severity, code, message, file: where.file ?? null, line: where.line ?? null, column: where.column ?? null, path: where.path ?? null };
}

/** `a` with `b` added, each warning once: one of `b` replaces one of `a` with its code and path (it says where). */
export function mergeDiagnostics(a: Diagnostic[], b: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => `${d.code}\u0000${d.path ?? ''}\u0000${d.path ? '' : d.message}`;
  const later = new Set(b.map(key));
  const out = [...a.filter((d) => !later.has(key(d))), ...b];
  const seen = new Set<string>();
  return out.filter((d) => {
    const k = `${key(d)}\u0000${d.file ?? ''}\u0000${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
