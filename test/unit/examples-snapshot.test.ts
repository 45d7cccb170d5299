// The command lines and offline plans of every example, as text files to review against QEMU's
// COLO procedure (docs/system/qemu-colo.rst). A change to any of them shows up as a snapshot diff (update with `vitest -u`).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeArgs } from '../../src/model/argv.js';
import { parseVersion, recordedProfile, type Profile } from '../../src/model/profile.js';
import { assumeObserved } from '../../src/plan/assume.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { isHook, isQmp, isWait, TRANSITIONS, type Plan, type Step } from '../../src/plan/types.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Role, Spec } from '../../src/spec/types.js';

const dir = new URL('../../examples/', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

function loadExample(file: string): { spec: Spec; profile: Profile } {
  const r = loadSpec(readFileSync(new URL(file, dir), 'utf8'), `examples/${file}`);
  if (!r.spec) throw new Error(`examples/${file} is invalid: ${r.problems.map((p) => p.message).join('; ')}`);
  return { spec: r.spec, profile: recordedProfile(parseVersion(r.spec.qemu.version)!, r.spec.qemu.accel) };
}

function stepLine(s: Step): string {
  if (isQmp(s)) return `${s.node}: ${s.execute}${s.arguments ? ` ${JSON.stringify(s.arguments)}` : ''}`;
  if (isWait(s)) return `${s.node}: wait ${s.wait} ${Array.isArray(s.until) ? s.until.join(',') : s.until} (${s.timeoutMs} ms)`;
  if (isHook(s)) return `${s.node}: hook ${s.hook} ${JSON.stringify(s.run)} (${s.timeoutMs} ms) env ${JSON.stringify(s.env)}`;
  throw new Error(`unknown step ${JSON.stringify(s)}`);
}

function argsText(spec: Spec, profile: Profile, node: string, role: Role): string {
  const self = spec.nodes.find((n) => n.name === node)!;
  const { argv, prepare } = nodeArgs(spec, profile, self, role);
  return [
    `# ${spec.name}: node ${node} as ${role} (QEMU ${spec.qemu.version}, forms ${profile.schemaFrom})`,
    '## argv',
    ...argv,
    '## prepare',
    ...prepare.map((p) => `${p.argv.join(' ')}${p.overwrite ? '' : '   # only if missing'}`),
    '',
  ].join('\n');
}

function planText(plan: Plan): string {
  return [
    `# ${plan.name}: ${plan.transition}${plan.gated ? ' (gated)' : ''}`,
    ...Object.entries(plan.nodes).map(([name, n]) => `# ${name}: ${n.role}, ${n.state}${n.lastMode ? ` (last-mode ${n.lastMode})` : ''}`),
    ...plan.warnings.map((w) => `# warning: ${w.message}`),
    ...plan.steps.map(stepLine),
    '',
  ].join('\n');
}

describe.each(files)('examples/%s', (file) => {
  const name = file.replace(/\.ya?ml$/, '');
  const { spec, profile } = loadExample(file);

  for (const node of spec.nodes) {
    for (const role of ['primary', 'secondary'] as const) {
      it(`args of ${node.name} as ${role}`, async () => {
        await expect(argsText(spec, profile, node.name, role)).toMatchFileSnapshot(`__snapshots__/examples/${name}.args-${node.name}-${role}.txt`);
      });
    }
  }

  for (const t of TRANSITIONS) {
    it(`offline plan: ${t}`, async () => {
      const plan = buildPlan(spec, profile, assumeObserved(spec, profile, t), { mode: 'offline' });
      expect(plan.transition).toBe(t);
      // an assumed steady pair already matches its spec: nothing to do; every other transition acts
      if (t === 'steady') expect(plan.steps).toEqual([]);
      else expect(plan.steps.length).toBeGreaterThan(0);
      await expect(planText(plan)).toMatchFileSnapshot(`__snapshots__/examples/${name}.plan-${t}.txt`);
    });
  }
});
