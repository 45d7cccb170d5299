// A directory of pairs against real QEMU 7.2 (TCG): apply and status over all of them, each pair's
// result kept apart — a pair whose nodes are not running fails alone, the others converge — and
// the aggregated exit codes.
import { conforms } from '../support/schemas.js';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coloState, makePair, usePairCleanup, type Pair } from '../support/pair.js';
import { makeTempDir, useQemuCleanup } from '../support/qemu.js';
import { runCli } from '../support/cli.js';

useQemuCleanup();
usePairCleanup();

const cli = (cwd: string, state: string, ...args: string[]) => runCli(args, { cwd, env: { ...process.env, NO_COLOR: '1', COLO_STATE_DIR: state } });

async function launch(p: Pair): Promise<void> {
  for (const n of ['a', 'b'] as const) {
    const r = await p.cli('launch', '-f', p.file, '--node', n);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }
}

describe('a fleet of three pairs on real QEMU 7.2 (tcg)', () => {
  it('apply -f DIR: two pairs converge, the one with no QEMU fails alone; status and plan say so per pair', async () => {
    const pairs = [0, 1, 2].map((i) => makePair({ name: `fleet${i}`, portBase: 47300 + i * 50, accel: 'tcg' }));
    const dir = makeTempDir('colo-fleet-live');
    mkdirSync(join(dir, 'pairs'));
    pairs.forEach((p) => copyFileSync(p.file, join(dir, 'pairs', `${p.name}.yaml`)));
    const state = join(dir, 'state');
    await launch(pairs[0]);
    await launch(pairs[2]); // pairs[1] never starts

    const plan = await cli(dir, state, 'plan', '-f', 'pairs', '--format', 'json', '--detailed-exitcode', '--parallel', '2');
    expect(plan.code, plan.stderr).toBe(1);
    const planned = JSON.parse(plan.stdout);
    expect(planned.pairs.map((p: any) => [p.name, p.outcome, p.result?.transition])).toEqual([
      ['fleet0', 'changes', 'setup'],
      ['fleet1', 'failed', 'blocked'],
      ['fleet2', 'changes', 'setup'],
    ]);

    // --out with several pairs: a directory, one saved live plan per pair that could be planned
    const saved = await cli(dir, state, 'plan', '-f', 'pairs', '--out', 'plans', '--format', 'json');
    expect(saved.stderr).toContain('plans saved in plans/NAME.plan.json');
    expect(readdirSync(join(dir, 'plans')).sort()).toEqual(['fleet0.plan.json', 'fleet1.plan.json', 'fleet2.plan.json']);
    const plan0 = JSON.parse(readFileSync(join(dir, 'plans', 'fleet0.plan.json'), 'utf8'));
    expect(plan0).toMatchObject({ format_version: 2, name: 'fleet0', mode: 'live', transition: 'setup', specFile: join(dir, 'pairs', 'fleet0.yaml') });
    conforms('plan', plan0);
    expect(plan0.fingerprint).toMatch(/^sha256:/);

    const applied = await cli(dir, state, 'apply', '-f', 'pairs', '--auto-approve', '--format', 'json');
    expect(applied.code, applied.stdout + applied.stderr).toBe(1);
    const report = JSON.parse(applied.stdout);
    expect(report.format_version).toBe(2);
    expect(report.command).toBe('apply');
    conforms('fleet', report);
    conforms('apply', { format_version: 2, command: 'apply', ...report.pairs[0].result });
    expect(report.pairs.map((p: any) => [p.name, p.outcome])).toEqual([
      ['fleet0', 'ok'],
      ['fleet1', 'failed'],
      ['fleet2', 'ok'],
    ]);
    expect(report.pairs[0].detail).toBe('Converged: the pair replicates as the spec says.');
    expect(report.pairs[1].error.code).toBe('BLOCKED');
    expect(report.summary).toEqual({ pairs: 3, ok: 2, changes: 0, failed: 1 });
    // what QMP itself says
    for (const p of [pairs[0], pairs[2]]) {
      expect(await coloState(await p.qmp('a'))).toMatchObject({ mode: 'primary', runstate: 'running' });
      expect(await coloState(await p.qmp('b'))).toMatchObject({ mode: 'secondary' });
      await p.release('a');
      await p.release('b');
    }
    // each pair journals on its own
    expect(readFileSync(join(state, 'fleet0.journal.jsonl'), 'utf8')).toContain('"migrate"');

    const status = await cli(dir, state, 'status', '-f', 'pairs', '--format', 'json', '--detailed-exitcode');
    // nodes that do not answer are a state status reports, not a failure of status: 2, not converged
    expect(status.code).toBe(2);
    const st = JSON.parse(status.stdout);
    conforms('fleet', st);
    conforms('status', { format_version: 2, command: 'status', ...st.pairs[0].result });
    expect(st.pairs.map((p: any) => [p.name, p.outcome, p.result?.nodes?.map((n: any) => n.state)])).toEqual([
      ['fleet0', 'ok', ['colo-primary', 'colo-secondary']],
      ['fleet1', 'changes', ['unreachable', 'unreachable']],
      ['fleet2', 'ok', ['colo-primary', 'colo-secondary']],
    ]);

    // without the broken pair: the converged fleet exits 0, with --detailed-exitcode too
    const ok = await cli(dir, state, 'plan', '-f', join('pairs', 'fleet0.yaml'), '-f', join('pairs', 'fleet2.yaml'), '--detailed-exitcode');
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/fleet0\s+pairs\/fleet0\.yaml\s+ok\s+steady: 0 step\(s\), 0 change\(s\)/);
    expect(ok.stdout).toContain('2 ok, 0 with changes, 0 failed');
  });
});
