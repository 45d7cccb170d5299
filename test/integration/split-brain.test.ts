// Both nodes running on their own (the old primary restarted and resumed by hand after the
// secondary took over): colo must refuse to choose which guest state survives.
import { describe, expect, it } from 'vitest';
import { useQemuCleanup } from '../support/qemu.js';
import { launchAndApply, makePair, parseJson, usePairCleanup } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

describe('split brain', () => {
  it('two standalone nodes: plan is blocked and says why, apply refuses and sends nothing', async () => {
    const pair = makePair({ name: 'split-brain', portBase: 42950 });
    expect((await launchAndApply(pair)).code).toBe(0);
    pair.kill('a');
    expect((await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal)).code).toBe(0);
    // the old primary comes back as a primary and someone lets its guest run
    expect((await pair.cli('launch', '-f', pair.file, '--node', 'a', '--role', 'primary')).code).toBe(0);
    const a = await pair.qmp('a');
    await a.execute('cont');
    expect((await a.execute('query-status')).status).toBe('running');
    await pair.release('a');

    const out = await pair.cli('plan', '-f', pair.file, '--format', 'json');
    expect(out.code).toBe(1);
    const plan = parseJson(out);
    expect(plan.transition).toBe('blocked');
    expect(plan.reason).toMatch(/split brain/);
    expect(plan.nodes.a.state).toBe('standalone');
    expect(plan.nodes.b.state).toBe('standalone');
    expect(plan.steps).toEqual([]);

    const before = pair.journalEntries().length;
    const apply = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/BLOCKED: nothing to apply: split brain/);
    expect(pair.journalEntries().slice(before).filter((e) => e.mutating)).toEqual([]);
  });
});
