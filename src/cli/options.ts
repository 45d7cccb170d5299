import { CliError } from './io.js';

/** A --timeout / --sample value in milliseconds. */
export function ms(v: string | undefined, def: number, name = '--timeout'): number {
  const n = Number(v ?? def);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${name} must be a positive number of milliseconds, not "${v}"`, 1, 'BAD_OPTION');
  return n;
}

/** A count such as --stop-after: a whole number, 0 or more. */
export function count(v: string, name: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new CliError(`${name} must be a whole number, not "${v}"`, 1, 'BAD_OPTION');
  return n;
}
