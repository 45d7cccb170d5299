// A monitor serves one client at a time: colo processes on one host queue for it (a lock per
// monitor, bounded) instead of timing out at its greeting. On a steady pair (QEMU 11.1, its COLO
// checkpoints running under TCG), ten `colo status` started at once beside a `colo plan` and the
// OCF agent's monitor on both nodes: every status reports both nodes replicating, none says hung,
// the agent says running on each. Separate processes (bin/colo), as a dashboard, an operator, a
// pipeline and Pacemaker would be.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useQemuCleanup } from '../support/qemu.js';
import { qemuTargets } from '../support/qemus.js';
import { makePair, usePairCleanup, expectSteady } from '../support/pair.js';
import { runBin } from '../support/cli.js';

useQemuCleanup();
usePairCleanup();

const q11 = qemuTargets().find((t) => t.line === '11.1')!;

const colo = runBin;

describe.skipIf(!!q11.missing)(`busy is not hung (QEMU 11.1${q11.missing ? `: skipped, ${q11.missing}` : ''})`, () => {
  it('ten colo status at once beside a colo plan and the agent monitor: both nodes replicating, none hung', async () => {
    const pair = makePair({ name: 'queue', portBase: 46000, accel: q11.accel, qemuVersion: '11.1', binary: q11.binary, checkpointDelayMs: 1000 });
    const env = { COLO_STATE_DIR: join(pair.dir, 'state'), HA_RSCTMP: join(pair.dir, 'rsc') };
    // both nodes started by the agent (each gets the agent's own monitor beside the spec's), then set up
    for (const n of ['a', 'b']) {
      const started = await pair.cli('ocf', 'start', '-f', pair.file, '--node', n);
      expect(started.code, started.stderr).toBe(0);
    }
    expect((await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal)).code).toBe(0);
    await expectSteady(pair);

    const t0 = Date.now();
    const runs = await Promise.all([
      ...Array.from({ length: 10 }, () => colo(['status', '-f', pair.file, '--format', 'json'], env)),
      colo(['plan', '-f', pair.file, '--format', 'json', '--detailed-exitcode'], env),
      colo(['ocf', 'monitor', '-f', pair.file, '--node', 'a'], env),
      colo(['ocf', 'monitor', '-f', pair.file, '--node', 'b'], env),
    ]);
    console.log(
      `busy-monitor: 10 status + plan + 2 agent monitors at once, all done in ${Date.now() - t0} ms (load ${(await import('node:os')).loadavg()[0].toFixed(2)})`,
    );
    const statuses = runs.slice(0, 10);
    for (const s of statuses) {
      expect(s.code, s.stderr).toBe(0);
      const j = JSON.parse(s.stdout);
      expect(j.transition, s.stdout).toBe('steady');
      expect(j.nodes.map((n: { name: string; state: string }) => `${n.name} ${n.state}`)).toEqual(['a colo-primary', 'b colo-secondary']);
      // none hung, none busy: each waited its turn at the monitors
      expect(j.nodes.map((n: { reach: string }) => n.reach)).toEqual(['ok', 'ok']);
    }
    const plan = runs[10];
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).transition).toBe('steady');
    // the agent reads its own node over its own monitor, beside the spec's: the primary is promoted, the secondary running
    const [monA, monB] = runs.slice(11);
    expect([monA.code, monB.code], monA.stderr + monB.stderr).toEqual([8, 0]);
  }, 300_000);
});
