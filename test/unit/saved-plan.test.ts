// A saved plan is checked against schemas/plan.schema.json before colo apply uses it: a plan colo
// saved passes, a plan with a step of another shape (or an offline plan) is PLAN_FORMAT, not used.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSavedPlan, savedPlanText } from '../../src/ops/saved-plan.js';
import { assumeObserved } from '../../src/plan/assume.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { savedPlanDiffers } from '../../src/plan/saved-plan.js';
import { pair } from './pair-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'colo-unit-saved-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { cwd: dir, env: {} };

function saved(edit: (p: Record<string, unknown>) => void = () => undefined): string {
  const { spec, profile } = pair();
  const plan = buildPlan(spec, profile, assumeObserved(spec, profile, 'setup'), { mode: 'live', fingerprint: `sha256:${'ab'.repeat(32)}` });
  const doc = { ...plan, specFile: '/srv/pair.yaml' } as Record<string, unknown>;
  edit(doc);
  const file = `p${Math.random().toString(36).slice(2)}.json`;
  writeFileSync(join(dir, file), JSON.stringify(doc));
  return file;
}

describe('a saved plan', () => {
  it('as colo plan --out saves it: read back whole', () => {
    const p = readSavedPlan(saved(), env);
    expect(p.steps.length).toBeGreaterThan(5);
    expect(p.specFile).toBe('/srv/pair.yaml');
  });

  it('a step of another shape: PLAN_FORMAT, saying where', () => {
    const file = saved((p) => ((p.steps as Array<Record<string, unknown>>)[0] = { kind: 'qmp', node: 'a', description: 'x' }));
    expect(() => readSavedPlan(file, env)).toThrow(expect.objectContaining({ code: 'PLAN_FORMAT', message: expect.stringMatching(/\/steps\/0/) }));
  });

  it('a fence step without its command, an unknown transition, an offline plan: PLAN_FORMAT', () => {
    for (const edit of [
      (p: Record<string, unknown>) => ((p.steps as unknown[]).push({ kind: 'fence', node: 'a', description: 'off', timeoutMs: 1000, env: {} }), p),
      (p: Record<string, unknown>) => (p.transition = 'teleport'),
      (p: Record<string, unknown>) => (p.mode = 'offline'),
    ])
      expect(() => readSavedPlan(saved(edit), env)).toThrow(expect.objectContaining({ code: 'PLAN_FORMAT' }));
  });

  it('with the specHash colo plan --out writes: read back whole; a specHash of another shape: PLAN_FORMAT', () => {
    const { spec, profile } = pair();
    const plan = buildPlan(spec, profile, assumeObserved(spec, profile, 'setup'), { mode: 'live', fingerprint: `sha256:${'ab'.repeat(32)}` });
    writeFileSync(join(dir, 'hashed.json'), savedPlanText(plan, spec, '/srv/pair.yaml'));
    expect(readSavedPlan('hashed.json', env).specHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(() =>
      readSavedPlan(
        saved((p) => (p.specHash = 'md5:1')),
        env,
      ),
    ).toThrow(expect.objectContaining({ code: 'PLAN_FORMAT', message: expect.stringMatching(/specHash/) }));
  });
});

describe('a saved plan against the fresh plan (savedPlanDiffers)', () => {
  const fresh = () => {
    const { spec, profile } = pair();
    return buildPlan(spec, profile, assumeObserved(spec, profile, 'setup'), { mode: 'live', fingerprint: `sha256:${'ab'.repeat(32)}` });
  };
  it('the plan as saved and read back (JSON, keys in any order) is the fresh plan', () => {
    const back = JSON.parse(JSON.stringify(fresh())) as ReturnType<typeof fresh>;
    back.steps = back.steps.map((s) => Object.fromEntries(Object.entries(s).reverse()) as typeof s);
    expect(savedPlanDiffers(back, fresh())).toBeUndefined();
  });
  it('an edited step, a step more or less, gated, failover or transition: named', () => {
    const edited = fresh();
    const i = edited.steps.findIndex((s) => s.kind === 'qmp' && s.execute === 'migrate');
    expect(i).toBeGreaterThan(0);
    const m = edited.steps[i] as Extract<(typeof edited.steps)[number], { kind: 'qmp' }>;
    m.arguments = { ...m.arguments, uri: 'exec:sh -c id' };
    expect(savedPlanDiffers(edited, fresh())).toBe(`step ${i + 1} (a: migrate) is not the step colo plans there (a: migrate)`);
    expect(savedPlanDiffers({ ...fresh(), steps: fresh().steps.slice(1) }, fresh())).toMatch(/^step 1 /);
    expect(savedPlanDiffers({ ...fresh(), steps: [...fresh().steps, fresh().steps[0]!] }, fresh())).toMatch(/is not the step colo plans there \(no step\)/);
    expect(savedPlanDiffers({ ...fresh(), gated: true }, fresh())).toBe('it says gated: true, colo plans gated: false');
    expect(savedPlanDiffers({ ...fresh(), failover: { survivor: 'b', dead: 'a' } }, fresh())).toMatch(/^its failover is /);
    expect(savedPlanDiffers({ ...fresh(), transition: 'steady' }, fresh())).toBe('its transition is "steady", colo plans "setup"');
  });
});
