// The closing line of a rendered plan says what is true: no changes only for a pair that replicates.
import { describe, expect, it } from 'vitest';
import { assumeObserved } from '../../src/plan/assume.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { renderPlanMarkdown } from '../../src/render/plan-markdown.js';
import { renderPlanText } from '../../src/render/plan-text.js';
import { pair } from './pair-spec.js';

describe('the plan summary line', () => {
  const { spec, profile } = pair();

  it('steady and nothing to do: "No changes"; "matches" only when the live pair was read', () => {
    const plan = buildPlan(spec, profile, assumeObserved(spec, profile, 'steady'), { mode: 'offline' });
    expect(renderPlanText(plan, false)).not.toContain('matches');
    expect(renderPlanText(plan, false)).toContain('No changes in the assumed state (offline: the live pair was not read');
    expect(renderPlanText({ ...plan, mode: 'live' }, false)).toContain('No changes. The pair matches the spec.');
  });

  it('a survivor alone with its peer gone: degraded, said as such, never "No changes"', () => {
    const observed = assumeObserved(spec, profile, 'secondary-resume');
    observed.a = { name: 'a', reach: 'unreachable', error: 'QMP socket: ECONNREFUSED', resources: {}, jobs: [] };
    const plan = buildPlan(spec, profile, observed, { mode: 'live' });
    expect(plan.transition).toBe('degraded');
    const text = renderPlanText(plan, false);
    expect(text).not.toContain('No changes');
    expect(text).toContain('Nothing colo can do now (degraded): b runs alone without fault tolerance');
    expect(renderPlanMarkdown(plan)).toContain('**Nothing colo can do now** (degraded)');
  });

  it('changes pending: counts and steps', () => {
    const plan = buildPlan(spec, profile, assumeObserved(spec, profile, 'setup'), { mode: 'offline' });
    expect(renderPlanText(plan, false)).toMatch(/Plan: \d+ to create, \d+ to update, 0 to delete; 15 steps/);
  });
});
