// The OCF agent's decisions from classified live state: monitor codes and promotion scores, which
// promote is safe, demote refused where QEMU cannot swap roles; the shipped wrapper is the one installed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  busyVerdict,
  demoteDecision,
  hungGrace,
  HUNG_PRIMARY_GRACE_MS,
  MAX_BUSY_MS,
  monitorVerdict,
  OCF,
  promoteDecision,
  SCORE,
} from '../../src/ocf/decide.js';
import { agentMonitorArgs, agentView } from '../../src/ocf/agent-view.js';
import { OCF_WRAPPER } from '../../src/ocf/wrapper.js';
import type { NodeClassification } from '../../src/plan/types.js';
import { loadSpec } from '../../src/spec/load.js';
import { runCli } from '../support/cli.js';

const n = (name: string, cls: NodeClassification['class'], extra: Partial<NodeClassification> = {}): NodeClassification => ({ name, class: cls, ...extra });

describe('monitor', () => {
  it.each([
    ['colo-primary', true, OCF.RUNNING_PROMOTED, SCORE.owner],
    ['standalone', true, OCF.RUNNING_PROMOTED, SCORE.owner],
    ['colo-secondary', true, OCF.SUCCESS, SCORE.inSync],
    ['fresh-secondary', true, OCF.SUCCESS, SCORE.stale],
    ['fresh-primary', true, OCF.SUCCESS, SCORE.waitingPrimary],
    ['unreachable', false, OCF.NOT_RUNNING, undefined],
    ['unreachable', true, OCF.ERR_GENERIC, undefined],
    ['hung', true, OCF.ERR_GENERIC, undefined],
    ['failed', true, OCF.ERR_GENERIC, undefined],
  ] as const)('%s (process alive: %s) → %i, score %s', (cls, alive, code, score) => {
    const v = monitorVerdict(n('a', cls), alive);
    expect(v.code).toBe(code);
    expect(v.score).toBe(score);
  });

  it('a stale copy scores below every node that may be promoted', () => {
    expect(SCORE.stale).toBe(0);
    expect(SCORE.inSync).toBeGreaterThan(SCORE.waitingPrimary);
    expect(SCORE.owner).toBeGreaterThan(SCORE.inSync);
  });

  it('a paused standalone guest is a failure, not promoted', () => {
    expect(monitorVerdict(n('a', 'standalone', { detail: 'paused' }), true).code).toBe(OCF.ERR_GENERIC);
  });
});

describe('promote', () => {
  it('a COLO secondary takes over when its primary is gone, hung or failed', () => {
    for (const peer of ['unreachable', 'hung', 'failed', 'fresh-secondary'] as const)
      expect(promoteDecision(n('b', 'colo-secondary'), n('a', peer)).kind).toBe('failover');
  });
  it('never takes over from a primary that still answers healthy', () => {
    const d = promoteDecision(n('b', 'colo-secondary'), n('a', 'colo-primary'));
    expect(d.kind).toBe('refuse');
    expect(d.why).toMatch(/healthy COLO primary/);
  });
  it('a fresh secondary never replicated: refused, and says why', () => {
    const d = promoteDecision(n('b', 'fresh-secondary'), n('a', 'unreachable'));
    expect(d).toMatchObject({ kind: 'refuse' });
    expect(d.why).toMatch(/never replicated/);
  });
  it('a node waiting as primary sets up with a waiting secondary, runs alone without one, refuses beside a running guest', () => {
    expect(promoteDecision(n('a', 'fresh-primary'), n('b', 'fresh-secondary')).kind).toBe('setup');
    expect(promoteDecision(n('a', 'fresh-primary'), n('b', 'unreachable')).kind).toBe('run-alone');
    expect(promoteDecision(n('a', 'fresh-primary'), n('b', 'standalone')).kind).toBe('refuse');
    expect(promoteDecision(n('a', 'fresh-primary'), n('b', 'colo-secondary')).kind).toBe('refuse');
  });
  it('is idempotent on the node that runs the guest', () => {
    expect(promoteDecision(n('a', 'colo-primary'), n('b', 'colo-secondary')).kind).toBe('done');
    expect(promoteDecision(n('b', 'standalone'), n('a', 'unreachable')).kind).toBe('done');
  });
});

describe('a hung node', () => {
  it('a COLO primary keeps its role through the grace (its checkpoint drains to a lost secondary), then fails', () => {
    expect(hungGrace('colo-primary', 1000, 1000 + HUNG_PRIMARY_GRACE_MS - 1).promoted).toBe(true);
    expect(hungGrace('colo-primary', 1000, 1000 + HUNG_PRIMARY_GRACE_MS).promoted).toBe(false);
  });
  it('any other node that stops answering gets no grace', () => {
    for (const c of ['colo-secondary', 'standalone', 'fresh-secondary', undefined]) expect(hungGrace(c, 1000, 1001).promoted).toBe(false);
  });
});

describe('demote', () => {
  it('succeeds where no guest runs, refuses with the way out where one does', () => {
    expect(demoteDecision(n('b', 'colo-secondary'), n('a', 'colo-primary')).ok).toBe(true);
    const inSync = demoteDecision(n('a', 'colo-primary'), n('b', 'colo-secondary'));
    expect(inSync.ok).toBe(false);
    expect(inSync.why).toMatch(/crm resource ban/);
    const alone = demoteDecision(n('a', 'standalone'), n('b', 'unreachable'));
    expect(alone.ok).toBe(false);
    expect(alone.why).toMatch(/lose it/);
  });
});

describe('agent monitor and wrapper', () => {
  const yaml = readFileSync(new URL('../fixtures/qmp/pair.yaml', import.meta.url), 'utf8');
  it("the agent drives its own node over its own monitor and the peer over the spec's", () => {
    const spec = loadSpec(yaml, 'pair.yaml').spec!;
    const a = spec.nodes.find((x) => x.name === 'a')!;
    const view = agentView(spec, 'a');
    const qmpOf = (s: typeof spec, name: string) => s.nodes.find((x) => x.name === name)!.qmp;
    if (a.qmp.startsWith('unix:')) {
      expect(qmpOf(view, 'a')).toBe(`${a.qmp}-agent`);
      expect(agentMonitorArgs(a)).toEqual(['-qmp', `${a.qmp}-agent,server=on,wait=off`]);
    } else expect(qmpOf(view, 'a')).toBe(a.qmp);
    expect(qmpOf(view, 'b')).toBe(qmpOf(spec, 'b'));
  });
  it('the installed wrapper is the shipped ocf/colo', () => {
    expect(readFileSync(new URL('../../ocf/colo', import.meta.url), 'utf8')).toBe(OCF_WRAPPER);
    expect(OCF_WRAPPER).toMatch(/^COLO_DEFAULT=colo$/m);
  });
});

describe('colo ocf on the CLI', () => {
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: process.cwd(), env: { NO_COLOR: '1', ...env } });

  it('answers OCF codes: 7 where no QEMU runs, 6 without a spec, 3 for an unknown action; meta-data is XML', async () => {
    const spec = new URL('../fixtures/qmp/pair.yaml', import.meta.url).pathname;
    expect((await cli(['ocf', 'monitor'], { OCF_RESKEY_spec: spec, OCF_RESKEY_node: 'a' })).code).toBe(OCF.NOT_RUNNING);
    const none = await cli(['ocf', 'start'], { OCF_RESKEY_node: 'a' });
    expect(none.code).toBe(OCF.ERR_CONFIGURED);
    expect(none.stderr).toMatch(/^ocf-exit-reason:.*spec parameter/m);
    expect((await cli(['ocf', 'reload'])).code).toBe(OCF.ERR_UNIMPLEMENTED);
    const meta = await cli(['ocf', 'meta-data']);
    expect(meta.stdout).toMatch(/<resource-agent name="colo"/);
    for (const a of ['start', 'stop', 'promote', 'demote', 'notify', 'monitor', 'validate-all']) expect(meta.stdout).toContain(`<action name="${a}"`);
  });

  it('install writes the wrapper with the CLI and the spec it was given', async () => {
    const { mkdtempSync, readFileSync, rmSync, statSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/colo-ocf-install-');
    try {
      const r = await cli(['ocf', 'install', '--dir', dir, '--colo', "/opt/it's/colo", '--spec', '/etc/colo/pair.yaml']);
      expect(r.code, r.stderr).toBe(0);
      const text = readFileSync(`${dir}/colo/colo`, 'utf8');
      expect(text).toMatch(/^COLO_DEFAULT='\/opt\/it'\\''s\/colo'$/m);
      expect(text).toMatch(/^SPEC_DEFAULT='\/etc\/colo\/pair.yaml'$/m);
      expect(statSync(`${dir}/colo/colo`).mode & 0o111).toBe(0o111);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a busy monitor (another colo process holds it)', () => {
  const t0 = 1_000_000;
  it('the last verdict stands while the QEMU process lives', () => {
    expect(busyVerdict('colo-primary', true, t0, t0 + 1000).code).toBe(OCF.RUNNING_PROMOTED);
    expect(busyVerdict('colo-secondary', undefined, t0, t0 + 1000).code).toBe(OCF.SUCCESS);
    expect(busyVerdict(undefined, true, t0, t0).code).toBe(OCF.SUCCESS);
  });
  it('a crashed QEMU is not running, whoever holds its monitor', () => {
    expect(busyVerdict('colo-primary', false, t0, t0 + 1000).code).toBe(OCF.NOT_RUNNING);
  });
  it('busy for longer than MAX_BUSY_MS in a row (a stopped holder): failed', () => {
    expect(busyVerdict('colo-primary', true, t0, t0 + MAX_BUSY_MS).code).toBe(OCF.RUNNING_PROMOTED);
    expect(busyVerdict('colo-primary', true, t0, t0 + MAX_BUSY_MS + 1).code).toBe(OCF.ERR_GENERIC);
  });
});
