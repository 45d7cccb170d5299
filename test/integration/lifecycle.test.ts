// `colo apply` through a pair's whole life on QEMU 7.2: setup, a second apply that changes nothing,
// both failovers and both resumes, interrupted and stale applies, hung nodes and the pair lock.
// The state is read back over QMP, the commands sent are read from the journal.
import { conforms } from '../support/schemas.js';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { lockDir } from '../../src/sys/lock-files.js';
import { useQemuCleanup } from '../support/qemu.js';
import { accelForTests, coloState, filterChains, launchAndApply, makePair, parseJson, usePairCleanup, type Pair } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

const accel = accelForTests();

async function launch(pair: Pair, node: 'a' | 'b'): Promise<string> {
  const out = await pair.cli('launch', '-f', pair.file, '--node', node);
  expect(out.code, out.stdout + out.stderr).toBe(0);
  return out.stdout;
}

async function apply(pair: Pair, ...extra: string[]) {
  const before = pair.journalEntries().length;
  const started = Date.now();
  const out = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal, ...extra);
  return { ...out, ms: Date.now() - started, journal: pair.journalEntries().slice(before) };
}

async function plan(pair: Pair, ...extra: string[]): Promise<{ code: number; plan: Plan }> {
  const out = await pair.cli('plan', '-f', pair.file, '--format', 'json', ...extra);
  return { code: out.code, plan: parseJson(out) };
}

/** COLO mode and runstate of both nodes over QMP; the monitors are released for the CLI afterwards. */
async function modes(pair: Pair, nodes: Array<'a' | 'b'> = ['a', 'b']) {
  const out: Record<string, Awaited<ReturnType<typeof coloState>>> = {};
  for (const n of nodes) {
    out[n] = await coloState(await pair.qmp(n));
    await pair.release(n);
  }
  return out;
}

const mutatingCommands = (journal: any[]) => journal.filter((e) => e.mutating && e.command).map((e) => `${e.node} ${e.command}`);

describe(`apply lifecycle on QEMU 7.2 (${accel})`, () => {
  it('setup, a second apply that does nothing, secondary failover, secondary resume with b as primary', async () => {
    const pair = makePair({ name: 'lc-secondary', portBase: 42300, accel });
    await launch(pair, 'a');
    await launch(pair, 'b');
    const setup = await apply(pair);
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    expect(setup.stdout).toContain('Converged');
    expect(setup.journal.find((e) => e.event === 'apply')).toMatchObject({ transition: 'setup' });
    expect(await modes(pair)).toMatchObject({ a: { mode: 'primary', runstate: 'running' }, b: { mode: 'secondary', runstate: 'running' } });

    const again = await apply(pair);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to do.');
    expect(again.journal.filter((e) => e.command && !e.mutating).length).toBeGreaterThan(0); // it read both nodes
    expect(again.journal.filter((e) => e.mutating)).toEqual([]);
    expect((await plan(pair, '--detailed-exitcode')).code).toBe(0);

    pair.kill('a', 'SIGKILL');
    const gated = await plan(pair);
    expect(gated.plan).toMatchObject({ transition: 'secondary-failover', gated: true });
    expect(gated.plan.nodes.a.state).toBe('unreachable');

    const failover = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
    expect(failover.code, failover.stdout + failover.stderr).toBe(0);
    expect(failover.stdout).toContain('secondary-failover');
    const fo = await modes(pair, ['b']);
    expect(fo.b).toMatchObject({ mode: 'none', lastMode: 'secondary', runstate: 'running' });
    const b = await pair.qmp('b');
    expect(await filterChains(b)).toEqual({ hn0: ['rew0'] });
    expect(await b.execute('query-block-exports')).toEqual([]);
    await pair.release('b');

    // a failover on a node that already runs alone changes nothing
    const twice = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('already runs alone');
    const twiceJson = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal, '--format', 'json');
    expect(twiceJson.code, twiceJson.stderr).toBe(0);
    conforms('failover', JSON.parse(twiceJson.stdout));
    expect(JSON.parse(twiceJson.stdout)).toMatchObject({ outcome: 'already-alone', survivor: 'b', dead: 'a' });

    expect(await launch(pair, 'a')).toContain('launched a as secondary');
    expect((await plan(pair)).plan.transition).toBe('secondary-resume');
    const resume = await apply(pair);
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(resume.journal.find((e) => e.event === 'apply')).toMatchObject({ transition: 'secondary-resume' });
    expect(mutatingCommands(resume.journal)).toContain('b drive-mirror');
    expect(await modes(pair)).toMatchObject({ b: { mode: 'primary', runstate: 'running' }, a: { mode: 'secondary', runstate: 'running' } });
    const b2 = await pair.qmp('b');
    // the primary's filters went in before the survivor's rewriter
    expect(await filterChains(b2)).toEqual({ hn0: ['m0', 'redire0', 'redire1', 'rew0'] });
    await pair.release('b');

    const steady = await plan(pair, '--detailed-exitcode');
    expect(steady.code).toBe(0);
    expect(steady.plan.transition).toBe('steady');
    expect(steady.plan.nodes.b).toMatchObject({ role: 'primary', state: 'colo-primary' });
    expect(steady.plan.nodes.a).toMatchObject({ role: 'secondary', state: 'colo-secondary' });
  });

  it('primary failover (secondary killed), then primary resume with a as primary again', async () => {
    const pair = makePair({ name: 'lc-primary', portBase: 42350, accel });
    await launchAndApply(pair);
    pair.kill('b', 'SIGKILL');

    const gated = await plan(pair);
    expect(gated.plan).toMatchObject({ transition: 'primary-failover', gated: true });
    const refused = await apply(pair);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('FAILOVER_GATED');
    expect(refused.journal.filter((e) => e.mutating)).toEqual([]);

    const failover = await pair.cli('failover', '-f', pair.file, '--survivor', 'a', '--journal', pair.journal, '--format', 'json');
    expect(failover.code, failover.stdout + failover.stderr).toBe(0);
    conforms('failover', JSON.parse(failover.stdout));
    expect(JSON.parse(failover.stdout)).toMatchObject({ outcome: 'failed-over', transition: 'primary-failover', survivor: 'a', dead: 'b' });
    expect((await modes(pair, ['a'])).a).toMatchObject({ mode: 'none', lastMode: 'primary', runstate: 'running' });
    const a = await pair.qmp('a');
    expect(await filterChains(a)).toEqual({ hn0: [] });
    const nodes: any[] = await a.execute('query-named-block-nodes');
    expect(nodes.map((n) => n['node-name'])).not.toContain('replication0');
    await pair.release('a');

    const launched = await pair.cli('launch', '-f', pair.file, '--node', 'b', '--format', 'json');
    expect(launched.code, launched.stderr).toBe(0);
    conforms('launch', JSON.parse(launched.stdout));
    expect(JSON.parse(launched.stdout)).toMatchObject({ node: 'b', role: 'secondary', forced: false });
    expect((await plan(pair)).plan.transition).toBe('primary-resume');
    const resume = await apply(pair);
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(resume.journal.find((e) => e.event === 'apply')).toMatchObject({ transition: 'primary-resume' });
    expect(await modes(pair)).toMatchObject({ a: { mode: 'primary', runstate: 'running' }, b: { mode: 'secondary', runstate: 'running' } });
    const a2 = await pair.qmp('a');
    expect(await filterChains(a2)).toEqual({ hn0: ['m0', 'redire0', 'redire1'] });
    await pair.release('a');
    expect((await plan(pair, '--detailed-exitcode')).code).toBe(0);
    // apply --format json: one document, nothing else on stdout
    const again = await apply(pair, '--format', 'json');
    expect(again.code, again.stderr).toBe(0);
    conforms('apply', JSON.parse(again.stdout));
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'nothing-to-do', transition: 'steady' });
  });

  it('an apply stopped after 3 steps is continued by the next one, which does not repeat them', async () => {
    const pair = makePair({ name: 'lc-resume-apply', portBase: 42400, accel });
    await launch(pair, 'a');
    await launch(pair, 'b');
    const full = (await plan(pair)).plan;
    const first = await apply(pair, '--stop-after', '3');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const done = mutatingCommands(first.journal);
    expect(done).toEqual(['b nbd-server-start', 'b nbd-server-add', 'a drive-mirror']);

    const rest = (await plan(pair)).plan;
    expect(rest.transition).toBe('setup');
    expect(rest.steps.length).toBe(full.steps.length - 3);

    const second = await apply(pair);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain('Converged');
    const commands = mutatingCommands(second.journal);
    for (const c of done) expect(commands).not.toContain(c);
    // the copy that was started is waited for, not started again
    expect(commands).toEqual([
      'a block-job-cancel',
      'a blockdev-add',
      'a x-blockdev-change',
      'a migrate-set-capabilities',
      'a migrate-set-parameters',
      'a migrate',
    ]);
    expect(await modes(pair)).toMatchObject({ a: { mode: 'primary' }, b: { mode: 'secondary' } });

    // the interrupted apply's summary line counts the steps that ran, not the steps planned
    expect(first.stdout).not.toMatch(new RegExp(`^${full.steps.length} steps in \\d+ ms`, 'm'));
    expect(first.stdout).toMatch(/^3 of \d+ steps in \d+ ms/m);
  });

  it('the secondary killed after an interrupted apply: plan is blocked and says why, apply exits 1', async () => {
    const pair = makePair({ name: 'lc-half-dead', portBase: 42450, accel });
    await launch(pair, 'a');
    await launch(pair, 'b');
    expect((await apply(pair, '--stop-after', '3')).code).toBe(0);
    pair.kill('b', 'SIGKILL');

    const blocked = await plan(pair);
    expect(blocked.code).toBe(1);
    expect(blocked.plan.transition).toBe('blocked');
    expect(blocked.plan.steps).toEqual([]);
    expect(blocked.plan.nodes.a.state).toBe('fresh-primary');
    expect(blocked.plan.nodes.b.state).toBe('unreachable');
    expect(blocked.plan.reason).toContain('b is unreachable');
    expect(blocked.plan.reason).toContain('colo launch --node b');

    const refused = await apply(pair);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/BLOCKED: nothing to apply: a waits as primary but b is unreachable/);
    expect(refused.journal.filter((e) => e.mutating)).toEqual([]);
    expect((await modes(pair, ['a'])).a).toMatchObject({ mode: 'none', runstate: 'prelaunch' });
  });

  it('the secondary killed after an interrupted apply and launched again: the next apply converges', async () => {
    const pair = makePair({ name: 'lc-relaunch', portBase: 42500, accel });
    await launch(pair, 'a');
    await launch(pair, 'b');
    expect((await apply(pair, '--stop-after', '3')).code).toBe(0);
    pair.kill('b', 'SIGKILL');
    await launch(pair, 'b');

    // replication0 on a was connected to the export of the b that died: it cannot be reused
    const next = await apply(pair, '--timeout', '5000');
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(await modes(pair)).toMatchObject({ a: { mode: 'primary', runstate: 'running' }, b: { mode: 'secondary', runstate: 'running' } });
  });

  it('a frozen primary: apply --timeout 1500 refuses within a bounded time and says the node is hung', async () => {
    const pair = makePair({ name: 'lc-hung', portBase: 42550, accel });
    await launchAndApply(pair);
    pair.kill('a', 'SIGSTOP');
    const out = await apply(pair, '--timeout', '1500');
    expect(out.ms).toBeLessThan(20_000);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/a primary: hung \(QMP \w+ did not answer within 1500 ms|a primary: hung \(QMP listen backlog full/);
    expect(out.stderr).toContain('FAILOVER_GATED');
    expect(out.journal.filter((e) => e.mutating)).toEqual([]);
    expect((await modes(pair, ['b'])).b).toMatchObject({ mode: 'secondary', runstate: 'running' });
  });

  it('a node that freezes in the middle of an apply: the step fails within a bounded time, naming node and step', async () => {
    const pair = makePair({ name: 'lc-freeze', portBase: 42600, accel });
    await launchAndApply(pair);
    pair.kill('a', 'SIGKILL');
    expect((await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal)).code).toBe(0);
    await launch(pair, 'a');
    // the resume's first step is this hook: it freezes the new secondary a before anything is sent to it
    appendFileSync(
      pair.file,
      `  hooks:\n    beforeResume:\n      - {name: freeze, run: [sh, -c, "kill -STOP $(cat ${join(pair.workdir('a'), 'qemu.pid')})"], timeoutMs: 5000}\n`,
    );
    const out = await apply(pair, '--timeout', '1500');
    expect(out.ms).toBeLessThan(20_000);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/STEP_FAILED: step \d+ on a failed: nbd-server-start/);
    expect(out.stderr).toMatch(/no answer within 1500 ms/);
    expect(out.stderr).toContain('colo apply continues from it');
    pair.kill('a', 'SIGCONT');
  });

  it('a saved plan is refused once the pair moved (STALE_PLAN, says what), an unchanged one applies', async () => {
    const pair = makePair({ name: 'lc-stale', portBase: 42650, accel });
    await launch(pair, 'a');
    await launch(pair, 'b');
    const saved = join(pair.dir, 'p.json');
    const out = await pair.cli('plan', '-f', pair.file, '--out', saved);
    expect(out.code).toBe(0);
    expect(existsSync(saved)).toBe(true);

    const b = await pair.qmp('b');
    await b.execute('nbd-server-start', { addr: { type: 'inet', data: { host: '127.0.0.1', port: '42651' } } });
    await b.execute('nbd-server-add', { device: 'parent0', writable: true });
    await pair.release('b');

    const stale = await pair.cli('apply', saved, '--auto-approve', '--journal', pair.journal);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('STALE_PLAN');
    expect(stale.stderr).toContain('no longer needed: create b/nbd-export/parent0');
    expect(stale.stderr).toContain('Run colo plan again');
    expect(pair.journalEntries().filter((e) => e.mutating)).toEqual([]);
    expect((await modes(pair)).a).toMatchObject({ mode: 'none', runstate: 'prelaunch' });

    const fresh = join(pair.dir, 'p2.json');
    expect((await pair.cli('plan', '-f', pair.file, '--out', fresh)).code).toBe(0);
    const applied = await pair.cli('apply', fresh, '--auto-approve', '--journal', pair.journal);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Converged');
    const commands = mutatingCommands(pair.journalEntries());
    expect(commands).not.toContain('b nbd-server-start');
    expect(commands).not.toContain('b nbd-server-add');
    expect(await modes(pair)).toMatchObject({ a: { mode: 'primary' }, b: { mode: 'secondary' } });
  });

  it('the pair lock: held by a live process, apply and failover exit 1 with LOCKED; a dead holder is taken over', async () => {
    const pair = makePair({ name: 'lc-lock', portBase: 42700, accel });
    await launch(pair, 'a');
    await launch(pair, 'b');
    // the pair lock lives in colo's lock directory (COLO_LOCK_DIR, else /run/colo/locks as root)
    const lock = join(lockDir().path!, `colo-${pair.name}.lock`);
    writeFileSync(lock, `${process.ppid}\n`);
    try {
      const locked = await apply(pair);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain('LOCKED');
      expect(locked.stderr).toContain(`locked by process ${process.ppid}`);
      expect(locked.journal).toEqual([]);
      const failover = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(failover.code).toBe(1);
      expect(failover.stderr).toContain('LOCKED');
      expect(existsSync(lock)).toBe(true);
      expect((await modes(pair)).b).toMatchObject({ mode: 'none', runstate: 'inmigrate' });

      const dead = spawnSync('true').pid!;
      writeFileSync(lock, `${dead}\n`);
      const taken = await apply(pair);
      expect(taken.code, taken.stdout + taken.stderr).toBe(0);
      expect(existsSync(lock)).toBe(false);
    } finally {
      rmSync(lock, { force: true });
    }
  });

  it('two disks and two NICs: setup, secondary failover, resume', async () => {
    const pair = makePair({ name: 'lc-2x2', portBase: 42750, accel, disks: 2, nics: 2 });
    await launchAndApply(pair);
    expect(await modes(pair)).toMatchObject({ a: { mode: 'primary', runstate: 'running' }, b: { mode: 'secondary', runstate: 'running' } });
    const a = await pair.qmp('a');
    expect(await filterChains(a)).toEqual({ hn0: ['m0', 'redire0', 'redire1'], hn1: ['m0-1', 'redire0-1', 'redire1-1'] });
    const graph = await a.execute('x-debug-query-block-graph');
    const childNodes = graph.nodes
      .filter((n: any) => /^nbd\d$/.test(n.name))
      .map((n: any) => n.name)
      .sort();
    expect(childNodes).toEqual(['nbd0', 'nbd1']);
    await pair.release('a');
    const b = await pair.qmp('b');
    expect(await filterChains(b)).toEqual({ hn0: ['f1', 'f2', 'rew0'], hn1: ['f1-1', 'f2-1', 'rew0-1'] });
    expect((await b.execute('query-block-exports')).map((e: any) => e.id).sort()).toEqual(['parent0', 'parent1']);
    await pair.release('b');
    expect((await plan(pair, '--detailed-exitcode')).code).toBe(0);

    pair.kill('a', 'SIGKILL');
    expect((await plan(pair)).plan).toMatchObject({ transition: 'secondary-failover', gated: true });
    const failover = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
    expect(failover.code, failover.stdout + failover.stderr).toBe(0);
    expect((await modes(pair, ['b'])).b).toMatchObject({ mode: 'none', lastMode: 'secondary', runstate: 'running' });
    const b2 = await pair.qmp('b');
    expect(await filterChains(b2)).toEqual({ hn0: ['rew0'], hn1: ['rew0-1'] });
    await pair.release('b');

    await launch(pair, 'a');
    expect((await plan(pair)).plan.transition).toBe('secondary-resume');
    const resume = await apply(pair);
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(mutatingCommands(resume.journal).filter((c) => c === 'b drive-mirror')).toHaveLength(2);
    expect(await modes(pair)).toMatchObject({ b: { mode: 'primary', runstate: 'running' }, a: { mode: 'secondary', runstate: 'running' } });
    const b3 = await pair.qmp('b');
    expect(await filterChains(b3)).toEqual({ hn0: ['m0', 'redire0', 'redire1', 'rew0'], hn1: ['m0-1', 'redire0-1', 'redire1-1', 'rew0-1'] });
    await pair.release('b');
    const a3 = await pair.qmp('a');
    expect((await a3.execute('query-block-exports')).map((e: any) => e.id).sort()).toEqual(['parent0', 'parent1']);
    await pair.release('a');
    expect((await plan(pair, '--detailed-exitcode')).code).toBe(0);
  });
});
