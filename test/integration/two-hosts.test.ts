// Each node on its own emulated host (network namespaces, a replication link on TEST-NET-2):
// migration, NBD and the mirror/compare channels cross the link with the hosts' own addresses, the
// primary's compare pairs stay on its loopback. The failures that happen, each asserting what plan,
// failover and apply do, that the guest's disk holds what it should, and that afterwards exactly one
// node runs the guest: QEMU killed, the host frozen then thawed, power lost (links down and every
// process killed at once: no FIN, no RST), the replication link cut while both run, then healed.
import { describe, expect, it } from 'vitest';
import { guestReads, guestWriteCheckpointed, MiB } from '../support/disk.js';
import { makeHosts, useHostsCleanup, type Hosts } from '../support/hosts.js';
import { canMakeNetns } from '../support/netns.js';
import { useQemuCleanup } from '../support/qemu.js';
import { qemuTargets } from '../support/qemus.js';
import { makePair, usePairCleanup, waitUntil, type Pair, nodeState as mode, planJson as plan } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();
useHostsCleanup();

const netns = canMakeNetns();
const PORTS = { '7.2': 45000, '10.0': 45100, '11.1': 45200 } as const;

/** Nodes whose guest reaches the clients: a COLO primary, or a node running alone. */
async function owners(pair: Pair, nodes: Array<'a' | 'b'>): Promise<string[]> {
  const out: string[] = [];
  for (const n of nodes) {
    const s = await mode(pair, n).catch(() => undefined);
    if (s && s.runstate !== 'inmigrate' && s.runstate !== 'prelaunch' && s.mode !== 'secondary') out.push(n);
  }
  return out;
}
const ms = (t0: number) => Date.now() - t0;

for (const t of qemuTargets()) {
  describe.skipIf(t.missing !== '' || !netns)(`QEMU ${t.line}: two hosts${!netns ? ' (no network namespaces here)' : ''}`, () => {
    const setup = async (
      name: string,
      offset: number,
      extra: (h: Hosts) => object = () => ({}),
    ): Promise<{ pair: Pair; hosts: Hosts; written: Array<[number, number]> }> => {
      const hosts = makeHosts();
      const pair = makePair({
        name: `twohost${t.line.replace('.', '')}-${name}`,
        portBase: PORTS[t.line] + offset,
        accel: t.accel,
        qemuVersion: t.line,
        binary: t.binary,
        checkpointDelayMs: t.checkpoints ? 1000 : 3_600_000,
        hosts: { a: { addr: hosts.a.addr, ns: hosts.a.ns }, b: { addr: hosts.b.addr, ns: hosts.b.ns } },
        ...extra(hosts),
      });
      for (const n of ['a', 'b'] as const) {
        const l = await pair.cli('launch', '-f', pair.file, '--node', n);
        expect(l.code, l.stdout + l.stderr).toBe(0);
      }
      const applied = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      // the replication channels cross the link with the hosts' addresses
      const chardevs: any[] = await (await pair.qmp('b')).execute('query-chardev');
      await pair.release('b');
      expect(chardevs.find((c) => c.label === 'red0')?.filename).toMatch(new RegExp(`${hosts.a.addr.replaceAll('.', '\\.')}:${PORTS[t.line] + offset + 12}`));
      const written: Array<[number, number]> = [];
      if (t.checkpoints) {
        await guestWriteCheckpointed(await pair.qmp('a'), 0x5a, 2 * MiB);
        await pair.release('a');
        written.push([0x5a, 2 * MiB]);
      }
      return { pair, hosts, written };
    };
    const survivorHas = async (pair: Pair, hosts: Hosts, n: 'a' | 'b', written: Array<[number, number]>, port: number) => {
      if (!written.length) return;
      const r = await guestReads(await pair.qmp(n), port, written, hosts[n].ns);
      await pair.release(n);
      expect(r.ok, r.text).toBe(written.length);
    };
    const resume = async (pair: Pair, dead: 'a' | 'b') => {
      const l = await pair.cli('launch', '-f', pair.file, '--node', dead);
      expect(l.code, l.stdout + l.stderr).toBe(0);
      const r = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect((await pair.cli('plan', '-f', pair.file, '--detailed-exitcode')).code).toBe(0);
    };

    it('(a) QEMU killed on the primary host: gated failover, the survivor serves with the data, resume', async () => {
      const { pair, hosts, written } = await setup('kill', 0);
      const t0 = Date.now();
      pair.kill('a');
      expect((await plan(pair)).plan).toMatchObject({ transition: 'secondary-failover', gated: true });
      const fo = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(fo.code, fo.stdout + fo.stderr).toBe(0);
      console.log(`QEMU ${t.line} two hosts (a) QEMU killed → b alone: ${ms(t0)} ms`);
      await survivorHas(pair, hosts, 'b', written, PORTS[t.line] + 40);
      expect(await owners(pair, ['b'])).toEqual(['b']);
      await resume(pair, 'a');
      expect(await owners(pair, ['a', 'b'])).toEqual(['b']);
    });

    it('(b) primary host frozen, fenced by its fence command, then a new secondary there', async () => {
      // the fence kills every process of the frozen host (as a power switch would)
      const fence = (h: Hosts) => ({
        nodeExtra: { a: `fence: {run: ["/bin/sh", "-c", "for p in $(ip netns pids ${h.a.ns}); do kill -9 $p; done"], timeoutMs: 5000}` },
      });
      const { pair, hosts, written } = await setup('freeze', 50, fence);
      const t0 = Date.now();
      hosts.a.freeze();
      const fo = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(fo.code, fo.stdout + fo.stderr).toBe(0);
      expect(fo.stdout).toMatch(/fence a: .* fenced \(exit 0\)/);
      console.log(`QEMU ${t.line} two hosts (b) host frozen → fenced → b alone: ${ms(t0)} ms`);
      expect(hosts.a.pids()).toEqual([]);
      await survivorHas(pair, hosts, 'b', written, PORTS[t.line] + 90);
      await resume(pair, 'a');
      expect(await owners(pair, ['a', 'b'])).toEqual(['b']);
    });

    it('(c) power lost on the secondary host (no FIN, no RST): the primary failover is bounded, then resume', async () => {
      const { pair, hosts } = await setup('power', 100);
      const t0 = Date.now();
      hosts.b.powerOff();
      const fo = await pair.cli('failover', '-f', pair.file, '--survivor', 'a', '--timeout', '5000', '--journal', pair.journal);
      expect(fo.code, fo.stdout + fo.stderr).toBe(0);
      console.log(`QEMU ${t.line} two hosts (c) power lost on b → a alone: ${ms(t0)} ms`);
      expect(await mode(pair, 'a')).toMatchObject({ mode: 'none', lastMode: 'primary', runstate: 'running' });
      hosts.b.linkUp();
      await resume(pair, 'b');
      expect(await owners(pair, ['a', 'b'])).toEqual(['a']);
    });

    it('(d) replication link cut while both run: nothing fails over by itself, a failover is refused, the pair goes on once healed', async () => {
      const { pair, hosts } = await setup('cut', 150);
      hosts.a.linkDown();
      const during = await plan(pair);
      expect(['steady', 'blocked']).toContain(during.plan.transition);
      expect(during.plan.gated).toBe(false);
      const fo = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(fo.code).toBe(1);
      expect(fo.stderr).toMatch(/PEER_ALIVE/);
      hosts.a.linkUp();
      await waitUntil(async () => (await plan(pair)).plan.transition === 'steady', 60_000, 'the pair is steady again');
      expect(await owners(pair, ['a', 'b'])).toEqual(['a']);
      expect(await mode(pair, 'b')).toMatchObject({ mode: 'secondary' });
    });
  });
}
