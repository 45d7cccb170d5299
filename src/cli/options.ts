import { CliError } from './io.js';

/** A --timeout / --sample value in milliseconds. */
export function ms(v: string | undefined, def: number, name = '--timeout'): number {
  const n = Number(v ?? def);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${name} must be a positive number of milliseconds, not "${v}"`, 1, 'BAD_OPTION');
  return n;
}
