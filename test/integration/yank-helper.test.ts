// The yank helper on a real QEMU 11.1 (its COLO checkpoints run under TCG). A COLO primary whose
// secondary froze (SIGSTOP: its kernel keeps the sockets open and acknowledges, so TCP never gives up,
// whatever net.ipv4.tcp_retries2 says) with a write in flight towards it: the primary's main loop waits
// for the NBD reply and its monitor stops answering. With the helper, `colo failover` cuts the
// connections to the secondary out of band and the primary runs alone; without it, the failover
// cannot reach the survivor for as long as the secondary stays frozen.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qemuTargets } from '../support/qemus.js';
import { makeHosts, useHostsCleanup } from '../support/hosts.js';
import { canMakeNetns } from '../support/netns.js';
import { launchAndApply, makePair, running, sleep, usePairCleanup, nodeState as state, type Pair } from '../support/pair.js';
import { QmpClient, QmpTimeoutError } from '../../src/qmp/client.js';
import { conforms } from '../support/schemas.js';
import { runBin } from '../support/cli.js';

usePairCleanup();
useHostsCleanup();

const PORTS = 48000;
const q11 = qemuTargets().find((t) => t.line === '11.1')!;

const colo = runBin;

const helperPid = (pair: Pair, n: 'a' | 'b') => Number(readFileSync(join(pair.workdir(n), 'yank', 'helper.pid'), 'utf8').split(' ')[0]);

/** Whether a's main monitor answers a command within 1 s (the greeting comes from QEMU's I/O thread, qmp_capabilities from its main loop). */
async function mainLoopAnswers(pair: Pair): Promise<boolean> {
  try {
    const c = await QmpClient.connect({ kind: 'unix', path: pair.qmpPath('a') }, { connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
    await c.execute('query-status');
    await c.close();
    return true;
  } catch (e) {
    if (e instanceof QmpTimeoutError) return false;
    throw e;
  }
}

/** Freezes b, then writes 1 MiB to a's replicated disk as a guest would: the write waits for b's NBD reply, with QEMU's main loop. */
async function freezeWithWriteInFlight(pair: Pair): Promise<void> {
  pair.kill('b', 'SIGSTOP');
  const c = await QmpClient.connect({ kind: 'unix', path: pair.qmpPath('a') }, { connectTimeoutMs: 3000, commandTimeoutMs: 1000 });
  await c.hmp('qemu-io colo-disk0 "write -P 0xab 0 1M"').catch(() => undefined);
  await c.close();
}

describe.skipIf(q11.missing !== '')('QEMU 11.1: the yank helper cuts a frozen secondary out of band', () => {
  it('launch gives each QEMU a yank monitor in a private directory and a helper that holds it', async () => {
    const pair = makePair({ name: 'yank111-ln', portBase: PORTS, accel: q11.accel, qemuVersion: '11.1', binary: q11.binary, checkpointDelayMs: 1000 });
    const out = await pair.cli('launch', '-f', pair.file, '--node', 'a', '--format', 'json');
    expect(out.code, out.stderr).toBe(0);
    const launched = JSON.parse(out.stdout);
    conforms('launch', launched);
    const dir = join(pair.workdir('a'), 'yank');
    expect(launched.argv).toEqual(expect.arrayContaining(['-mon', 'chardev=colo-yank,mode=control']));
    expect(launched.argv).toContain(`socket,id=colo-yank,path=${dir}/qmp.sock,server=on,wait=off`);
    expect(launched.yankHelper).toEqual({ pid: helperPid(pair, 'a') });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'ctl.sock')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'helper.log'), 'utf8')).toMatch(/serving .*ctl\.sock .*QEMU 11\.1/);
    // stop ends QEMU, and its helper with it
    const pid = helperPid(pair, 'a');
    const stop = await pair.cli('stop', '-f', pair.file, '--node', 'a');
    expect(stop.code, stop.stderr).toBe(0);
    for (let i = 0; i < 100 && running(pid); i++) await sleep(20);
    expect(running(pid)).toBe(false);
  });

  it('a frozen secondary with a write in flight: the primary fails over through the helper (tcp_retries2 untouched)', async () => {
    const pair = makePair({ name: 'yank111-on', portBase: PORTS + 50, accel: q11.accel, qemuVersion: '11.1', binary: q11.binary, checkpointDelayMs: 1000 });
    await launchAndApply(pair);
    console.log(`net.ipv4.tcp_retries2 = ${readFileSync('/proc/sys/net/ipv4/tcp_retries2', 'utf8').trim()}`);
    await freezeWithWriteInFlight(pair);
    expect(await mainLoopAnswers(pair)).toBe(false);
    const before = pair.journalEntries().length;
    const started = Date.now();
    const out = await pair.cli('failover', '-f', pair.file, '--survivor', 'a', '--no-fence', '--timeout', '3000', '--journal', pair.journal);
    console.log(`QEMU 11.1 TCG, frozen secondary, write in flight: failover decision to a serving alone with the yank helper: ${Date.now() - started} ms`);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    const cut = pair
      .journalEntries()
      .slice(before)
      .find((e) => e.event === 'yank-oob');
    expect(cut?.cut).toEqual(
      expect.arrayContaining([
        { type: 'migration' },
        { type: 'chardev', id: 'mirror0' },
        { type: 'chardev', id: 'compare1' },
        { type: 'block-node', 'node-name': 'nbd0' },
      ]),
    );
    expect(cut?.cut).toHaveLength(4);
    expect(await state(pair, 'a')).toMatchObject({ mode: 'none', lastMode: 'primary', runstate: 'running' });
    expect(readFileSync(join(pair.workdir('a'), 'yank', 'helper.log'), 'utf8')).toMatch(/yank .*"migration".*: ok/);
    pair.kill('b', 'SIGKILL');
  });

  it('the same without a helper: the survivor cannot be reached while the secondary stays frozen', async () => {
    const pair = makePair({ name: 'yank111-off', portBase: PORTS + 100, accel: q11.accel, qemuVersion: '11.1', binary: q11.binary, checkpointDelayMs: 1000 });
    await launchAndApply(pair);
    process.kill(helperPid(pair, 'a'), 'SIGKILL');
    await freezeWithWriteInFlight(pair);
    const out = await pair.cli('failover', '-f', pair.file, '--survivor', 'a', '--no-fence', '--timeout', '3000', '--journal', pair.journal);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/SURVIVOR_UNREACHABLE: survivor a is hung: .*a has no yank helper running/);
    // it stays blocked as long as the secondary is frozen: TCP has nothing to give up on
    const waited = Date.now();
    while (Date.now() - waited < 20_000) {
      expect(await mainLoopAnswers(pair)).toBe(false);
      await sleep(2000);
    }
    console.log(`without the helper: a still blocked ${Date.now() - waited} ms after the failover gave up`);
    // thawed, the secondary answers the write and the primary's main loop comes back
    pair.kill('b', 'SIGCONT');
    let answers = false;
    for (let i = 0; i < 30 && !answers; i++) answers = await mainLoopAnswers(pair);
    expect(answers).toBe(true);
    pair.kill('b', 'SIGKILL');
  });

  it("the agent: Pacemaker's post-stop notify on a primary blocked by its frozen secondary cuts through the helper, and the primary runs alone", async () => {
    const pair = makePair({ name: 'yank111-ocf', portBase: PORTS + 150, accel: q11.accel, qemuVersion: '11.1', binary: q11.binary, checkpointDelayMs: 1000 });
    // both started by the agent (its own monitor and the yank monitor beside the spec's), then set up
    for (const n of ['a', 'b']) {
      const started = await pair.cli('ocf', 'start', '-f', pair.file, '--node', n);
      expect(started.code, started.stderr).toBe(0);
      expect(started.stderr).toMatch(/yank helper: pid \d+/);
    }
    expect((await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal)).code).toBe(0);
    const env = {
      COLO_STATE_DIR: join(pair.dir, 'state'),
      HA_RSCTMP: join(pair.dir, 'rsc'),
      OCF_RESOURCE_INSTANCE: 'yank:0',
      OCF_RESKEY_CRM_meta_timeout: '90000',
    };
    // the monitor saw a COLO primary (the agent's notify acts on what it last saw)
    expect((await colo(['ocf', 'monitor', '-f', pair.file, '--node', 'a'], env)).code).toBe(8);
    await freezeWithWriteInFlight(pair);
    const started = Date.now();
    const notify = await colo(['ocf', 'notify', '-f', pair.file, '--node', 'a'], {
      ...env,
      OCF_RESKEY_CRM_meta_notify_type: 'post',
      OCF_RESKEY_CRM_meta_notify_operation: 'stop',
      OCF_RESKEY_CRM_meta_notify_stop_uname: 'b',
    });
    console.log(`QEMU 11.1 TCG, the agent's post-stop notify with a frozen secondary and a write in flight: a runs alone after ${Date.now() - started} ms`);
    expect(notify.code, notify.stderr).toBe(0);
    expect(notify.stderr).toMatch(/the main loop is blocked: cut the migration, mirror0, compare1, nbd0 out of band|cut .*mirror0.*out of band/);
    expect(notify.stderr).toMatch(/primary-failover: \d+ steps/);
    expect(await state(pair, 'a')).toMatchObject({ mode: 'none', lastMode: 'primary', runstate: 'running' });
    pair.kill('b', 'SIGKILL');
  }, 180_000);

  it.skipIf(!canMakeNetns())(
    "two hosts, the secondary's host loses power (no FIN, no RST) with a write in flight: the primary fails over through the helper",
    async () => {
      const hosts = makeHosts();
      const pair = makePair({
        name: 'yank111-link',
        portBase: PORTS + 200,
        accel: q11.accel,
        qemuVersion: '11.1',
        binary: q11.binary,
        checkpointDelayMs: 1000,
        hosts: { a: { addr: hosts.a.addr, ns: hosts.a.ns }, b: { addr: hosts.b.addr, ns: hosts.b.ns } },
      });
      await launchAndApply(pair);
      const retries = execFileSync('ip', ['netns', 'exec', hosts.a.ns, 'cat', '/proc/sys/net/ipv4/tcp_retries2'], { encoding: 'utf8' }).trim();
      console.log(`host a's net.ipv4.tcp_retries2 = ${retries}`);
      // b's host loses power: its link goes first, so a never hears of its sockets' end (a QEMU whose
      // link alone is cut still answers on its unix monitor: that is PEER_ALIVE, refused)
      hosts.b.powerOff();
      const c = await QmpClient.connect({ kind: 'unix', path: pair.qmpPath('a') }, { connectTimeoutMs: 3000, commandTimeoutMs: 1000 });
      await c.hmp('qemu-io colo-disk0 "write -P 0xab 0 1M"').catch(() => undefined);
      await c.close();
      expect(await mainLoopAnswers(pair)).toBe(false);
      const started = Date.now();
      const out = await pair.cli('failover', '-f', pair.file, '--survivor', 'a', '--no-fence', '--timeout', '3000', '--journal', pair.journal);
      console.log(
        `QEMU 11.1 TCG, the secondary's host powered off (link first), write in flight: failover decision to a serving alone with the yank helper: ${Date.now() - started} ms`,
      );
      expect(out.code, out.stdout + out.stderr).toBe(0);
      expect(pair.journalEntries().find((e) => e.event === 'yank-oob')?.cut).toHaveLength(4);
      expect(await state(pair, 'a')).toMatchObject({ mode: 'none', lastMode: 'primary', runstate: 'running' });
    },
  );
});
