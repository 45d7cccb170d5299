// `colo plan` and `colo status` against live QEMU 7.2 pairs: the classification of each node, the
// transition, the changes and the exit codes, checked against what QMP itself says.
import { hostname } from 'node:os';
import { conforms } from '../support/schemas.js';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { useQemuCleanup } from '../support/qemu.js';
import { accelForTests, coloState, filterChains, launchAndApply, makePair, parseJson, usePairCleanup, type Pair } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

const accel = accelForTests();

async function livePlan(pair: Pair, ...extra: string[]): Promise<{ code: number; plan: Plan }> {
  const out = await pair.cli('plan', '-f', pair.file, '--format', 'json', ...extra);
  return { code: out.code, plan: parseJson(out) };
}

async function launch(pair: Pair, node: 'a' | 'b'): Promise<void> {
  const out = await pair.cli('launch', '-f', pair.file, '--node', node);
  expect(out.code, out.stdout + out.stderr).toBe(0);
}

describe(`live plan on QEMU 7.2 (${accel})`, () => {
  it('fresh pair: setup (exit 2 with --detailed-exitcode); after apply: steady, no steps, exit 0', async () => {
    const pair = makePair({ name: 'lp-fresh', portBase: 42000, accel });
    await launch(pair, 'a');
    await launch(pair, 'b');

    const fresh = await livePlan(pair);
    expect(fresh.code).toBe(0);
    expect(fresh.plan.mode).toBe('live');
    expect(fresh.plan.transition).toBe('setup');
    expect(fresh.plan.nodes.a.state).toBe('fresh-primary');
    expect(fresh.plan.nodes.b.state).toBe('fresh-secondary');
    expect(fresh.plan.nodes.a.qemu).toMatch(/^7\.2\./);
    expect(fresh.plan.steps.length).toBeGreaterThan(0);
    expect((await livePlan(pair, '--detailed-exitcode')).code).toBe(2);

    // the plan read the nodes and left them as they were
    const a = await pair.qmp('a');
    const b = await pair.qmp('b');
    expect(await coloState(a)).toMatchObject({ mode: 'none', runstate: 'prelaunch' });
    expect(await coloState(b)).toMatchObject({ mode: 'none', runstate: 'inmigrate' });
    await pair.release('a');
    await pair.release('b');

    const applied = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    const steady = await livePlan(pair);
    expect(steady.code).toBe(0);
    expect(steady.plan.transition).toBe('steady');
    expect(steady.plan.steps).toEqual([]);
    expect(steady.plan.mode).toBe('live');
    expect(steady.plan.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(steady.plan.nodes.a).toMatchObject({ role: 'primary', state: 'colo-primary' });
    expect(steady.plan.nodes.b).toMatchObject({ role: 'secondary', state: 'colo-secondary' });
    expect(steady.plan.changes.filter((c) => c.action !== 'unmanaged')).toEqual([]);
    expect((await livePlan(pair, '--detailed-exitcode')).code).toBe(0);

    const text = await pair.cli('plan', '-f', pair.file, '--detailed-exitcode');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('No changes. The pair matches the spec.');
  });

  it('status --format json: versions, runstates, COLO modes, filters in chain order, NBD exports', async () => {
    const pair = makePair({ name: 'lp-status', portBase: 42050, accel });
    await launchAndApply(pair);
    const out = await pair.cli('status', '-f', pair.file, '--format', 'json');
    expect(out.code, out.stderr).toBe(0);
    const status = parseJson(out);
    conforms('status', status);
    expect(status.monitors.map((m: { node: string; reached: boolean }) => [m.node, m.reached])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(status.from).toBe(hostname());
    expect(status.name).toBe('lp-status');
    expect(status.transition).toBe('steady');
    const [a, b] = status.nodes;
    expect(a).toMatchObject({ name: 'a', state: 'colo-primary', reach: 'ok', runstate: 'running', colo: { mode: 'primary' }, migration: 'colo' });
    expect(b).toMatchObject({ name: 'b', state: 'colo-secondary', reach: 'ok', runstate: 'running', colo: { mode: 'secondary' } });
    expect(a.qemu).toMatch(/^7\.2\.\d+$/);
    expect(b.qemu).toBe(a.qemu);
    expect(a.filters).toEqual({ hn0: ['m0', 'redire0', 'redire1'] });
    expect(b.filters).toEqual({ hn0: ['f1', 'f2', 'rew0'] });
    expect(a.nbdExports).toEqual([]);
    expect(b.nbdExports).toEqual(['parent0']);
    expect(a.replication).toContainEqual(
      expect.objectContaining({ disk: 'colo-disk0', child: 'children.1', node: 'nbd0', driver: 'nbd', target: 'nbd://127.0.0.1:42051/parent0' }),
    );

    // the same facts, straight from QMP
    const qa = await pair.qmp('a');
    const qb = await pair.qmp('b');
    const version = await qa.execute('query-version');
    expect(version.qemu).toMatchObject({ major: 7, minor: 2 });
    // the read took query-version's answer from the greeting, which is the same answer
    expect(a.qemu).toBe(`${version.qemu.major}.${version.qemu.minor}.${version.qemu.micro}`);
    expect(qa.version).toEqual({ ...version.qemu, package: version.package });
    expect(await coloState(qa)).toMatchObject({ mode: 'primary', runstate: 'running' });
    expect(await coloState(qb)).toMatchObject({ mode: 'secondary', runstate: 'running' });
    expect(await filterChains(qa)).toEqual(a.filters);
    expect(await filterChains(qb)).toEqual(b.filters);
    expect((await qb.execute('query-block-exports')).map((e: any) => e.id)).toEqual(['parent0']);
  });

  it('a filter removed by hand: one create on a/object/m0, named as fault tolerance; apply puts it back in its place', async () => {
    const pair = makePair({ name: 'lp-filter', portBase: 42100, accel });
    await launchAndApply(pair);
    const a = await pair.qmp('a');
    await a.execute('object-del', { id: 'm0' });
    expect(await filterChains(a)).toEqual({ hn0: ['redire0', 'redire1'] });
    await pair.release('a');

    const drift = await livePlan(pair, '--detailed-exitcode');
    expect(drift.code).toBe(2);
    expect(drift.plan.transition).toBe('steady');
    const creates = drift.plan.changes.filter((c) => c.action === 'create');
    expect(creates.map((c) => c.address)).toEqual(['a/object/m0']);
    expect(creates[0].faultTolerance).toBeTruthy();
    expect(drift.plan.changes.filter((c) => c.action !== 'unmanaged').map((c) => c.address)).toEqual(['a/object/m0']);
    expect(drift.plan.steps).toEqual([
      expect.objectContaining({ node: 'a', execute: 'object-add', arguments: expect.objectContaining({ 'qom-type': 'filter-mirror', id: 'm0' }) }),
    ]);

    const text = await pair.cli('plan', '-f', pair.file);
    expect(text.code).toBe(0);
    const ft = text.stdout.split('\n\n').find((s) => s.startsWith('Fault tolerance'));
    expect(ft, text.stdout).toBeDefined();
    expect(ft).toContain('a/object/m0');
    expect(ft).toContain('filter-mirror m0 is missing');

    const journalBefore = pair.journalEntries().length;
    const applied = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const mutating = pair
      .journalEntries()
      .slice(journalBefore)
      .filter((e) => e.mutating);
    expect(mutating.map((e) => `${e.node} ${e.command} ${e.arguments.id ?? ''}`)).toEqual(['a object-add m0']);

    const a2 = await pair.qmp('a');
    expect(await filterChains(a2)).toEqual({ hn0: ['m0', 'redire0', 'redire1'] });
    expect(await coloState(a2)).toMatchObject({ mode: 'primary', runstate: expect.stringMatching(/^(running|colo|finish-migrate)$/) });
    await pair.release('a');
    expect((await livePlan(pair, '--detailed-exitcode')).code).toBe(0);
  });

  it('a frozen primary (SIGSTOP): plan answers within its timeout and classifies it hung', async () => {
    const pair = makePair({ name: 'lp-hung', portBase: 42150, accel });
    await launchAndApply(pair);
    pair.kill('a', 'SIGSTOP');
    try {
      const started = Date.now();
      const { code, plan } = await livePlan(pair, '--timeout', '1500');
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(1500 + 3000);
      expect(code).toBe(0);
      expect(plan.nodes.a.state).toBe('hung');
      expect(plan.nodes.a.detail).toMatch(/1500 ms|backlog/);
      expect(plan.nodes.b.state).toBe('colo-secondary');
      // a hung primary may be a partition: the failover stays gated
      expect(plan.transition).toBe('secondary-failover');
      expect(plan.gated).toBe(true);
    } finally {
      pair.kill('a', 'SIGCONT');
    }
  });

  it('primary killed: gated secondary-failover, apply refuses without touching b; after failover and a new a: secondary-resume', async () => {
    const pair = makePair({ name: 'lp-killed', portBase: 42200, accel });
    await launchAndApply(pair);
    pair.kill('a', 'SIGKILL');

    const { code, plan } = await livePlan(pair);
    expect(code).toBe(0);
    expect(plan.nodes.a.state).toBe('unreachable');
    expect(plan.nodes.b.state).toBe('colo-secondary');
    expect(plan.transition).toBe('secondary-failover');
    expect(plan.gated).toBe(true);
    expect(plan.steps.every((s) => s.node === 'b')).toBe(true);
    expect(plan.steps).toContainEqual(expect.objectContaining({ execute: 'x-colo-lost-heartbeat' }));

    const journalBefore = pair.journalEntries().length;
    const refused = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('FAILOVER_GATED');
    expect(refused.stderr).toContain('colo failover');
    expect(
      pair
        .journalEntries()
        .slice(journalBefore)
        .filter((e) => e.mutating),
    ).toEqual([]);
    const b = await pair.qmp('b');
    expect(await coloState(b)).toMatchObject({ mode: 'secondary', runstate: 'running' });
    expect(await filterChains(b)).toEqual({ hn0: ['f1', 'f2', 'rew0'] });
    await pair.release('b');

    const failover = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
    expect(failover.code, failover.stdout + failover.stderr).toBe(0);
    const b2 = await pair.qmp('b');
    expect(await coloState(b2)).toMatchObject({ mode: 'none', lastMode: 'secondary', runstate: 'running' });
    await pair.release('b');

    await launch(pair, 'a');
    const resume = await livePlan(pair, '--detailed-exitcode');
    expect(resume.code).toBe(2);
    expect(resume.plan.transition).toBe('secondary-resume');
    expect(resume.plan.gated).toBe(false);
    expect(resume.plan.nodes.b).toMatchObject({ role: 'primary', state: 'standalone', lastMode: 'secondary' });
    expect(resume.plan.nodes.a).toMatchObject({ role: 'secondary', state: 'fresh-secondary' });
    // the survivor's rewriter stays last: the primary's filters go before it
    const filterAdds = resume.plan.steps.filter(
      (s: any) => s.node === 'b' && s.execute === 'object-add' && String(s.arguments['qom-type']).startsWith('filter-'),
    );
    expect(filterAdds.map((s: any) => s.arguments.position)).toEqual(['id=rew0', 'id=rew0', 'id=rew0']);
  });

  it('a plan against a pair where neither node answers is blocked (exit 1)', async () => {
    const pair = makePair({ name: 'lp-none', portBase: 42250, accel });
    const started = Date.now();
    const out = await pair.cli('plan', '-f', pair.file, '--format', 'json', '--timeout', '1500');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(out.code).toBe(1);
    const plan = parseJson(out);
    expect(plan.transition).toBe('blocked');
    expect(plan.reason).toMatch(/neither node answers/);
  });
});
