// COLO's promise, end to end: a real guest serves HTTP and a TCP stream through a failover. A client
// inside a private network namespace (2 requests/s, 2 s timeout each, one long-lived stream) must see
// no failed request and no gap in the stream while the primary is killed with SIGKILL and
// `colo failover` brings the secondary up on the bridge. Then a new secondary is launched, `colo
// apply` resumes replication, and the secondary is killed in turn (primary failover).
// KVM only: under TCG this QEMU deadlocks at the first checkpoint. Reported as skipped elsewhere.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { hasKvm, useQemuCleanup } from '../support/qemu.js';
import { makePair, usePairCleanup } from '../support/pair.js';
import { canMakeNetns, createTestNet, type TestNet } from '../support/netns.js';
import { chooseRate, ensureGuest, guestPairYaml, startClient } from '../support/guest.js';

useQemuCleanup();
usePairCleanup();

const runnable = hasKvm() && canMakeNetns();
let net: TestNet | undefined;
afterAll(() => net?.remove());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!runnable)('a real guest through failovers (KVM)', () => {
  it('clients notice neither a secondary failover nor, after a resume, a primary failover', async () => {
    const { kernel, initrd } = ensureGuest();
    const ns = `colo-e2e-${process.pid}`;
    net = createTestNet(ns, ['tap-a', 'tap-b']);
    const pair = makePair({ name: 'e2e-guest', portBase: 44000 });
    writeFileSync(pair.file, guestPairYaml({ name: 'e2e-guest', dir: pair.dir, ns, portBase: 44000, kernel, initrd }));
    const journal = pair.journal;

    expect((await pair.cli('launch', '-f', pair.file, '--node', 'a')).code).toBe(0);
    expect((await pair.cli('launch', '-f', pair.file, '--node', 'b')).code).toBe(0);
    const setup = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', journal);
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);

    // the guest boots under COLO (about 100 s on these machines)
    const ready = startClient(ns, ['--wait-ready', '420']);
    expect((await ready.done).ready).toBe(true);

    // The load: 2 requests/s where the guest answers fast enough to carry it. On slow nested KVM
    // (kvm-pvm) the guest takes about 0.5 s per request even without COLO, so 2/s would queue up
    // whatever COLO does: measure first, and run at 1/s there (said in the output).
    const { rate: r, probe } = await chooseRate(ns);
    expect(probe.failed, `the replicating guest must answer before any failover: ${JSON.stringify(probe)}`).toBe(0);
    const rate = String(r);
    console.log(`guest answers in ${probe.latencyMedianMs} ms (median) under COLO: client at ${rate} request(s)/s, 2 s timeout each`);

    // 1. the primary dies under load; the secondary takes over
    const tClient = Date.now();
    const first = startClient(ns, ['--duration', '30', '--rate', rate, '--timeout', '2000']);
    await sleep(10_000);
    const tKill = Date.now();
    const pidA = pair.pid('a')!;
    process.kill(pidA, 'SIGKILL');
    const fo = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', journal);
    const failoverMs = Date.now() - tKill;
    expect(fo.code, fo.stdout + fo.stderr).toBe(0);
    const s1 = await first.done;
    const b = await pair.qmp('b');
    expect((await b.execute('query-colo-status')).mode).toBe('none');
    expect((await b.execute('query-status')).status).toBe('running');
    await pair.release('b');
    console.log(
      `secondary failover: ${s1.total} requests, ${s1.failed} failed, longest gap ${s1.longestGapMs} ms; stream ${s1.stream.lines} lines, ${s1.stream.jumps} jumps, ${s1.stream.connections} connection(s), ${s1.stream.drops} dropped; kill → failover done ${failoverMs} ms; errors ${JSON.stringify(s1.errors)} at ${JSON.stringify(s1.failedAtMs)} ms (kill at ${tKill - tClient} ms)`,
    );
    expect(s1.failed).toBe(0);
    // one stream, never dropped, its counter without a gap (a refused first connect while the
    // guest's server (re)starts is retried and does not count)
    expect(s1.stream.lines).toBeGreaterThan(0);
    expect(s1.stream.connections).toBe(1);
    expect(s1.stream.drops).toBe(0);
    expect(s1.stream.jumps).toBe(0);

    // 2. a new secondary joins, replication resumes with b as primary
    expect((await pair.cli('launch', '-f', pair.file, '--node', 'a')).code).toBe(0);
    const resume = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', journal);
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(resume.stdout).toContain('secondary-resume');

    // 3. the other way round: the new secondary dies, the primary continues alone
    const second = startClient(ns, ['--duration', '20', '--rate', rate, '--timeout', '2000']);
    await sleep(8_000);
    process.kill(pair.pid('a')!, 'SIGKILL');
    const fo2 = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', journal);
    expect(fo2.code, fo2.stdout + fo2.stderr).toBe(0);
    expect(fo2.stdout).toContain('primary-failover');
    const s2 = await second.done;
    console.log(
      `primary failover: ${s2.total} requests, ${s2.failed} failed, longest gap ${s2.longestGapMs} ms; stream ${s2.stream.lines} lines, ${s2.stream.jumps} jumps, ${s2.stream.connections} connection(s), ${s2.stream.drops} dropped; errors ${JSON.stringify(s2.errors)}`,
    );
    expect(s2.failed).toBe(0);
    // one stream, never dropped, its counter without a gap (a refused first connect while the
    // guest's server (re)starts is retried and does not count)
    expect(s2.stream.lines).toBeGreaterThan(0);
    expect(s2.stream.connections).toBe(1);
    expect(s2.stream.drops).toBe(0);
    expect(s2.stream.jumps).toBe(0);
    // the tap hook ran after each failover and was journaled
    const hooks = pair.journalEntries().filter((e) => e.hook === 'switch-tap');
    expect(hooks).toHaveLength(2);
    expect(hooks.every((h) => h.result?.code === 0)).toBe(true);
  }, 600_000);
});
