// colo ocf config: the cluster's Pacemaker resources written from its pair files (model/pacemaker.ts,
// render/pacemaker-config.ts), and the command's refusals.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/cli.js';
import { pacemakerConfig } from '../../src/model/pacemaker.js';
import { renderPacemakerCrm, renderPacemakerPcs, renderPacemakerXml } from '../../src/render/pacemaker-config.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';

const root = new URL('../../', import.meta.url).pathname;

function spec(name: string, a: [string, string], b: [string, string]): Spec {
  const text = readFileSync(`${root}examples/cluster/x.yaml`, 'utf8')
    .replace('{name: x}', `{name: ${name}}`)
    .replace(/name: host1, role: primary, +host: [0-9.]+/, `name: ${a[0]}, role: primary, host: ${a[1]}`)
    .replace(/name: host2, role: secondary, host: [0-9.]+/, `name: ${b[0]}, role: secondary, host: ${b[1]}`);
  const r = loadSpec(text, `${name}.yaml`);
  if (!r.spec) throw new Error(JSON.stringify(r.problems));
  return r.spec;
}

async function cli(args: string[], extra: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: process.stdin,
    env: { ...process.env, NO_COLOR: '1', ...extra },
    cwd: root,
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

const X = () => spec('x', ['host1', '192.0.2.11'], ['host2', '192.0.2.12']);
const Y = () => spec('y', ['host2', '192.0.2.12'], ['host3', '192.0.2.13']);

describe('pacemakerConfig', () => {
  it('makes the cluster of the union of node names, each pair kept off the nodes outside it', () => {
    const { config, conflicts } = pacemakerConfig([
      { file: 'y.yaml', spec: Y() },
      { file: 'x.yaml', spec: X() },
    ]);
    expect(conflicts).toEqual([]);
    expect(config!.nodes).toEqual(['host1', 'host2', 'host3']);
    expect(config!.pairs.map((p) => [p.pair, p.agent, p.clone, p.nodes, p.banned])).toEqual([
      ['x', 'colo-x', 'colo-x-clone', ['host1', 'host2'], ['host3']],
      ['y', 'colo-y', 'colo-y-clone', ['host2', 'host3'], ['host1']],
    ]);
  });
  it('bans nothing on a two-host cluster', () => {
    expect(pacemakerConfig([{ file: 'x.yaml', spec: X() }]).config!.pairs[0].banned).toEqual([]);
  });
  it('refuses a node name that is two hosts, and a host under two names', () => {
    const twoHosts = pacemakerConfig([
      { file: 'x.yaml', spec: X() },
      { file: 'y.yaml', spec: spec('y', ['host2', '192.0.2.99'], ['host3', '192.0.2.13']) },
    ]);
    expect(twoHosts.config).toBeUndefined();
    expect(twoHosts.conflicts[0]).toMatchObject({ pair: 'y', node: 'host2' });
    expect(twoHosts.conflicts[0].message).toMatch(/192\.0\.2\.99 here but 192\.0\.2\.12 in pair x/);
    const twoNames = pacemakerConfig([
      { file: 'x.yaml', spec: X() },
      { file: 'y.yaml', spec: spec('y', ['middle', '192.0.2.12'], ['host3', '192.0.2.13']) },
    ]);
    expect(twoNames.conflicts[0].message).toMatch(/host 192\.0\.2\.12 is node middle here but host2 in pair x/);
  });
});

describe('the renders', () => {
  const c = pacemakerConfig([
    { file: 'x.yaml', spec: X() },
    { file: 'y.yaml', spec: Y() },
  ]).config!;
  it("crm: a primitive of the pair's own agent, no instance attributes, its clone and locations; no stonith", () => {
    const t = renderPacemakerCrm(c);
    expect(t).toContain('crm configure primitive colo-x ocf:colo:colo-x \\\n  op start timeout=60s \\');
    expect(t).toContain(
      '  op monitor interval=2s role=Unpromoted timeout=5s\ncrm configure clone colo-x-clone colo-x meta promotable=true promoted-max=1 clone-max=2',
    );
    expect(t).toContain('crm configure location colo-x-clone-not-host3 colo-x-clone resource-discovery=never -inf: host3');
    expect(t).toContain('crm configure location colo-y-clone-not-host1 colo-y-clone resource-discovery=never -inf: host1');
    expect(t).toContain('#   colo ocf install --name colo-y --spec y.yaml');
    expect(t).not.toMatch(/params|stonith:/);
    expect(t).toMatch(/^# Fencing is the site's/m);
  });
  it('pcs: one resource create per pair with its promotable clone, avoids for the locations', () => {
    const t = renderPacemakerPcs(c);
    expect(t).toContain('pcs resource create colo-y ocf:colo:colo-y \\');
    expect(t).toContain('  promotable promoted-max=1 clone-max=2 clone-node-max=1 notify=true priority=10 migration-threshold=1');
    expect(t).toContain('pcs constraint location add colo-x-clone-not-host3 colo-x-clone host3 -INFINITY resource-discovery=never');
    expect(t).not.toContain('promotable=true');
  });
  it('xml: a configuration with both clones and -INFINITY locations, every id unique, comments without --', () => {
    const t = renderPacemakerXml(c);
    expect(t).toMatch(/^<configuration>\n/);
    expect(t).toContain('<primitive id="colo-x" class="ocf" provider="colo" type="colo-x">');
    expect(t).toContain('<rsc_location id="colo-y-clone-not-host1" rsc="colo-y-clone" node="host1" score="-INFINITY" resource-discovery="never"/>');
    expect(t).not.toContain('instance_attributes');
    const ids = [...t.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of t.matchAll(/<!--([\s\S]*?)-->/g)) expect(m[1]).not.toContain('--');
  });
});

describe('colo ocf config', () => {
  it('reads a directory of pairs', async () => {
    const r = await cli(['ocf', 'config', '-f', 'examples/cluster', '--format', 'pcs']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# colo ocf config: 2 pair(s) on the cluster nodes host1, host2, host3');
  });
  it('refuses an unknown format', async () => {
    const r = await cli(['ocf', 'config', '-f', 'examples/cluster', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error BAD_OPTION: --format must be crm, pcs or xml');
  });
  it('refuses an invalid pair file with its problems, and writes nothing', async () => {
    const r = await cli(['ocf', 'config', '-f', 'test/fixtures/does-not-exist.yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/FILE_READ/);
  });
  it('the agent on a host outside the pair: a probe finds nothing, a stop has nothing to do, a start cannot run there', async () => {
    const env = { OCF_RESOURCE_INSTANCE: 'colo-x:0' };
    expect((await cli(['ocf', 'monitor', '-f', 'examples/cluster/x.yaml', '--node', 'host3'], env)).code).toBe(7);
    expect((await cli(['ocf', 'stop', '-f', 'examples/cluster/x.yaml', '--node', 'host3'], env)).code).toBe(0);
    const start = await cli(['ocf', 'start', '-f', 'examples/cluster/x.yaml', '--node', 'host3'], env);
    expect(start.code).toBe(5);
    expect(start.stderr).toContain('ocf-exit-reason:colo ocf start: host3 is not a node of pair x (host1, host2)');
  });
  it('install --name writes ocf:colo:NAME and refuses a name Pacemaker would not take', async () => {
    const bad = await cli(['ocf', 'install', '--name', '../x', '--dir', '/nonexistent']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error OCF_NAME');
  });
});
