// The commands of examples/gitops' pipeline files, read from the files themselves (never retyped),
// and a runner that executes them in a git repository with `colo` on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface PipelineScripts {
  file: string;
  /** the review job's script (pull/merge request) */
  review: string;
  /** the apply job's script (merge to the default branch) */
  apply: string;
  /** the drift job's script (scheduled) */
  drift: string;
  /** variables the scripts read, each with the CI expression or variable that fills it */
  env: Record<string, string>;
  /** the environment variables holding the base revision, per job */
  base: { review: string; apply: string };
}

export function githubScripts(): PipelineScripts {
  const file = join(repoRoot, 'examples/gitops/github/colo.yml');
  const doc = parse(readFileSync(file, 'utf8'));
  const step = (job: string, name: string) => {
    const s = doc.jobs[job].steps.find((x: { name?: string }) => x.name === name);
    if (!s) throw new Error(`${file}: no step "${name}" in job ${job}`);
    return s as { run: string; env: Record<string, string> };
  };
  const review = step('review', 'Review changed pairs');
  const apply = step('apply', 'Apply changed pairs');
  const drift = step('drift', 'Check every pair against its spec');
  if (!doc.on.schedule?.length || doc.jobs.drift.if !== "github.event_name == 'schedule'")
    throw new Error(`${file}: the drift job no longer runs on a schedule`);
  if (review.env.BASE !== '${{ github.event.pull_request.base.sha }}' || apply.env.BASE !== '${{ github.event.before }}')
    throw new Error(`${file}: BASE no longer comes from the event`);
  return { file, review: review.run, apply: apply.run, drift: drift.run, env: doc.env, base: { review: 'BASE', apply: 'BASE' } };
}

export function gitlabScripts(): PipelineScripts {
  const file = join(repoRoot, 'examples/gitops/gitlab-ci.yml');
  const doc = parse(readFileSync(file, 'utf8'));
  const script = (job: string) => (doc[job].script as string[]).join('\n');
  const review = script('colo-review');
  const apply = script('colo-apply');
  const drift = script('colo-drift');
  if (doc['colo-drift'].rules?.[0]?.if !== '$CI_PIPELINE_SOURCE == "schedule"') throw new Error(`${file}: the drift job no longer runs on a schedule`);
  if (!review.includes('BASE=$CI_MERGE_REQUEST_DIFF_BASE_SHA') || !apply.includes('BASE=$CI_COMMIT_BEFORE_SHA'))
    throw new Error(`${file}: BASE no longer comes from GitLab's variables`);
  const env = Object.fromEntries(Object.entries(doc.variables as Record<string, string>).filter(([k]) => k !== 'GIT_DEPTH'));
  return { file, review, apply, drift, env, base: { review: 'CI_MERGE_REQUEST_DIFF_BASE_SHA', apply: 'CI_COMMIT_BEFORE_SHA' } };
}

/** A directory holding `colo` → bin/colo of this checkout (built by npm run build). */
export function coloOnPath(dir: string): string {
  const bundle = join(repoRoot, 'dist/bundle/colo.mjs');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build first`);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  if (!existsSync(join(bin, 'colo'))) symlinkSync(join(repoRoot, 'bin/colo'), join(bin, 'colo'));
  return bin;
}

export interface ScriptRun {
  code: number;
  output: string;
}

/** Runs a job's script with sh in `cwd`, as the CI would, its output kept for the assertions. */
export function runScript(script: string, cwd: string, env: Record<string, string>): ScriptRun {
  const r = spawnSync('sh', ['-c', script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=colo test', '-c', 'user.email=colo-test@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
