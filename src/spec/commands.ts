/**
 * Commands a spec gives colo to run (fences, hooks): what makes one succeed without doing anything.
 * A fence that exits 0 tells colo the other node is off: one that does nothing would let a failover
 * start a second guest beside a live one.
 */

/** Scripts a shell runs as nothing at all, exit status 0. */
const NO_OP_SCRIPTS = new Set(['', ':', 'true', '/bin/true', '/usr/bin/true', 'exit', 'exit 0']);

/** Programs that exit 0 whatever their arguments. */
const NO_OP_PROGRAMS = new Set([':', 'true', '/bin/true', '/usr/bin/true']);

/** Whether `argv` succeeds without doing anything: blank, `true`, `:`, `exit 0`, or `/bin/sh -c` of one of those. */
export function isNoOpCommand(argv: readonly string[]): boolean {
  if (!argv.length || !argv[0].trim()) return true;
  if (NO_OP_PROGRAMS.has(argv[0].trim())) return true;
  const shell = /^(\/usr)?\/bin\/(ba|da)?sh$|^(ba|da)?sh$/.test(argv[0]) && argv[1] === '-c' && argv.length >= 3;
  return shell && argv[2].split(/[;\n]+/).every((part) => NO_OP_SCRIPTS.has(part.trim()));
}
