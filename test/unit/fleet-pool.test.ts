// The bound on parallel work: never more than N tasks at once, every task run, order kept.
import { describe, expect, it } from 'vitest';
import { mapBounded, semaphore } from '../../src/fleet/pool.js';
import { fleetExitCode, fleetReport } from '../../src/fleet/summary.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('bounded parallelism', () => {
  it('semaphore: at most `limit` at once, and all of them run', async () => {
    const slot = semaphore(3);
    let active = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        slot(async () => {
          active++;
          peak = Math.max(peak, active);
          await tick();
          active--;
          return i;
        }),
      ),
    );
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
  });

  it('mapBounded keeps the order of the items', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapBounded([5, 1, 3, 2], 2, async (x) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, x));
      active--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 30, 20]);
    expect(peak).toBe(2);
  });
});

describe('the fleet exit code', () => {
  const r = (outcome: 'ok' | 'changes' | 'failed') => ({ file: 'f', outcome, detail: '' });
  it('1 if any failed, else 2 with changes and --detailed-exitcode, else 0', () => {
    expect(fleetExitCode(fleetReport('plan', [r('ok'), r('changes'), r('failed')]), true)).toBe(1);
    expect(fleetExitCode(fleetReport('plan', [r('ok'), r('changes')]), true)).toBe(2);
    expect(fleetExitCode(fleetReport('plan', [r('ok'), r('changes')]), false)).toBe(0);
    expect(fleetExitCode(fleetReport('plan', [r('ok')]), true)).toBe(0);
    expect(fleetReport('plan', [r('ok'), r('changes'), r('failed')]).summary).toEqual({ pairs: 3, ok: 1, changes: 1, failed: 1 });
  });
});
