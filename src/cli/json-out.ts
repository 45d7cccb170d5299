import { FORMAT_VERSION } from '../model/diagnostic.js';
import { CliError, type Io } from './io.js';

/** Prints one JSON document on stdout, `format_version` first. */
export function writeJson(io: Io, doc: object): void {
  io.stdout.write(JSON.stringify({ format_version: FORMAT_VERSION, ...doc }, null, 2) + '\n');
}

/** --format of a command that prints text or JSON. */
export function textOrJson(format: string | undefined): 'text' | 'json' {
  const f = format ?? 'text';
  if (f !== 'text' && f !== 'json') throw new CliError(`--format must be text or json, not "${f}"`, 1, 'BAD_OPTION');
  return f;
}
