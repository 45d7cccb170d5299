// Several pairs on a cluster of three hosts (test/support/cluster.ts; three votes, so no quorum
// device): pair x on hosts h1 and h2, pair y on h2 and h3, both primaries on h2, each pair's QEMU 11.1
// under TCG with no guest (a diskless BIOS loop: COLO checkpoints, little CPU). The cluster's resources
// are what `colo ocf config -f PAIRS --format xml` writes from the two pair files (each pair's own agent,
// ocf:colo:colo-PAIR, installed with `colo ocf install --name colo-PAIR --spec FILE`; a promotable
// clone each, kept to its two hosts by -INFINITY locations), loaded with cibadmin; the fence device is
// the test's own (the site's, as the generated configuration says). Host h2 dies: each pair is promoted
// once on its other host (x on h1, y on h3), h2 fenced once; h2 returns: both pairs rejoin with h2 as
// their secondary. After every step exactly one host runs each pair's guest. Figures per pair as JSON
// to COLO_E2E_REPORT, beside the single-pair test's rows (no guest here, so no clients: their counts
// are 0; hostsRunningGuest is per pair).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, clusterMissing, fencePrimitiveXml } from '../support/cluster.js';
import { logSize, nodeState, runsGuest, writeReport, type ScenarioReport } from '../support/cluster-guest.js';
import { runCli } from '../support/cli.js';
import { qemuTargets } from '../support/qemus.js';

const REPO = new URL('../../', import.meta.url).pathname;
const BIN = join(REPO, 'bin', 'colo');
const q111 = qemuTargets().find((t) => t.line === '11.1')!;
const missing = clusterMissing() || q111.missing || (existsSync(join(REPO, 'dist', 'bundle', 'colo.mjs')) ? '' : 'the CLI is not built (npm run build)');

const TOKEN = Number(process.env.COLO_PCMK_TOKEN ?? 1000);
// the cluster link (TEST-NET-3), a range of its own beside the single-pair test's
const HOSTS = [
  { name: 'h1', addr: '203.0.113.21' },
  { name: 'h2', addr: '203.0.113.22' },
  { name: 'h3', addr: '203.0.113.23' },
];
const addr = (h: string) => HOSTS.find((x) => x.name === h)!.addr;
/** pair → [its primary at the first start, its secondary]: h2 runs both guests until it dies */
const PAIRS: Record<string, [string, string]> = { x: ['h2', 'h1'], y: ['h2', 'h3'] };
const PORTS: Record<string, number> = { x: 49300, y: 49320 };

function specYaml(root: string, pair: string): string {
  const [p, s] = PAIRS[pair];
  const base = PORTS[pair];
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: ${pair}}
spec:
  qemu: {version: "11.1", accel: tcg, memory: 64M, smp: 1, cpu: qemu64, binary: ${q111.binary}}
  nodes:
    - {name: ${p}, role: primary,   host: ${addr(p)}, qmp: unix:${root}/${pair}/${p}.qmp, workdir: ${root}/${pair}/${p}}
    - {name: ${s}, role: secondary, host: ${addr(s)}, qmp: unix:${root}/${pair}/${s}.qmp, workdir: ${root}/${pair}/${s}}
  disks:
    - {id: colo-disk0, size: 16M}
  netdevs:
    - {id: hn0, type: user, model: rtl8139, romfile: ""}
  ports: {migration: ${base}, nbd: ${base + 1}, base: ${base + 10}}
  colo:
    checkpointDelayMs: 2000
`;
}

/** The site's fence device (poison pill for the emulated hosts). */
function fenceXml(root: string): string {
  return `<resources>
  ${fencePrimitiveXml(
    root,
    HOSTS.map((h) => h.name),
  )}
</resources>`;
}

let root = '';
let cluster: Cluster;
const figures: string[] = [];
const report: ScenarioReport[] = [];

/** `colo ARGS` in-process in the test's directory: its exit code and all it wrote. */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const r = await runCli(args, { cwd: root, env: { ...process.env } });
  return { code: r.code, out: r.stdout + r.stderr };
}

const stateOf = (pair: string, node: string) => nodeState(join(root, pair, `${node}.qmp`));

/** Per pair, the hosts whose QEMU runs its guest (COLO primary, or alone). */
async function owners(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [pair, nodes] of Object.entries(PAIRS)) {
    out[pair] = [];
    for (const n of nodes) if (runsGuest(await stateOf(pair, n))) out[pair].push(n);
  }
  return out;
}

async function replicating(pair: string, primary: string, secondary: string): Promise<boolean> {
  const [p, s] = [await stateOf(pair, primary), await stateOf(pair, secondary)];
  if (p?.mode !== 'primary' || s?.mode !== 'secondary') return false;
  const r = await cluster.roles(`colo-${pair}`);
  return r.promoted.join() === primary && r.unpromoted.join() === secondary;
}

const pcmkLog = (node: string) => join(cluster.nodeDir(node), 'log/pacemaker/pacemaker.log');

/** Promotes of a pair's resource the DCs initiated since the offsets (only the DC logs "Initiating"). */
function promotes(pair: string, from: Record<string, number>): string[] {
  const out: string[] = [];
  for (const h of HOSTS) {
    let text = '';
    try {
      text = readFileSync(pcmkLog(h.name), 'utf8').slice(from[h.name] ?? 0);
    } catch {
      /* no log yet */
    }
    for (const m of text.matchAll(new RegExp(`Initiating promote operation colo-${pair}(?::\\d+)?_promote_0 (?:locally )?on (\\S+)`, 'g'))) out.push(m[1]);
  }
  return out;
}

const offsets = () => Object.fromEntries(HOSTS.map((h) => [h.name, logSize(pcmkLog(h.name))]));
const fences = (node: string) => (cluster.fenceLog().match(new RegExp(`action=(off|reboot) node=${node}\\b`, 'g')) ?? []).length;

function note(s: string): void {
  figures.push(s);
  console.log(s);
}

function row(scenario: string, fault: ScenarioReport['fault'], ms: Record<string, number>, own: Record<string, string[]>): void {
  report.push({
    test: 'pacemaker-pairs',
    scenario,
    fault,
    hosts: HOSTS.length,
    pairs: Object.keys(PAIRS).length,
    // per pair (no guest here, so no clients: their figures are zero by construction)
    faultToServingMs: Math.max(...Object.values(ms)),
    faultToServingMsPerPair: ms,
    requests: { total: 0, failed: 0, timeoutMs: 0 },
    longestGapMs: 0,
    stream: { connections: 0, jumps: 0 },
    // no guest, so no records written: not measured
    ackedLost: null,
    hostsRunningGuest: Object.fromEntries(Object.entries(own).map(([p, h]) => [p, h.length])),
    token: TOKEN,
  });
  writeReport(report);
}

describe.skipIf(missing !== '')(
  `Pacemaker runs two pairs on three hosts from colo ocf config (QEMU 11.1, TCG, token ${TOKEN} ms)${missing ? `: ${missing}` : ''}`,
  () => {
    beforeAll(async () => {
      root = mkdtempSync('/tmp/colo-pcmk2-');
      mkdirSync(join(root, 'pairs'));
      for (const p of Object.keys(PAIRS)) writeFileSync(join(root, 'pairs', `${p}.yaml`), specYaml(root, p));
      cluster = new Cluster({ root, nodes: HOSTS, prefix: 'colopcm2', tokenMs: TOKEN });
      // one agent per pair, its spec baked in (the hosts' overlay takes ROOT/agents as it is when they start)
      for (const p of Object.keys(PAIRS)) {
        const r = await cli([
          'ocf',
          'install',
          '--dir',
          join(root, 'agents'),
          '--colo',
          BIN,
          '--name',
          `colo-${p}`,
          '--spec',
          join(root, 'pairs', `${p}.yaml`),
        ]);
        expect(r.code, r.out).toBe(0);
      }
      const cfg = await cli(['ocf', 'config', '-f', join(root, 'pairs'), '--format', 'xml']);
      expect(cfg.code, cfg.out).toBe(0);
      writeFileSync(join(root, 'colo.xml'), cfg.out);
      const t0 = Date.now();
      cluster.up();
      await cluster.waitFor('three hosts online with a DC', 90_000, () => cluster.formed());
      const formedMs = Date.now() - t0;
      const t1 = Date.now();
      await cluster.load(fenceXml(root));
      // as docs/pacemaker.md loads it: merged into the configuration, the site's fence device kept
      const h = HOSTS[0].name;
      const m = await cluster.exec(h, ['cibadmin', '--modify', '--allow-create', '--scope', 'configuration', '--xml-file', join(root, 'colo.xml')], 15_000);
      expect(m.code, `cibadmin --modify: ${m.stderr}`).toBe(0);
      await cluster.waitFor('x and y replicating from h2', 180_000, async () => (await replicating('x', 'h2', 'h1')) && (await replicating('y', 'h2', 'h3')));
      note(`cluster of 3 formed in ${formedMs} ms; configuration loaded → x and y COLO primaries on h2 in ${Date.now() - t1} ms`);
      const own = await owners();
      expect(own).toEqual({ x: ['h2'], y: ['h2'] });
    }, 360_000);

    afterEach((ctx) => {
      if (ctx.task.result?.state !== 'fail' || !cluster) return;
      for (const h of HOSTS) console.log(`--- ${h.name}: the agents' last lines\n${cluster.logTail(h.name, 30, /colo ocf|Actions:|fenc/)}`);
    });

    afterAll(() => {
      if (cluster) cluster.downSync();
      if (root && process.env.COLO_E2E_LOGS)
        spawnSync('sh', [
          '-c',
          'mkdir -p "$2" && cd "$1" && cp -r --parents fence.log colo.xml nodes/*/log nodes/*/*.log "$2"/',
          'sh',
          root,
          process.env.COLO_E2E_LOGS,
        ]);
      if (root) rmSync(root, { recursive: true, force: true });
      if (figures.length) console.log(`\nTwo pairs on three hosts (token ${TOKEN} ms):\n  ${figures.join('\n  ')}`);
    });

    it('host h2 dies: x is promoted on h1 and y on h3, each once, h2 fenced once', async () => {
      const from = offsets();
      const fenced0 = fences('h2');
      const t0 = Date.now();
      cluster.kill('h2');
      const ms: Record<string, number> = {};
      const survivor: Record<string, string> = { x: 'h1', y: 'h3' };
      await cluster.waitFor('x serving on h1 and y on h3, both promoted there', 90_000, async () => {
        for (const p of Object.keys(PAIRS)) {
          if (ms[p]) continue;
          const s = await stateOf(p, survivor[p]);
          if (s?.mode === 'none' && s.runstate === 'running') ms[p] = Date.now() - t0;
        }
        if (Object.keys(ms).length < 2) return false;
        return (await cluster.roles('colo-x')).promoted.join() === 'h1' && (await cluster.roles('colo-y')).promoted.join() === 'h3';
      });
      // a later, second promote would show in this time
      await new Promise((r) => setTimeout(r, 5000));
      const own = await owners();
      row('(m1) host h2 dies, x and y fail over', 'host-death', ms, own);
      note(
        `(m1) host h2 dies → x serving on h1 after ${ms.x} ms, y on h3 after ${ms.y} ms; promotes x ${promotes('x', from).join(',')}, y ${promotes('y', from).join(',')}; h2 fenced ${fences('h2') - fenced0}×`,
      );
      expect(own).toEqual({ x: ['h1'], y: ['h3'] });
      expect(promotes('x', from)).toEqual(['h1']);
      expect(promotes('y', from)).toEqual(['h3']);
      expect(fences('h2') - fenced0, 'h2 fenced once').toBe(1);
      expect(cluster.alive('h2')).toBe(false);
    }, 150_000);

    it('host h2 returns: both pairs rejoin with h2 as their secondary, no command typed', async () => {
      const t0 = Date.now();
      cluster.startSync('h2');
      const ms: Record<string, number> = {};
      await cluster.waitFor('x (h1 → h2) and y (h3 → h2) replicating', 240_000, async () => {
        if (!ms.x && (await replicating('x', 'h1', 'h2'))) ms.x = Date.now() - t0;
        if (!ms.y && (await replicating('y', 'h3', 'h2'))) ms.y = Date.now() - t0;
        return !!ms.x && !!ms.y;
      });
      const own = await owners();
      row('(m2) host h2 returns, x and y rejoin', 'rejoin', ms, own);
      note(`(m2) host h2 returns → x replicates again (h1 → h2) after ${ms.x} ms, y (h3 → h2) after ${ms.y} ms`);
      expect(own).toEqual({ x: ['h1'], y: ['h3'] });
    }, 300_000);
  },
);
