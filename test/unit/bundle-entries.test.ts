// Both built entries of the CLI (the start-up file bin/colo runs, and the ESM bundle it falls back to)
// say what the CLI in-process says, for commands that reach the built-ins the bundles load on first use
// (node:os for the fleet reader's core count, node:crypto, node:child_process). Needs `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entries = ['dist/start/start.cjs', 'dist/bundle/colo.mjs'];

describe.each(entries)('%s', (entry) => {
  it.each([
    // a worker asked for: the reader counts the cores (node:os) and starts it
    [['validate', '-f', 'examples', '--format', 'json'], '1'],
    [['plan', '--offline', '-f', 'examples', '--format', 'json'], '1'],
    [['plan', '--offline', '-f', 'examples', '--format', 'json'], undefined],
    [['plan', '--offline', '-f', 'examples/pair.yaml'], undefined],
    [['args', '-f', 'examples/pair.yaml', '--node', 'a'], undefined],
  ])('%j (COLO_READ_WORKERS=%s) says what the CLI in-process says', async (args, workers) => {
    expect(existsSync(join(root, entry)), `${entry} is missing: run npm run build`).toBe(true);
    const env = { ...process.env, NO_COLOR: '1', COLO_READ_WORKERS: workers };
    const out = spawnSync(process.execPath, [join(root, entry), ...args], { cwd: root, encoding: 'utf8', env });
    const mine = await runCli(args, { cwd: root, env });
    expect(out.stderr).not.toMatch(/INTERNAL/);
    expect({ code: out.status, stdout: out.stdout, stderr: out.stderr }).toEqual(mine);
  });
});
