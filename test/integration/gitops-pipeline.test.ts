// examples/gitops on real QEMU: the review and apply jobs' own commands (parsed from the GitHub
// workflow and the GitLab file) run against a temporary git repository of pair files whose pair
// runs here. An in-place change is reviewed as in-place and applied by the apply job; a memory
// change is reviewed as impossible and the apply job refuses it, leaving QEMU as it was.
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useQemuCleanup } from '../support/qemu.js';
import { coloState, filterChains, launchAndApply, makePair, usePairCleanup, type Pair } from '../support/pair.js';
import { coloOnPath, git, githubScripts, gitlabScripts, runScript, type PipelineScripts } from '../support/pipeline.js';

useQemuCleanup();
usePairCleanup();

const QEMU111 = '/var/tmp/colo-qemu111/qemu-system-x86_64';

/** A git repository whose pairs/ holds the pair's spec, committed; returns a function that commits an edit. */
function pairRepo(pair: Pair, dir: string, scripts: PipelineScripts) {
  const repo = join(pair.dir, 'repo');
  const pairsDir = join(repo, scripts.env.PAIRS_DIR);
  mkdirSync(pairsDir, { recursive: true });
  const file = join(pairsDir, `${pair.name}.yaml`);
  writeFileSync(file, readFileSync(pair.file, 'utf8'));
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'the pair as it runs');
  const bin = coloOnPath(dir);
  return {
    repo,
    /** commits an edit of the pair file; returns the revision before it */
    change(from: string, to: string): string {
      const text = readFileSync(file, 'utf8');
      if (!text.includes(from)) throw new Error(`not in the spec: ${from}`);
      const before = git(repo, 'rev-parse', 'HEAD');
      writeFileSync(file, text.replace(from, to));
      git(repo, 'commit', '-qam', `change ${from} to ${to}`);
      return before;
    },
    run(job: 'review' | 'apply' | 'drift', base = '') {
      return runScript(scripts[job], repo, {
        ...scripts.env,
        ...(job === 'drift' ? {} : { [scripts.base[job]]: base }),
        PATH: `${bin}:${process.env.PATH}`,
        NO_COLOR: '1',
        COLO_STATE_DIR: join(pair.dir, 'state'),
      });
    },
  };
}

const pipelines: Array<[string, () => PipelineScripts, number]> = [
  ['GitHub Actions', githubScripts, 47000],
  ['GitLab CI', gitlabScripts, 47100],
];

describe.each(pipelines)("examples/gitops, %s: the jobs' own commands on a real QEMU 7.2 pair (TCG)", (_name, load, portBase) => {
  it('an extra filter is in-place and the apply job applies it; the drift job sees it removed by hand; a memory change is impossible and the apply job refuses it', async () => {
    const scripts = load();
    const pair = makePair({ name: `gitops${portBase}`, portBase, accel: 'tcg' });
    await launchAndApply(pair);
    const r = pairRepo(pair, pair.dir, scripts);

    // 1. in-place: a filter-dump on the secondary's NIC (object-add while COLO runs forces no checkpoint)
    const pcap = join(pair.dir, 'hn0.pcap');
    let base = r.change('romfile: ""}', `romfile: "", filters: {extra: [{id: dump0, type: filter-dump, on: secondary, props: {file: ${pcap}}}]}}`);
    const review = r.run('review', base);
    expect(review.code, review.output).toBe(0);
    const comment = readFileSync(join(r.repo, 'colo-review.md'), 'utf8');
    expect(comment).toContain('### colo validate: 1 pair(s) — 1 ok');
    expect(comment).toContain(`### colo diff \`${pair.name}\``);
    expect(comment).toContain('**:white_check_mark: in-place**');
    expect(comment).toContain('| b | create `b/object/dump0` | :white_check_mark: in-place |');
    expect(comment).toContain('+-object filter-dump,id=dump0,netdev=hn0,file=');

    const applied = r.run('apply', base);
    expect(applied.code, applied.output).toBe(0);
    expect(applied.output).toContain('object-add');
    expect(applied.output).toContain('Converged: the pair replicates as the spec says.');
    expect(readdirSync(join(r.repo, 'colo-plans'))).toEqual([`pairs_${pair.name}.yaml.plan.json`]);
    const b = await pair.qmp('b');
    expect((await filterChains(b)).hn0).toEqual(['f1', 'f2', 'rew0', 'dump0']);
    expect(await coloState(b)).toMatchObject({ mode: 'secondary' });
    await pair.release('b');

    // the scheduled drift job: nothing to say while the pair matches; a filter removed by hand fails it
    const quiet = r.run('drift');
    expect(quiet.code, quiet.output).toBe(0);
    expect(quiet.output).toContain('every pair matches its spec');
    await (await pair.qmp('b')).execute('object-del', { id: 'dump0' });
    await pair.release('b');
    const drifted = r.run('drift');
    expect(drifted.code, drifted.output).toBe(1);
    expect(drifted.output).toContain('b/object/dump0');
    expect(drifted.output).toContain('drift: a pair differs from its spec');

    // 2. impossible: the guest's memory
    base = r.change('memory: 64M', 'memory: 128M');
    const review2 = r.run('review', base);
    expect(review2.code, review2.output).toBe(0);
    const comment2 = readFileSync(join(r.repo, 'colo-review.md'), 'utf8');
    expect(comment2).toContain('**:no_entry: impossible**');
    expect(comment2).toContain('| pair | update `spec.qemu.memory` | :no_entry: impossible | `64M` | `128M` |');

    const refused = r.run('apply', base);
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toContain('colo: error CHANGE_REFUSED: refused: 1 change(s) of pair');
    expect(refused.output).toContain(`pairs/${pair.name}.yaml: refused, colo apply cannot make this change on a running pair`);
    // refused before planning: the saved plan is still the first change's (with dump0), and the pair runs as before
    expect(existsSync(join(r.repo, 'colo-plans', `pairs_${pair.name}.yaml.plan.json`))).toBe(true);
    expect(
      JSON.parse(readFileSync(join(r.repo, 'colo-plans', `pairs_${pair.name}.yaml.plan.json`), 'utf8')).steps.some((s: any) => s.arguments?.id === 'dump0'),
    ).toBe(true);
    const a = await pair.qmp('a');
    expect((await a.execute('query-memory-size-summary'))['base-memory']).toBe(64 * 1024 * 1024);
    expect(await coloState(a)).toMatchObject({ mode: 'primary', runstate: 'running' });
  });
});

// The checkpoint delay itself: any migrate-set-parameters while COLO runs forces a checkpoint, and
// QEMU 7.2 under TCG deadlocks at its first one. Run where a QEMU that checkpoints under TCG is
// installed (scripts/qemu-chroot.sh 11.1); reported as skipped elsewhere.
describe.skipIf(!existsSync(QEMU111))('examples/gitops, GitHub Actions: the checkpoint delay on QEMU 11.1 (TCG)', () => {
  it('a checkpoint-delay change is in-place and the apply job sets it on the running primary', async () => {
    const scripts = githubScripts();
    const pair = makePair({ name: 'gitops47200', portBase: 47200, accel: 'tcg', qemuVersion: '11.1', binary: QEMU111 });
    await launchAndApply(pair);
    const r = pairRepo(pair, pair.dir, scripts);
    const base = r.change('checkpointDelayMs: 3600000', 'checkpointDelayMs: 5000');
    const review = r.run('review', base);
    expect(review.code, review.output).toBe(0);
    expect(readFileSync(join(r.repo, 'colo-review.md'), 'utf8')).toContain(
      '| a | update `a/migration/parameter/x-checkpoint-delay` | :white_check_mark: in-place | `3600000` | `5000` |',
    );
    const applied = r.run('apply', base);
    expect(applied.code, applied.output).toBe(0);
    expect(applied.output).toContain('migrate-set-parameters');
    const a = await pair.qmp('a');
    expect((await a.execute('query-migrate-parameters'))['x-checkpoint-delay']).toBe(5000);
  });
});
