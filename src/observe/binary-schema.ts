import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVersion, type QemuVersion } from '../model/profile.js';
import { summarizeSchema, type SchemaEntry, type SchemaSummary } from '../model/schema-summary.js';
import { QmpClient } from '../qmp/client.js';
import { cachedSchema, schemaKey, storeSchema } from './schema-cache.js';

export interface BinaryInfo {
  version: QemuVersion;
  package: string;
  schema?: SchemaSummary;
}

/** `qemu-system-x86_64 --version`: "QEMU emulator version 11.1.3 (Debian 1:11.1.3+ds-2~bpo13+1)". */
export function parseVersionOutput(text: string): { version: QemuVersion; package: string } | undefined {
  const m = /QEMU emulator version (\d+\.\d+(?:\.\d+)?)\s*(?:\(([^)]*)\))?/.exec(text);
  const version = m ? parseVersion(m[1]) : undefined;
  return version ? { version, package: m?.[2]?.trim() ?? '' } : undefined;
}

async function readSchema(binary: string, wrapper: string[], timeoutMs: number): Promise<SchemaSummary | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'colo-schema-'));
  const sock = join(dir, 'qmp.sock');
  const cmd = [...wrapper, binary, '-M', 'none', '-display', 'none', '-nodefaults', '-S', '-qmp', `unix:${sock},server=on,wait=off`];
  const child = spawn(cmd[0], cmd.slice(1), { stdio: 'ignore' });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        const c = await QmpClient.connect(
          { kind: 'unix', path: sock },
          { connectTimeoutMs: Math.max(100, deadline - Date.now()), commandTimeoutMs: Math.max(100, deadline - Date.now()) },
        );
        try {
          return summarizeSchema((await c.execute('query-qmp-schema')) as SchemaEntry[]);
        } finally {
          await c.close();
        }
      } catch {
        if (Date.now() > deadline || child.exitCode !== null) return undefined;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the QEMU binary `colo launch` is about to start offers: its version from --version, its
 * schema from the cache of that build, else read once from the binary itself (-M none, a second).
 */
export async function binaryInfo(binary: string, wrapper: string[] = [], timeoutMs = 10_000): Promise<BinaryInfo | { error: string }> {
  const cmd = [...wrapper, binary, '--version'];
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  const parsed = r.status === 0 ? parseVersionOutput(r.stdout) : undefined;
  if (!parsed)
    return {
      error: `${binary} --version ${r.error ? `failed: ${r.error.message}` : `said: ${(r.stdout + r.stderr).trim().slice(0, 200) || `exit ${r.status}`}`}`,
    };
  const key = schemaKey({ ...parsed.version, package: parsed.package });
  let schema = cachedSchema(key);
  if (!schema) {
    schema = await readSchema(binary, wrapper, timeoutMs);
    if (schema) storeSchema(key, schema);
  }
  return { ...parsed, ...(schema ? { schema } : {}) };
}
