// colo args as shell: the image preparation and QEMU's argv, one option per line.
import type { PrepareCommand } from '../model/disk.js';
import { shellQuote } from '../model/shell-quote.js';

export function prepareShell(p: PrepareCommand): string {
  const cmd = p.argv.map(shellQuote).join(' ');
  return p.overwrite ? cmd : `test -e ${shellQuote(p.creates)} || ${cmd}`;
}

/** One line per option with its value, for reading. */
export function argvLines(argv: string[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = shellQuote(argv[i]);
    if (argv[i].startsWith('-') && i + 1 < argv.length && !argv[i + 1].startsWith('-')) lines.push(`${a} ${shellQuote(argv[++i])}`);
    else lines.push(a);
  }
  return lines;
}
