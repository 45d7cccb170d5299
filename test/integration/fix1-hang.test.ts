// The silent hang of QEMU 7.2's replication (a top-id that is not the quorum root): a secondary started with the seed's `top-id=childs0` and a raw
// quorum child makes replication_start fail without a word; the primary stays in finish-migrate and
// the secondary in inmigrate while migration says colo. colo never generates that form, but it must
// recognise the signature on a live pair and say what it means instead of reporting a healthy pair.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useQemuCleanup, spawnQemu, waitForFile } from '../support/qemu.js';
import { makePair, parseJson, usePairCleanup, waitUntil } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

describe('the silent hang of the seed configuration (FIX 1)', () => {
  it('is classified failed with an explanation, and apply does not call it converged', async () => {
    const pair = makePair({ name: 'fix1-hang', portBase: 42900 });
    expect((await pair.cli('launch', '-f', pair.file, '--node', 'a')).code).toBe(0);
    // b as the seed wrote it: top-id names the replication node, the quorum child is raw over it
    const args = parseJson(await pair.cli('args', '-f', pair.file, '--node', 'b', '--format', 'json'));
    mkdirSync(pair.workdir('b'), { recursive: true });
    for (const p of args.prepare) expect(spawnSyncOk(p.argv)).toBe(true);
    const argv: string[] = args.argv
      .slice(1)
      .map((a: string) => a.replace('top-id=colo-disk0', 'top-id=childs0').replace('children.0=childs0', 'children.0.file=childs0,children.0.driver=raw'));
    expect(argv.join(' ')).toContain('top-id=childs0');
    const b = spawnQemu(argv);
    await waitForFile(pair.qmpPath('b'), 10_000);

    const apply = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal, '--timeout', '5000');
    const a = await pair.qmp('a');
    await waitUntil(async () => (await a.execute('query-status')).status === 'finish-migrate', 10_000, 'primary stuck in finish-migrate');
    await pair.release('a');

    const plan = parseJson(await pair.cli('plan', '-f', pair.file, '--format', 'json'));
    const states = Object.values(plan.nodes).map((n: any) => n.state);
    expect(states).toContain('failed');
    const failed: any = Object.values(plan.nodes).find((n: any) => n.state === 'failed');
    expect(failed.detail).toMatch(/replication_start|top-id/);
    expect(plan.transition).not.toBe('steady');
    expect(apply.stdout).not.toContain('Converged');
    b.proc.kill('SIGKILL');
  });
});

function spawnSyncOk(argv: string[]): boolean {
  return spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' }).status === 0;
}
