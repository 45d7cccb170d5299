// A pair that checkpoints every second (KVM; under TCG this QEMU deadlocks at the first checkpoint,
// so this is reported as skipped there) through setup, secondary failover and resume.
import { describe, expect, it } from 'vitest';
import type { QmpClient } from '../../src/qmp/client.js';
import { useQemuCleanup } from '../support/qemu.js';
import { coloState, kvmForTests, launchAndApply, makePair, parseJson, sleep, usePairCleanup, type Pair } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

/** RESUME events (one per checkpoint) the primary sends over `ms`, QMP polled all along. */
async function checkpointsOver(c: QmpClient, ms: number): Promise<number> {
  const before = c.events().filter((e) => e.event === 'RESUME').length;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    expect((await c.execute('query-colo-status')).mode).toBe('primary');
    await sleep(100);
  }
  return c.events().filter((e) => e.event === 'RESUME').length - before;
}

async function status(pair: Pair, ...extra: string[]) {
  const out = await pair.cli('status', '-f', pair.file, '--format', 'json', ...extra);
  expect(out.code, out.stderr).toBe(0);
  return parseJson(out);
}

describe('checkpointing pair through failover and resume (KVM)', () => {
  it.skipIf(!kvmForTests())('setup, checkpoints, secondary failover, resume: checkpoints advance, status steady', async () => {
    const pair = makePair({ name: 'kvm-life', portBase: 42850, accel: 'kvm', checkpointDelayMs: 1000 });
    await launchAndApply(pair);
    const a = await pair.qmp('a');
    expect(await checkpointsOver(a, 3500)).toBeGreaterThanOrEqual(2);
    await pair.release('a');
    const s1 = await status(pair);
    expect(s1.transition).toBe('steady');
    expect(s1.nodes.map((n: any) => n.state)).toEqual(['colo-primary', 'colo-secondary']);

    pair.kill('a', 'SIGKILL');
    const failover = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
    expect(failover.code, failover.stdout + failover.stderr).toBe(0);
    const b = await pair.qmp('b');
    expect(await coloState(b)).toMatchObject({ mode: 'none', lastMode: 'secondary', runstate: 'running' });
    await pair.release('b');
    expect((await status(pair)).transition).toBe('degraded');

    expect((await pair.cli('launch', '-f', pair.file, '--node', 'a')).code).toBe(0);
    const resume = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(resume.stdout).toContain('secondary-resume');

    const b2 = await pair.qmp('b');
    expect(await coloState(b2)).toMatchObject({ mode: 'primary', runstate: expect.stringMatching(/^(running|colo|finish-migrate)$/) });
    expect((await b2.execute('query-migrate-parameters'))['x-checkpoint-delay']).toBe(1000);
    const afterResume = await checkpointsOver(b2, 3500);
    expect(afterResume).toBeGreaterThanOrEqual(2);
    const a2 = await pair.qmp('a');
    expect(await coloState(a2)).toMatchObject({ mode: 'secondary', runstate: 'running' });
    await pair.release('a');
    await pair.release('b');

    const s2 = await status(pair);
    expect(s2.transition).toBe('steady');
    expect(s2.nodes.find((n: any) => n.name === 'b')).toMatchObject({
      state: 'colo-primary',
      checkpointDelayMs: 1000,
      filters: { hn0: ['m0', 'redire0', 'redire1', 'rew0'] },
    });
    expect(s2.nodes.find((n: any) => n.name === 'a')).toMatchObject({ state: 'colo-secondary', nbdExports: ['parent0'] });
    // still advancing, as status --sample counts them on the primary it finds (b now)
    const sampled = await status(pair, '--sample', '2500');
    expect(sampled.checkpoints).toMatchObject({ node: 'b', sampleMs: 2500 });
    expect(sampled.checkpoints.count).toBeGreaterThanOrEqual(1);
    expect((await pair.cli('plan', '-f', pair.file, '--detailed-exitcode')).code).toBe(0);
  });
});
