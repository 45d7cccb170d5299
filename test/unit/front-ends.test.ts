// The CLI (colo failover, colo apply --allow-failover), the fleet's apply and the OCF agent take the
// same failover from the same pair and live state: one orchestration (src/ops/failover.ts), one set
// of safety rules. A hung peer is never left unfenced by any of them; a busy one is alive.
import { describe, expect, it } from 'vitest';
import type { ObservedNode } from '../../src/model/observed.js';
import { ColoError } from '../../src/ops/errors.js';
import { checkFailover, planFailover, type FailoverPolicy } from '../../src/ops/failover.js';
import { planFrom } from '../../src/ops/live.js';
import { assumeObserved } from '../../src/plan/assume.js';
import type { Plan } from '../../src/plan/types.js';
import { pair } from './pair-spec.js';

const withFence = (yaml: string) => yaml.replace('workdir: /srv/a}', 'workdir: /srv/a, fence: {run: [fence-a, --off], timeoutMs: 9000}}');
const hung = (name: string): ObservedNode => ({ name, reach: 'hung', error: 'QMP greeting did not answer within 1000 ms', resources: {}, jobs: [] });
const busy = (name: string): ObservedNode => ({
  name,
  reach: 'busy',
  error: 'QMP unix:/run/a.qmp is busy: colo process 4242 holds it (waited 15000 ms for it)',
  resources: {},
  jobs: [],
});
const gone = (name: string): ObservedNode => ({ name, reach: 'unreachable', error: 'QMP socket: ECONNREFUSED', resources: {}, jobs: [] });

/** The pair's live state: b a COLO secondary in sync, a as `peer` says. */
function live(fenced: boolean, peer: (name: string) => ObservedNode) {
  const { spec, profile } = pair(fenced ? { edit: withFence } : {});
  const steady = assumeObserved(spec, profile, 'steady');
  return { spec, survivor: steady.b, peer: peer('a') };
}

/** What each front end would run, or the code it refuses with. */
function frontEnds(fenced: boolean, peer: (name: string) => ObservedNode): Record<string, string | Plan['steps']> {
  const { spec, survivor, peer: p } = live(fenced, peer);
  const attempt = (f: () => Plan['steps']) => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ColoError) return e.code;
      throw e;
    }
  };
  const cli: FailoverPolicy = {};
  // colo apply --allow-failover, and the fleet's apply (the same operation): the live plan's steps, after the same rules
  const apply = () => {
    const plan = planFrom(spec, { a: { observed: p, roundTrips: 0 }, b: { observed: survivor, roundTrips: 0 } }).plan;
    expect(plan.failover).toEqual({ survivor: 'b', dead: 'a' });
    checkFailover(spec, 'a', p, {});
    return plan.steps;
  };
  return {
    'colo failover': attempt(() => planFailover(spec, survivor, p, cli, 'declared dead by colo failover').plan.steps),
    'colo apply': attempt(apply),
    'fleet apply': attempt(apply),
    // the agent before Pacemaker has fenced the peer, and after (promote, notify stop)
    'ocf unfenced': attempt(() => planFailover(spec, survivor, p, {}, 'promote').plan.steps),
  };
}

describe('one failover for the CLI, the fleet and the OCF agent', () => {
  it('a hung peer with a fence command: the same steps everywhere, the fence first', () => {
    const r = frontEnds(true, hung);
    const steps = r['colo failover'] as Plan['steps'];
    expect(steps[0]).toMatchObject({ kind: 'fence', node: 'a', run: ['fence-a', '--off'] });
    for (const [who, s] of Object.entries(r)) expect(s, who).toEqual(steps);
  });

  it('a hung peer without one: refused with NEEDS_FENCE everywhere', () => {
    expect(frontEnds(false, hung)).toEqual({
      'colo failover': 'NEEDS_FENCE',
      'colo apply': 'NEEDS_FENCE',
      'fleet apply': 'NEEDS_FENCE',
      'ocf unfenced': 'NEEDS_FENCE',
    });
  });

  it('a peer whose QEMU is gone: the same steps everywhere, no fence', () => {
    const r = frontEnds(false, gone);
    const steps = r['colo failover'] as Plan['steps'];
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.some((s) => s.kind === 'fence')).toBe(false);
    for (const [who, s] of Object.entries(r)) expect(s, who).toEqual(steps);
  });

  it('the agent after Pacemaker fenced the peer: the CLI steps, journaled as fenced by Pacemaker', () => {
    const { spec, survivor, peer } = live(false, hung);
    const { plan, safety } = planFailover(spec, survivor, peer, { fencedBy: 'Pacemaker' }, 'promote');
    expect(safety).toEqual({ ok: true, fence: false, note: 'a fenced or stopped by Pacemaker' });
    const operator = planFailover(spec, survivor, peer, { noFence: true }, 'colo failover --no-fence').plan;
    expect(plan.steps).toEqual(operator.steps);
  });

  it('a busy peer (another colo process holds its monitor) is alive: never fenced, never taken over from, by anyone', () => {
    for (const fenced of [true, false]) {
      const { spec, survivor, peer } = live(fenced, busy);
      // apply and the fleet: the live plan is blocked, no failover in it
      const plan = planFrom(spec, { a: { observed: peer, roundTrips: 0 }, b: { observed: survivor, roundTrips: 0 } }).plan;
      expect(plan).toMatchObject({ transition: 'blocked', steps: [] });
      expect(plan.reason).toMatch(/busy/);
      // colo failover and the agent, whatever they were told
      for (const policy of [{}, { noFence: true }, { fencedBy: 'Pacemaker' }, { force: true }])
        expect(() => planFailover(spec, survivor, peer, policy, 'x')).toThrow(expect.objectContaining({ code: 'PEER_ALIVE' }));
    }
  });

  it('a peer that answers as a live COLO node is refused everywhere, the agent included', () => {
    const { spec, survivor } = live(false, hung);
    const { profile } = pair();
    const primary = assumeObserved(spec, profile, 'steady').a;
    for (const policy of [{}, { noFence: true }, { fencedBy: 'Pacemaker' }])
      expect(() => planFailover(spec, survivor, primary, policy, 'x')).toThrow(expect.objectContaining({ code: 'PEER_ALIVE' }));
  });
});
