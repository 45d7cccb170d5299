/** The exit codes a command's --help lists (docs/exit-codes.md has every error code). */
export function exitCodes(two?: string): string {
  return [
    '',
    'Exit codes:',
    '  0    success',
    '  1    an error: invalid input, a QMP failure, a refusal ("colo: error <CODE>: …" on stderr; the codes: docs/exit-codes.md)',
    ...(two ? [`  2    ${two}`] : []),
    '  141  the reader of the output went away (a closed pipe)',
  ].join('\n');
}
