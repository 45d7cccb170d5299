import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SchemaSummary } from '../model/schema-summary.js';

/**
 * Schema summaries per QEMU build (version + package), so a live refresh reads query-qmp-schema
 * once per build, not every time. $COLO_CACHE_DIR, else $XDG_CACHE_HOME/colo, else ~/.cache/colo.
 */
function dir(): string {
  const env = process.env;
  // $HOME as os.homedir() reads it first (node:os is then not loaded at all: the start file loads it on first use)
  return env.COLO_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(env.HOME || homedir(), '.cache'), 'colo');
}

/** bumped whenever SchemaSummary gains a field or its lists change: older summaries are read anew */
const SUMMARY_FORMAT = 1;
const FIELDS = ['commands', 'capabilities', 'parameters', 'chardevSocket', 'blockDrivers'];

export function schemaKey(v: { major: number; minor: number; micro: number; package: string }): string {
  return `v${SUMMARY_FORMAT}-qemu-${v.major}.${v.minor}.${v.micro}-${createHash('sha256').update(v.package).digest('hex').slice(0, 16)}`;
}

export function cachedSchema(key: string): SchemaSummary | undefined {
  try {
    const s = JSON.parse(readFileSync(join(dir(), 'schema', `${key}.json`), 'utf8'));
    return FIELDS.every((f) => Array.isArray(s?.[f]) && s[f].every((x: unknown) => typeof x === 'string')) ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only costs the next refresh one more command. */
export function storeSchema(key: string, summary: SchemaSummary): void {
  try {
    const d = join(dir(), 'schema');
    mkdirSync(d, { recursive: true });
    const tmp = join(d, `${key}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(summary));
    renameSync(tmp, join(d, `${key}.json`));
  } catch {
    /* read-only home: no cache */
  }
}
