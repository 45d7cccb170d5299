// bin/colo runs the CLI from its start-up snapshot (or the bundle): it must say exactly what the
// CLI run in-process says. Needs `npm run build` first (npm test does it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(join(root, 'dist/bundle/colo.mjs'));

async function inProcess(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]) as any,
    env: { ...process.env, NO_COLOR: '1' },
    cwd: root,
  });
  return { code, stdout, stderr };
}

describe.skipIf(!built)('bin/colo (the built CLI)', () => {
  it.each([
    [['validate', '-f', 'examples/pair.yaml']],
    [['plan', '--offline', '-f', 'examples/two-disks-two-nics.yaml', '--format', 'json']],
    [['plan', '--offline', '--assume', 'secondary-resume', '-f', 'examples/tap-bridge.yaml']],
    [['args', '-f', 'examples/qemu-11.1.yaml', '--node', 's', '--format', 'json']],
    [['validate', '-f', 'test/fixtures/does-not-exist.yaml']],
    [['--version']],
    [['--no-color', 'plan', '--offline', '-f', 'examples/pair.yaml']],
    [['--help']],
  ])('%j says what the CLI in-process says', async (args) => {
    const bin = spawnSync(join(root, 'bin/colo'), args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const mine = await inProcess(args);
    expect({ code: bin.status, stdout: bin.stdout, stderr: bin.stderr }).toEqual(mine);
  });

  it('uses the start-up snapshot when it was built by this node', () => {
    const stamp = join(root, 'dist/snapshot/node');
    if (!existsSync(stamp)) return expect(existsSync(join(root, 'dist/bundle/colo.mjs'))).toBe(true);
    const out = spawnSync('sh', ['-x', join(root, 'bin/colo'), '--version'], { cwd: root, encoding: 'utf8' });
    expect(out.stdout.trim()).toBe('0.1.0');
    expect(out.stderr).toMatch(/--snapshot-blob/);
  });
});
