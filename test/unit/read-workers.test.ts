// The spec reader's worker threads (src/ops/read-pairs.ts, read-worker.ts): `colo validate` and
// `colo plan --offline` of a directory say exactly what the sequential reader says, diagnostics and
// their order included, on a generated fleet with good files, bad files and cross-file collisions.
// Runs the built CLI (npm run build); the ports in these specs are never opened (48500-48999).
import { spawnSync } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/colo');
const built = existsSync(join(root, 'dist/start/read-worker.cjs')) && existsSync(join(root, 'dist/bundle/read-worker.mjs'));

function pair(i: number, port: number, name = `w${i}`): string {
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: ${name}, labels: {tier: ${i % 2 ? 'odd' : 'even'}}}
spec:
  qemu: {version: "${['7.2', '10.0', '11.1'][i % 3]}", accel: tcg, memory: 64M, cpu: qemu64}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:/tmp/colo-rw/${i}/a.qmp, workdir: /tmp/colo-rw/${i}/a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:/tmp/colo-rw/${i}/b.qmp, workdir: /tmp/colo-rw/${i}/b}
  disks: [{id: colo-disk0, size: 16M}]
  netdevs: [{id: hn0, type: user, romfile: ""}]
  ports: {migration: ${port}, nbd: ${port + 1}, base: ${port + 2}}
  colo: {checkpointDelayMs: ${1000 + i}}
`;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'colo-read-workers-'));
  const fleet = join(dir, 'fleet');
  mkdirSync(join(fleet, 'sub'), { recursive: true });
  for (let i = 0; i < 70; i++) {
    const f = join(i % 7 === 0 ? join(fleet, 'sub') : fleet, `p${String(i).padStart(3, '0')}.yaml`);
    let text = pair(i, 48500 + i * 6);
    if (i === 5) text = text.replace('metadata: {name: w5,', 'metadata: {name: w4,'); // duplicate pair name
    if (i === 9) text = text.replace(`migration: ${48500 + 9 * 6}`, `migration: ${48500 + 8 * 6}`); // port collision
    if (i === 13) text = text.replace('memory: 64M', 'memory: lots'); // schema error
    if (i === 17) text = text.replace('disks: [', 'disks: [[['); // YAML syntax error
    if (i === 21) text = text.replace('role: secondary', 'role: primary'); // semantic error
    if (i === 25) text = text.replace('colo: {', 'colo: {unknownKey: 1, ');
    writeFileSync(f, text);
  }
  writeFileSync(join(fleet, 'p998.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a])); // not UTF-8
  writeFileSync(join(fleet, 'p999.yml'), '');
  writeFileSync(join(fleet, 'p996.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n'); // another kind: skipped with a note
  execFileSync('mkfifo', [join(fleet, 'p997.yaml')]); // refused at once, never waited on
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function colo(args: string[], workers: string, extra: Record<string, string> = {}) {
  const r = spawnSync(bin, [...args, '--no-color'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1', COLO_READ_WORKERS: workers, ...extra },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built)('spec files read in worker threads', () => {
  it.each([
    [['validate', '-f', 'fleet']],
    [['validate', '-R', '-f', 'fleet']],
    [['validate', '-R', '-f', 'fleet', '-l', 'tier=odd', '--format', 'json']],
    [['plan', '--offline', '-R', '-f', 'fleet', '-l', 'tier=even']],
    [['plan', '--offline', '-R', '-f', 'fleet', '--format', 'json']],
    [['validate', '-f', 'fleet', '--format', 'json']],
    [['plan', '--offline', '-f', 'fleet', '--format', 'json']],
    [['plan', '--offline', '--assume', 'secondary-failover', '-f', 'fleet']],
    [['plan', '--offline', '--assume', 'no-such-transition', '-f', 'fleet', '--format', 'json']],
  ])('%j: the same output, diagnostics and order as the sequential reader', (args) => {
    const sequential = colo(args, '0');
    expect(sequential.code).toBe(1);
    expect(sequential.stdout).toMatch(/DUPLICATE_PAIR_NAME|BAD_OPTION|failed/);
    if (!args.includes('--assume')) expect(sequential.stdout + sequential.stderr).toMatch(/p996\.yaml/);
    for (const workers of ['1', '2', '3']) expect(colo(args, workers)).toEqual(sequential);
  });

  it('the workers did read the files (COLO_DEBUG says so), and a small fleet is read in turn', () => {
    expect(colo(['validate', '-R', '-f', 'fleet'], '2', { COLO_DEBUG: '1' }).stderr).toMatch(/74 spec files read in 2 worker threads and this one/);
    const auto = colo(['validate', '-f', 'fleet/sub'], '', { COLO_DEBUG: '1' });
    expect(auto.stderr).not.toMatch(/worker threads/);
    expect(auto.stdout).toMatch(/p007\.yaml/);
  });
});
