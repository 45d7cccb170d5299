// Every lifecycle on every QEMU line colo supports (7.2, 10.0, 11.1): setup, a second apply that
// sends nothing, secondary failover and resume, primary failover with a dead secondary and primary
// resume, checkpoint-delay drift repaired, split brain refused. The forms come from each node's own
// schema (11.1: return-path with x-colo). Checkpoints are counted where they can run: under KVM, and
// on 11.1 under TCG too; elsewhere that part is reported as skipped.
import { describe, expect, it } from 'vitest';
import type { QmpClient } from '../../src/qmp/client.js';
import { useQemuCleanup } from '../support/qemu.js';
import { qemuTargets, type QemuTarget } from '../support/qemus.js';
import {
  filterChains,
  launchAndApply,
  makePair,
  sleep,
  usePairCleanup,
  type Pair,
  expectSteady,
  nodeState as state,
  planJson as plan,
} from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

const PORTS: Record<QemuTarget['line'], number> = { '7.2': 43100, '10.0': 43300, '11.1': 43500 };

async function apply(pair: Pair) {
  const before = pair.journalEntries().length;
  const out = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
  return {
    ...out,
    mutating: pair
      .journalEntries()
      .slice(before)
      .filter((e) => e.mutating && e.command)
      .map((e) => `${e.node} ${e.command}`),
  };
}

/** RESUME events of a primary over `ms` (each checkpoint stops and resumes it), QMP polled meanwhile. */
async function checkpoints(c: QmpClient, ms: number): Promise<number> {
  const before = c.events().filter((e) => e.event === 'RESUME').length;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    expect((await c.execute('query-colo-status')).mode).toBe('primary');
    await sleep(200);
  }
  return c.events().filter((e) => e.event === 'RESUME').length - before;
}

for (const t of qemuTargets()) {
  const opts = (name: string, offset: number) => ({
    name: `v${t.line.replace('.', '')}-${name}`,
    portBase: PORTS[t.line] + offset,
    accel: t.accel,
    qemuVersion: t.line,
    binary: t.binary,
    checkpointDelayMs: t.checkpoints ? 1000 : 3_600_000,
  });

  describe.skipIf(t.missing !== '')(`QEMU ${t.line} (${t.accel})${t.missing ? `: ${t.missing}` : ''}`, () => {
    it('setup from the live schema, checkpoints, a second apply sends nothing, secondary failover and resume', async () => {
      const pair = makePair(opts('sec', 0));
      for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
      const setup = await plan(pair);
      expect(setup.plan.nodes.a.qemu).toMatch(new RegExp(`^${t.line.replace('.', '\\.')}\\.`));
      const caps = setup.plan.steps
        .filter((s: any) => s.execute === 'migrate-set-capabilities')
        .map((s: any) => [s.node, s.arguments.capabilities.map((c: any) => c.capability)]);
      const colo = t.line === '11.1' ? ['x-colo', 'return-path'] : ['x-colo'];
      expect(caps).toEqual(
        t.line === '7.2'
          ? [['a', colo]]
          : [
              ['b', colo],
              ['a', colo],
            ],
      );
      const applied = await apply(pair);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect(await state(pair, 'a')).toMatchObject({ mode: 'primary', runstate: 'running' });
      expect(await state(pair, 'b')).toMatchObject({ mode: 'secondary', runstate: 'running' });
      if (t.checkpoints) {
        const n = await checkpoints(await pair.qmp('a'), 4000);
        console.log(`QEMU ${t.line} ${t.accel}: ${n} checkpoints in 4 s at 1000 ms`);
        expect(n).toBeGreaterThanOrEqual(2);
        await pair.release('a');
      }
      const again = await apply(pair);
      expect(again.code).toBe(0);
      expect(again.mutating).toEqual([]);
      await expectSteady(pair);

      pair.kill('a');
      const fo = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(fo.code, fo.stdout + fo.stderr).toBe(0);
      expect(await state(pair, 'b')).toMatchObject({ mode: 'none', lastMode: 'secondary', runstate: 'running' });
      expect((await pair.cli('launch', '-f', pair.file, '--node', 'a')).code).toBe(0);
      const resume = await apply(pair);
      expect(resume.code, resume.stdout + resume.stderr).toBe(0);
      expect(resume.stdout).toContain('secondary-resume');
      expect(await state(pair, 'b')).toMatchObject({ mode: 'primary', runstate: 'running' });
      expect(await state(pair, 'a')).toMatchObject({ mode: 'secondary', runstate: 'running' });
      expect(await filterChains(await pair.qmp('b'))).toEqual({ hn0: ['m0', 'redire0', 'redire1', 'rew0'] });
      await pair.release('b');
      if (t.checkpoints) {
        expect(await checkpoints(await pair.qmp('b'), 3000)).toBeGreaterThanOrEqual(1);
        await pair.release('b');
      }
      await expectSteady(pair);
    });

    it('primary failover with a dead secondary converges in one run, then primary resume', async () => {
      const pair = makePair(opts('pri', 50));
      await launchAndApply(pair);
      pair.kill('b');
      const fo = await pair.cli('failover', '-f', pair.file, '--survivor', 'a', '--journal', pair.journal);
      expect(fo.code, fo.stdout + fo.stderr).toBe(0);
      expect(await state(pair, 'a')).toMatchObject({ mode: 'none', lastMode: 'primary', runstate: 'running' });
      const after = await plan(pair);
      expect(after.plan.transition).toBe('degraded');
      expect((await pair.cli('launch', '-f', pair.file, '--node', 'b')).code).toBe(0);
      const resume = await apply(pair);
      expect(resume.code, resume.stdout + resume.stderr).toBe(0);
      expect(resume.stdout).toContain('primary-resume');
      expect(await state(pair, 'a')).toMatchObject({ mode: 'primary', runstate: 'running' });
      expect(await state(pair, 'b')).toMatchObject({ mode: 'secondary', runstate: 'running' });
      await expectSteady(pair);
    });

    // 10.0 and 11.1 enter COLO from a migration stopped before its switchover (profile.pauseAtSwitchover)
    it.skipIf(t.line === '7.2')('a resume whose new secondary dies while the guest waits before the switchover: cancelled, the guest runs on', async () => {
      const pair = makePair(opts('cancel', 150));
      await launchAndApply(pair);
      pair.kill('b');
      expect((await pair.cli('failover', '-f', pair.file, '--survivor', 'a', '--journal', pair.journal)).code).toBe(0);
      expect((await pair.cli('launch', '-f', pair.file, '--node', 'b')).code).toBe(0);
      const resume = await plan(pair);
      const stopped = resume.plan.steps.findIndex((s: any) => s.kind === 'wait' && s.until === 'pre-switchover');
      expect(stopped, 'the resume waits before its switchover').toBeGreaterThan(0);
      // an apply that ended there (interrupted), the guest stopped before its switchover; then the new secondary dies
      const part = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal, '--stop-after', String(stopped + 1));
      expect(part.code, part.stdout + part.stderr).toBe(0);
      expect(await state(pair, 'a')).toMatchObject({ runstate: 'finish-migrate' });
      await pair.release('a');
      pair.kill('b');
      const cancel = await plan(pair);
      expect(cancel.plan).toMatchObject({ transition: 'degraded', gated: false, nodes: { a: { state: 'migrating' } } });
      expect(cancel.plan.steps[0]).toMatchObject({ node: 'a', execute: 'migrate_cancel' });
      const applied = await apply(pair);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect(applied.mutating[0]).toBe('a migrate_cancel');
      expect(await state(pair, 'a')).toMatchObject({ mode: 'none', runstate: 'running' });
      // colo-compare and the filters are gone with the migration: nothing holds the guest's answers
      expect(await filterChains(await pair.qmp('a'))).toEqual({ hn0: [] });
      await pair.release('a');
      // then the pair is degraded like after any failover: nothing more to send until a new secondary waits
      const again = await apply(pair);
      expect(again.stderr).toContain('DEGRADED');
      expect(again.mutating).toEqual([]);
    });

    it('a filter removed by hand: planned as a create in its place, applied, steady again', async () => {
      const pair = makePair(opts('filter', 200));
      await launchAndApply(pair);
      await (await pair.qmp('a')).execute('object-del', { id: 'redire0' });
      await pair.release('a');
      const drift = await plan(pair, '--detailed-exitcode');
      expect(drift.code).toBe(2);
      expect(drift.plan.changes).toEqual([
        expect.objectContaining({ address: 'a/object/redire0', action: 'create', faultTolerance: expect.stringMatching(/redire0 is missing/) }),
      ]);
      expect(drift.plan.steps).toEqual([
        expect.objectContaining({ execute: 'object-add', arguments: expect.objectContaining({ id: 'redire0', insert: 'before', position: 'id=redire1' }) }),
      ]);
      const fixed = await apply(pair);
      expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
      expect(await filterChains(await pair.qmp('a'))).toEqual({ hn0: ['m0', 'redire0', 'redire1'] });
      await pair.release('a');
      await expectSteady(pair);
    });

    it.skipIf(!t.checkpoints)('checkpoint-delay drift: planned as an update, applied, checkpoints go on', async () => {
      const pair = makePair(opts('drift', 100));
      await launchAndApply(pair);
      const a = await pair.qmp('a');
      await a.execute('migrate-set-parameters', { 'x-checkpoint-delay': 7000 });
      await pair.release('a');
      const drift = await plan(pair, '--detailed-exitcode');
      expect(drift.code).toBe(2);
      expect(drift.plan.changes).toEqual([
        expect.objectContaining({ address: 'a/migration/parameter/x-checkpoint-delay', action: 'update', before: { value: 7000 }, after: { value: 1000 } }),
      ]);
      const fixed = await apply(pair);
      expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
      expect(fixed.mutating).toEqual(['a migrate-set-parameters']);
      expect(await checkpoints(await pair.qmp('a'), 3000)).toBeGreaterThanOrEqual(1);
      await pair.release('a');
      await expectSteady(pair);
    });

    it('split brain (both nodes standalone) is refused and nothing is sent', async () => {
      const pair = makePair(opts('split', 150));
      await launchAndApply(pair);
      pair.kill('a');
      const fo = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(fo.code, fo.stdout + fo.stderr).toBe(0);
      const relaunch = await pair.cli('launch', '-f', pair.file, '--node', 'a', '--role', 'primary');
      expect(relaunch.code, relaunch.stdout + relaunch.stderr).toBe(0);
      await (await pair.qmp('a')).execute('cont');
      await pair.release('a');
      const blocked = await plan(pair);
      expect(blocked.code).toBe(1);
      expect(blocked.plan).toMatchObject({ transition: 'blocked', steps: [] });
      expect(blocked.plan.reason).toMatch(/split brain/);
      const refused = await apply(pair);
      expect(refused.code).toBe(1);
      expect(refused.mutating).toEqual([]);
    });
  });
}
