// The offline plan is right for a real QEMU 7.2: both generated command lines start, the offline
// setup steps sent through the QMP transport bring up COLO (primary / secondary, both running).
import { describe, expect, it } from 'vitest';
import { isQmp, isWait, type Plan } from '../../src/plan/types.js';
import { hasKvm, useQemuCleanup } from '../support/qemu.js';
import { makePair, usePairCleanup, type Pair } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

async function runOfflineSetup(pair: Pair): Promise<Plan> {
  const out = await pair.cli('plan', '--offline', '-f', pair.file, '--format', 'json');
  expect(out.code).toBe(0);
  const plan: Plan = JSON.parse(out.stdout);
  expect(plan.transition).toBe('setup');
  for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
  const clients = { a: await pair.qmp('a'), b: await pair.qmp('b') };
  for (const step of plan.steps) {
    const c = clients[step.node as 'a' | 'b'];
    if (isQmp(step)) {
      const r = await c.execute(step.execute, step.arguments);
      if (step.execute === 'human-monitor-command') expect(r).toBe('');
    } else if (isWait(step)) {
      const deadline = Date.now() + step.timeoutMs;
      for (;;) {
        const ok =
          step.wait === 'migration-status'
            ? (await c.execute('query-migrate')).status === step.until
            : step.wait === 'colo-mode'
              ? (await c.execute('query-colo-status')).mode === step.until
              : step.wait === 'chardevs-connected'
                ? (await c.execute('query-chardev')).filter((x: any) => (step.until as string[]).includes(x.label) && !x.filename.startsWith('disconnected'))
                    .length === (step.until as string[]).length
                : true;
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`timed out: ${step.description}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  return plan;
}

describe('offline setup plan on real QEMU 7.2', () => {
  it('TCG: both command lines start and the setup steps reach COLO (checkpoints avoided)', async () => {
    const pair = makePair({ name: 'offsetup-tcg', portBase: 41000, accel: 'tcg' });
    await runOfflineSetup(pair);
    const a = await pair.qmp('a');
    const b = await pair.qmp('b');
    expect((await a.execute('query-colo-status')).mode).toBe('primary');
    expect((await b.execute('query-colo-status')).mode).toBe('secondary');
    expect((await a.execute('query-status')).status).toBe('running');
    expect((await b.execute('query-status')).status).toBe('running');
  });

  it.skipIf(!hasKvm())('KVM: checkpoints every second, QMP still answering after several', async () => {
    const pair = makePair({ name: 'offsetup-kvm', portBase: 41100, accel: 'kvm', checkpointDelayMs: 1000 });
    await runOfflineSetup(pair);
    const a = await pair.qmp('a');
    // each checkpoint stops and resumes the primary's VM: count RESUME events over 5 s
    const before = a.events().filter((e) => e.event === 'RESUME').length;
    const deadline = Date.now() + 5000;
    let answered = 0;
    while (Date.now() < deadline) {
      const s = await a.execute('query-colo-status');
      expect(s.mode).toBe('primary');
      answered++;
      await new Promise((r) => setTimeout(r, 100));
    }
    const checkpoints = a.events().filter((e) => e.event === 'RESUME').length - before;
    expect(checkpoints).toBeGreaterThanOrEqual(3);
    expect(answered).toBeGreaterThan(20);
    expect((await pair.qmp('b').then((b) => b.execute('query-colo-status'))).mode).toBe('secondary');
  });
});
