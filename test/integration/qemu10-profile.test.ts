// The 9.2+ version profile on a real newer QEMU: Debian 13's QEMU 10.0 in a chroot
// (scripts/qemu10-chroot.sh; .ci/run makes it). Live, the profile comes from query-version: x-colo on
// the secondary too, reconnect-ms on its chardevs. Setup, a secondary failover and a resume converge
// (TCG, checkpoints off: 10.0 deadlocks at the first checkpoint under TCG like 7.2, and its COLO
// checkpoints are broken upstream, which the plan warns about). Skipped where the chroot is missing.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useQemuCleanup } from '../support/qemu.js';
import { makePair, parseJson, usePairCleanup } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

const wrapper = `${process.env.COLO_QEMU10_DIR ?? '/var/tmp/colo-qemu10'}/qemu-system-x86_64`;
const present = existsSync(wrapper) && existsSync(`${process.env.COLO_QEMU10_DIR ?? '/var/tmp/colo-qemu10'}/root/tmp`) && process.getuid?.() === 0;

describe.skipIf(!present)('QEMU 10.0 (9.2+ profile), live', () => {
  it('plans with the live profile, converges, fails over and resumes', async () => {
    const pair = makePair({ name: 'qemu10', portBase: 42980, qemuVersion: '10.0', binary: wrapper });
    for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
    const plan = parseJson(await pair.cli('plan', '-f', pair.file, '--format', 'json'));
    expect(plan.nodes.a.qemu).toMatch(/^10\.0\./);
    expect(plan.warnings.join('\n')).toMatch(/10\.0 has broken COLO/);
    const steps = plan.steps.filter((s: any) => s.execute).map((s: any) => `${s.node} ${s.execute}`);
    expect(steps.slice(0, 3)).toEqual(['b migrate-set-capabilities', 'b nbd-server-start', 'b nbd-server-add']);
    // the secondary was launched with reconnect-ms (9.2+), read from its command line
    const argv = readFileSync(`/proc/${pair.pid('b')}/cmdline`, 'utf8').split('\0');
    expect(argv.filter((a) => a.startsWith('socket,id=red'))).toEqual([expect.stringMatching(/reconnect-ms=1000$/), expect.stringMatching(/reconnect-ms=1000$/)]);

    const apply = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const b = await pair.qmp('b');
    expect((await b.execute('query-colo-status')).mode).toBe('secondary');
    expect((await b.execute('query-migrate-capabilities')).find((c: any) => c.capability === 'x-colo').state).toBe(true);
    await pair.release('b');

    pair.kill('a');
    expect((await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal)).code).toBe(0);
    expect((await pair.cli('launch', '-f', pair.file, '--node', 'a')).code).toBe(0);
    const resume = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(resume.stdout).toContain('secondary-resume');
    expect((await pair.cli('plan', '-f', pair.file, '--detailed-exitcode')).code).toBe(0);
  });
});
