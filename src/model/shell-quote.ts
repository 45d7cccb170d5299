/** One argument as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one line a shell would split back into the same arguments. */
export function shellLine(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}
