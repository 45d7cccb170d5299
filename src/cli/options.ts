import { CliError } from './io.js';

/** A --timeout/--sample value in milliseconds. */
export function ms(v: string | undefined, def: number): number {
  const n = Number(v ?? def);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`--timeout must be a positive number of milliseconds, not "${v}"`);
  return n;
}
