// Each resource kind's facts live in one table (src/model/resource-kinds.ts): the plan's policy
// (live update, when it cannot be created), its fault-tolerance wording and colo diff's class all
// come from there, so the plan and colo diff cannot disagree about a kind.
import { describe, expect, it } from 'vitest';
import { KIND_FACTS } from '../../src/model/resource-kinds.js';
import { resource } from '../../src/model/state.js';
import { KINDS, policyOf } from '../../src/plan/kinds/index.js';
import { resourceChanges } from '../../src/specdiff/resources.js';

describe('the resource-kind table', () => {
  it("covers every kind the planner has steps for, and is the planner's policy", () => {
    expect(Object.keys(KIND_FACTS).sort()).toEqual(Object.keys(KINDS).sort());
    for (const k of Object.keys(KINDS) as Array<keyof typeof KINDS>) expect(policyOf(k)).toBe(KIND_FACTS[k]);
  });

  it('a kind that changes live is an in-place change for colo diff; one that does not never is, once it exists', () => {
    for (const [kind, f] of Object.entries(KIND_FACTS)) {
      for (const role of ['primary', 'secondary'] as const) {
        const c = f.diffClass('update', role).class;
        if (f.inPlace && kind !== 'colo') expect(c, `${kind} on the ${role}`).toBe('in-place');
        if (!f.inPlace) expect(c, `${kind} on the ${role}`).not.toBe('in-place');
      }
    }
  });

  it("colo diff's wording of a weakened pair is the kind's", () => {
    const a = resource('a', 'parameter', 'x-checkpoint-delay', { value: 1000 });
    const b = resource('a', 'parameter', 'x-checkpoint-delay', { value: 5000 });
    const [change] = resourceChanges({ [a.address]: a }, { [b.address]: b }, () => 'primary');
    expect(change).toMatchObject({ area: 'migration', class: 'in-place', weakens: KIND_FACTS.parameter.weakens!(a, b) });
    expect(KIND_FACTS.parameter.cost!(b, a)).toBe(change.weakens);
  });
});
