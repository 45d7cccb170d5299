// Parameter drift on a replicating pair under KVM (under TCG any migrate-set-parameters while COLO
// runs forces a checkpoint, where this QEMU deadlocks: reported as skipped there).
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import type { QmpClient } from '../../src/qmp/client.js';
import { useQemuCleanup } from '../support/qemu.js';
import { kvmForTests, launchAndApply, makePair, parseJson, sleep, usePairCleanup } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

/** Checkpoints (RESUME events of the primary) seen over `ms`, with QMP polled all along. */
async function checkpointsOver(c: QmpClient, ms: number): Promise<{ checkpoints: number; polls: number }> {
  const before = c.events().filter((e) => e.event === 'RESUME').length;
  const deadline = Date.now() + ms;
  let polls = 0;
  while (Date.now() < deadline) {
    expect((await c.execute('query-colo-status')).mode).toBe('primary');
    polls++;
    await sleep(100);
  }
  return { checkpoints: c.events().filter((e) => e.event === 'RESUME').length - before, polls };
}

describe('checkpoint delay drift (KVM)', () => {
  it.skipIf(!kvmForTests())('x-checkpoint-delay changed by hand: plan shows the update, apply restores it, checkpoints go on', async () => {
    const pair = makePair({ name: 'kvm-drift', portBase: 42800, accel: 'kvm', checkpointDelayMs: 1000 });
    await launchAndApply(pair);
    const a = await pair.qmp('a');
    expect((await a.execute('query-migrate-parameters'))['x-checkpoint-delay']).toBe(1000);
    expect((await checkpointsOver(a, 2500)).checkpoints).toBeGreaterThanOrEqual(1);
    await a.execute('migrate-set-parameters', { 'x-checkpoint-delay': 5000 });
    expect((await a.execute('query-migrate-parameters'))['x-checkpoint-delay']).toBe(5000);
    await pair.release('a');

    const out = await pair.cli('plan', '-f', pair.file, '--format', 'json', '--detailed-exitcode');
    expect(out.code).toBe(2);
    const plan: Plan = parseJson(out);
    expect(plan.transition).toBe('steady');
    expect(plan.changes.filter((c) => c.action !== 'unmanaged')).toEqual([
      expect.objectContaining({
        node: 'a',
        address: 'a/migration/parameter/x-checkpoint-delay',
        action: 'update',
        before: { value: 5000 },
        after: { value: 1000 },
      }),
    ]);
    expect(plan.steps).toEqual([expect.objectContaining({ node: 'a', execute: 'migrate-set-parameters', arguments: { 'x-checkpoint-delay': 1000 } })]);
    const text = await pair.cli('plan', '-f', pair.file);
    expect(text.stdout).toContain('~ a/migration/parameter/x-checkpoint-delay');

    const before = pair.journalEntries().length;
    const applied = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Converged');
    const mutating = pair
      .journalEntries()
      .slice(before)
      .filter((e) => e.mutating && e.command);
    expect(mutating.map((e) => [e.node, e.command, e.arguments])).toEqual([['a', 'migrate-set-parameters', { 'x-checkpoint-delay': 1000 }]]);

    const a2 = await pair.qmp('a');
    expect((await a2.execute('query-migrate-parameters'))['x-checkpoint-delay']).toBe(1000);
    const after = await checkpointsOver(a2, 4000);
    expect(after.checkpoints).toBeGreaterThanOrEqual(2);
    expect(after.polls).toBeGreaterThan(15);
    expect((await (await pair.qmp('b')).execute('query-colo-status')).mode).toBe('secondary');
    await pair.release('a');
    await pair.release('b');
    expect((await pair.cli('plan', '-f', pair.file, '--detailed-exitcode')).code).toBe(0);
  });
});
