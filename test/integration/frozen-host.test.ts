// A host that freezes (every process stopped, sockets left open) instead of dying: failover must be
// bounded, must not hand the guest to a second node while the first can come back, and a thawed
// old primary beside the survivor is a split brain colo names and never deepens. On every QEMU line.
import { describe, expect, it } from 'vitest';
import { useQemuCleanup } from '../support/qemu.js';
import { qemuTargets } from '../support/qemus.js';
import { launchAndApply, makePair, parseJson, running, usePairCleanup, type Pair, nodeState as state } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

const PORTS = { '7.2': 44500, '10.0': 44600, '11.1': 44700 } as const;

const mutating = (pair: Pair, from: number) =>
  pair
    .journalEntries()
    .slice(from)
    .filter((e) => e.mutating && e.command)
    .map((e) => `${e.node} ${e.command}`);

for (const t of qemuTargets()) {
  const opts = (name: string, offset: number, extra = {}) => ({
    name: `frz${t.line.replace('.', '')}-${name}`,
    portBase: PORTS[t.line] + offset,
    accel: t.accel,
    qemuVersion: t.line,
    binary: t.binary,
    checkpointDelayMs: t.checkpoints ? 1000 : 3_600_000,
    ...extra,
  });

  describe.skipIf(t.missing !== '')(`QEMU ${t.line}: a frozen host`, () => {
    it('a healthy peer: failover is refused (PEER_ALIVE) and nothing is sent', async () => {
      const pair = makePair(opts('alive', 0));
      await launchAndApply(pair);
      const before = pair.journalEntries().length;
      const out = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/PEER_ALIVE: a answers QMP as colo-primary/);
      expect(mutating(pair, before)).toEqual([]);
      expect(await state(pair, 'b')).toMatchObject({ mode: 'secondary' });
    });

    it('frozen primary, no fence declared: refused (NEEDS_FENCE); with --no-fence it takes over, and the thawed primary is a split brain', async () => {
      const pair = makePair(opts('nofence', 50));
      await launchAndApply(pair);
      pair.kill('a', 'SIGSTOP');
      const refused = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/NEEDS_FENCE: a is hung/);
      expect(await state(pair, 'b')).toMatchObject({ mode: 'secondary' });

      const started = Date.now();
      const forced = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--no-fence', '--journal', pair.journal);
      console.log(`QEMU ${t.line}: failover from a frozen primary took ${Date.now() - started} ms (peer probe included)`);
      expect(forced.code, forced.stdout + forced.stderr).toBe(0);
      expect(pair.journalEntries().some((e) => e.event === 'no-fence')).toBe(true);
      expect(await state(pair, 'b')).toMatchObject({ mode: 'none', lastMode: 'secondary', runstate: 'running' });

      pair.kill('a', 'SIGCONT');
      const out = await pair.cli('plan', '-f', pair.file, '--format', 'json');
      const plan = parseJson(out);
      expect(out.code).toBe(1);
      expect(plan).toMatchObject({ transition: 'blocked', steps: [] });
      expect(plan.reason).toMatch(/split brain: .*b took over while a kept running/);
      const before = pair.journalEntries().length;
      const apply = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--allow-failover', '--journal', pair.journal);
      expect(apply.code).toBe(1);
      expect(mutating(pair, before)).toEqual([]);
    });

    it('frozen primary with a fence command: fenced first, then the takeover; one node runs the guest', async () => {
      const fence = 'fence: {run: ["/bin/sh", "-c", "kill -9 $(cat DIR/a/qemu.pid)"], timeoutMs: 5000}';
      const pair = makePair(opts('fence', 100, { nodeExtra: { a: fence } }));
      await launchAndApply(pair);
      const pid = pair.pid('a');
      pair.kill('a', 'SIGSTOP');
      const out = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(out.code, out.stdout + out.stderr).toBe(0);
      expect(out.stdout).toMatch(/1\. a: fence a: .*fenced \(exit 0\)/);
      expect(pair.journalEntries().find((e) => e.event === 'fence')).toMatchObject({ node: 'a', code: 0 });
      expect(pid && running(pid)).toBe(false);
      expect(await state(pair, 'b')).toMatchObject({ mode: 'none', runstate: 'running' });
      expect(parseJson(await pair.cli('plan', '-f', pair.file, '--format', 'json')).transition).toBe('degraded');
    });

    it('frozen secondary: the primary failover is bounded (its connections to the secondary are yanked first)', async () => {
      const pair = makePair(opts('sec', 150));
      await launchAndApply(pair);
      pair.kill('b', 'SIGSTOP');
      const before = pair.journalEntries().length;
      const out = await pair.cli('failover', '-f', pair.file, '--survivor', 'a', '--no-fence', '--timeout', '5000', '--journal', pair.journal);
      expect(out.code, out.stdout + out.stderr).toBe(0);
      expect(mutating(pair, before)[0]).toBe('a yank');
      expect(await state(pair, 'a')).toMatchObject({ mode: 'none', lastMode: 'primary', runstate: 'running' });
      pair.kill('b', 'SIGKILL');
    });
  });
}
