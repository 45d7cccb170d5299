// bin/colo runs the CLI from its start-up file with V8's code cache (or the bundle): it must say exactly what the
// CLI run in-process says. Needs `npm run build` first (npm test does it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(join(root, 'dist/bundle/colo.mjs'));

const inProcess = (args: string[]) => runCli(args, { cwd: root, env: { ...process.env, NO_COLOR: '1' } });

describe('bin/colo (the built CLI)', () => {
  it('is built (npm run build; npm test does it first)', () => {
    expect(built, 'dist/bundle/colo.mjs is missing: run npm run build').toBe(true);
  });

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

  it('a tls: monitor loads node:tls from the start-up file too (it runs as a vm.Script, where import() has no loader)', async () => {
    const pki = mkdtempSync(join(tmpdir(), 'colo-bin-tls-'));
    try {
      // credentials that are read, then refused by node:tls before any connection is tried
      for (const f of ['ca-cert.pem', 'client-cert.pem', 'client-key.pem']) writeFileSync(join(pki, f), 'not a PEM\n');
      const args = ['status', '-f', 'examples/tap-bridge.yaml', '--timeout', '500', '--no-color'];
      const env = { ...process.env, NO_COLOR: '1', COLO_QMP_TLS_DIR: pki };
      const bin = spawnSync(join(root, 'bin/colo'), args, { cwd: root, encoding: 'utf8', env });
      expect(bin.stdout + bin.stderr).not.toMatch(/INTERNAL|dynamic import/);
      // node:tls itself refused the credentials
      expect(bin.stdout).toMatch(/east +hung +QMP socket: .*PEM/);
    } finally {
      rmSync(pki, { recursive: true, force: true });
    }
  });

  it('uses the start-up file and its code cache, which this node accepts', () => {
    const start = join(root, 'dist/start/start.cjs');
    if (!existsSync(start)) return expect(existsSync(join(root, 'dist/bundle/colo.mjs'))).toBe(true);
    const out = spawnSync('sh', ['-x', join(root, 'bin/colo'), '--version'], { cwd: root, encoding: 'utf8', env: { ...process.env, COLO_DEBUG: '1' } });
    expect(out.stdout.trim()).toBe('0.1.0');
    expect(out.stderr).toMatch(/dist\/start\/start\.cjs/);
    expect(out.stderr).not.toMatch(/code cache does not fit/);
  });
});
