/** One line per option with its value (as `colo args` prints them), so an argv diff reads line by line. Pure. */
function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function argvLines(argv: string[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('-') && i + 1 < argv.length && !argv[i + 1].startsWith('-')) lines.push(`${quote(argv[i])} ${quote(argv[++i])}`);
    else lines.push(quote(argv[i]));
  }
  return lines;
}
