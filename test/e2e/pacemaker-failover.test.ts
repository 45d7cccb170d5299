// Pacemaker decides: two emulated hosts (test/support/cluster.ts), each with its own corosync,
// pacemakerd, the colo OCF agent (ocf:colo:colo, installed with `colo ocf install`) and the QEMU it
// launches, on QEMU 11.1 (its COLO checkpoints under TCG). Stonith with a poison-pill fence agent,
// two_node, token 1000 ms (COLO_PCMK_TOKEN), priority-fencing-delay 5 s (COLO_PCMK_PFD). No colo command is
// typed after the resource is loaded (only the Pacemaker cleanup in (e)): Pacemaker sets up
// replication, fails over, and brings the returning host back as secondary, through the agent.
// The guest is diskless but for colo-disk0: before every fault a pattern is written through the
// primary's quorum (HMP qemu-io), and after it every pattern written so far is read back on the
// survivor through a read-only NBD export of colo-disk0. Per scenario the test prints: fault →
// promoted (Pacemaker) and → serving (the survivor's QEMU runs the guest alone), and the nodes
// running the guest afterwards, asserted to be exactly one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/cli.js';
import { QmpClient } from '../../src/qmp/client.js';
import { Cluster, clusterMissing } from '../support/cluster.js';
import { qemuTargets } from '../support/qemus.js';

const REPO = new URL('../../', import.meta.url).pathname;
const BIN = join(REPO, 'bin', 'colo');
const q111 = qemuTargets().find((t) => t.line === '11.1')!;
const missing =
  clusterMissing() ||
  q111.missing ||
  (existsSync(join(REPO, 'dist', 'bundle', 'colo.mjs')) ? '' : 'the CLI is not built (npm run build)') ||
  (spawnSync('sh', ['-c', 'command -v qemu-io']).status === 0 ? '' : 'qemu-io is not installed (qemu-utils)');

const RSC = 'colo';
const CLONE = 'colo-clone';
// token 1000 by default: this machine runs other suites beside this one, and at 300 ms a busy
// moment splits the cluster before any fault (COLO_PCMK_TOKEN=300 measures the fast setting)
const TOKEN = Number(process.env.COLO_PCMK_TOKEN ?? 1000);
// longer than a partition's DC election plus a fencing, so the side with the promoted instance wins
const PFD = process.env.COLO_PCMK_PFD ?? '5s';
const NODES = [
  { name: 'a', addr: '192.0.2.11' },
  { name: 'b', addr: '192.0.2.12' },
] as [{ name: string; addr: string }, { name: string; addr: string }];

function specYaml(root: string): string {
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: pcmk}
spec:
  qemu: {version: "11.1", accel: tcg, memory: 64M, smp: 1, cpu: qemu64, binary: ${q111.binary}}
  nodes:
    - {name: a, role: primary,   host: ${NODES[0].addr}, qmp: unix:${root}/a.qmp, workdir: ${root}/a}
    - {name: b, role: secondary, host: ${NODES[1].addr}, qmp: unix:${root}/b.qmp, workdir: ${root}/b}
  disks:
    - {id: colo-disk0, size: 16M}
  netdevs:
    - {id: hn0, type: user, model: rtl8139, romfile: ""}
  ports: {migration: 49100, nbd: 49101, base: 49110}
  colo:
    checkpointDelayMs: 1000
`;
}

/** The promotable clone and the fence device, as `cibadmin --replace -o resources` takes them. */
function resourcesXml(root: string): string {
  return `<resources>
  <clone id="${CLONE}">
    <meta_attributes id="${CLONE}-meta">
      <nvpair id="${CLONE}-promotable" name="promotable" value="true"/>
      <nvpair id="${CLONE}-promoted-max" name="promoted-max" value="1"/>
      <nvpair id="${CLONE}-clone-max" name="clone-max" value="2"/>
      <nvpair id="${CLONE}-clone-node-max" name="clone-node-max" value="1"/>
      <nvpair id="${CLONE}-notify" name="notify" value="true"/>
      <nvpair id="${CLONE}-priority" name="priority" value="10"/>
      <nvpair id="${CLONE}-migration-threshold" name="migration-threshold" value="1"/>
    </meta_attributes>
    <primitive id="${RSC}" class="ocf" provider="colo" type="colo">
      <operations>
        <op id="${RSC}-start" name="start" interval="0s" timeout="60s"/>
        <op id="${RSC}-stop" name="stop" interval="0s" timeout="30s"/>
        <op id="${RSC}-promote" name="promote" interval="0s" timeout="30s"/>
        <op id="${RSC}-demote" name="demote" interval="0s" timeout="10s"/>
        <op id="${RSC}-notify" name="notify" interval="0s" timeout="90s"/>
        <op id="${RSC}-mon-p" name="monitor" interval="1s" role="Promoted" timeout="5s"/>
        <op id="${RSC}-mon-u" name="monitor" interval="2s" role="Unpromoted" timeout="5s"/>
      </operations>
    </primitive>
  </clone>
  <primitive id="fence-ns" class="stonith" type="fence_colo_ns">
    <instance_attributes id="fence-ns-params">
      <nvpair id="fence-ns-hosts" name="pcmk_host_list" value="a b"/>
      <nvpair id="fence-ns-root" name="root" value="${root}"/>
    </instance_attributes>
    <operations><op id="fence-ns-mon" name="monitor" interval="60s"/></operations>
  </primitive>
</resources>`;
}

interface NodeState {
  mode: string;
  runstate: string;
}

let root = '';
let cluster: Cluster;
const figures: string[] = [];
/** pattern rounds written so far: round i is byte 0xa0+i over MiB i of colo-disk0 */
let rounds = 0;

async function qmpOf(node: string, timeoutMs = 2000): Promise<QmpClient> {
  return QmpClient.connect({ kind: 'unix', path: join(root, `${node}.qmp`) }, { connectTimeoutMs: timeoutMs, commandTimeoutMs: timeoutMs });
}

/** COLO mode and runstate over the spec's monitor, or undefined when the node's QEMU does not answer. */
async function stateOf(node: string): Promise<NodeState | undefined> {
  let c: QmpClient | undefined;
  try {
    c = await qmpOf(node, 1500);
    const colo = await c.execute('query-colo-status');
    const st = await c.execute('query-status');
    return { mode: colo.mode, runstate: st.status };
  } catch {
    return undefined;
  } finally {
    await c?.close().catch(() => undefined);
  }
}

/** Runs the guest for its clients: COLO primary, or running alone (mode none). */
const runsGuest = (s: NodeState | undefined) => !!s && (s.mode === 'primary' || (s.mode === 'none' && s.runstate === 'running'));

async function guestOwners(): Promise<string[]> {
  const out: string[] = [];
  for (const n of NODES) if (runsGuest(await stateOf(n.name))) out.push(n.name);
  return out;
}

/**
 * One more acknowledged write through the primary's quorum, replicated by COLO. A write counts once a
 * checkpoint has passed after it (the primary's STOP/RESUME): that is when COLO would release the
 * guest's answer to its client; a write the secondary never checkpointed is rolled back at failover,
 * as its client never heard of it.
 */
async function writeRound(primary: string, secondary: string): Promise<void> {
  const i = ++rounds;
  const c = await qmpOf(primary, 5000);
  const checkpoint = async (what: string) => {
    const seen = c.events().length;
    const deadline = Date.now() + 15_000;
    while (
      !c
        .events()
        .slice(seen)
        .some((e) => e.event === 'RESUME')
    ) {
      if (Date.now() > deadline) throw new Error(`no checkpoint on ${primary} within 15 s ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await checkpoint('before the write');
    const out = String(await c.execute('human-monitor-command', { 'command-line': `qemu-io colo-disk0 "write -P 0x${(0xa0 + i).toString(16)} ${i}M 1M"` }));
    // 7.2 prints qemu-io's summary, 11.1 nothing; any other text is QEMU's error (the read-back proves the write)
    expect(out.trim() === '' || /wrote 1048576\/1048576 bytes/.test(out), `write on ${primary}: ${out}`).toBe(true);
    await checkpoint('after the write');
  } finally {
    await c.close();
  }
  expect(await stateOf(primary), `${primary} after the write`).toMatchObject({ mode: 'primary' });
  expect(await stateOf(secondary), `${secondary} after the write`).toMatchObject({ mode: 'secondary', runstate: 'running' });
}

/** Every round written so far, read back on `node` through a read-only NBD export of colo-disk0. */
async function verifyRounds(node: string): Promise<void> {
  const sock = join(root, `probe-${node}.sock`);
  rmSync(sock, { force: true });
  const c = await qmpOf(node, 5000);
  try {
    // a secondary that took over commits its active and hidden images into its disk first (a block job)
    const deadline = Date.now() + 30_000;
    while (((await c.execute('query-block-jobs')) as unknown[]).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await c.execute('nbd-server-start', { addr: { type: 'unix', data: { path: sock } } });
    await c.execute('nbd-server-add', { device: 'colo-disk0', name: 'probe', writable: false });
    for (let i = 1; i <= rounds; i++) {
      const r = spawnSync('qemu-io', ['-r', '-f', 'raw', '-c', `read -P 0x${(0xa0 + i).toString(16)} ${i}M 1M`, `nbd+unix:///probe?socket=${sock}`], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(`${r.stdout}${r.stderr}`, `round ${i} on ${node}`).toMatch(/read 1048576\/1048576 bytes/);
      expect(`${r.stdout}${r.stderr}`, `round ${i} on ${node}`).not.toMatch(/Pattern verification failed/);
    }
  } finally {
    await c.execute('nbd-server-remove', { name: 'probe' }).catch(() => undefined);
    await c.execute('nbd-server-stop').catch(() => undefined);
    await c.close();
    rmSync(sock, { force: true });
  }
}

async function waitReplicating(primary: string, secondary: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await cluster.waitFor(`${primary} COLO primary and ${secondary} COLO secondary, ${primary} promoted`, timeoutMs, async () => {
    const [p, s] = [await stateOf(primary), await stateOf(secondary)];
    if (p?.mode !== 'primary' || s?.mode !== 'secondary') return false;
    const r = await cluster.roles(RSC);
    return r.promoted.join() === primary && r.unpromoted.join() === secondary;
  });
  return Date.now() - t0;
}

/** From the fault: Pacemaker shows `survivor` promoted, and its QEMU runs the guest alone. */
async function waitTakeover(survivor: string, t0: number, timeoutMs: number): Promise<{ promotedMs: number; servingMs: number }> {
  let promotedMs = 0;
  let servingMs = 0;
  await cluster.waitFor(`${survivor} promoted and running the guest alone`, timeoutMs, async () => {
    if (!servingMs) {
      const s = await stateOf(survivor);
      if (s?.mode === 'none' && s.runstate === 'running') servingMs = Date.now() - t0;
    }
    if (!promotedMs && (await cluster.roles(RSC)).promoted.join() === survivor) promotedMs = Date.now() - t0;
    return promotedMs > 0 && servingMs > 0;
  });
  return { promotedMs, servingMs };
}

function note(s: string): void {
  figures.push(s);
  console.log(s);
}

describe.skipIf(missing !== '')(`Pacemaker runs the pair (QEMU 11.1, TCG, token ${TOKEN} ms)${missing ? `: ${missing}` : ''}`, () => {
  beforeAll(async () => {
    root = mkdtempSync('/tmp/colo-pcmk-');
    const spec = join(root, 'pair.yaml');
    writeFileSync(spec, specYaml(root));
    cluster = new Cluster({ root, nodes: NODES, prefix: 'colopcmk', tokenMs: TOKEN });
    const t0 = Date.now();
    // the agent is installed before the hosts start: their overlay takes ROOT/agents as it is then
    let out = '';
    const io = {
      stdout: { write: (x: string) => (out += x) },
      stderr: { write: (x: string) => (out += x) },
      stdin: Readable.from([]) as any,
      env: { ...process.env },
      cwd: REPO,
    };
    expect(await run(['ocf', 'install', '--dir', join(root, 'agents'), '--colo', BIN, '--spec', spec], io), out).toBe(0);
    cluster.up();
    await cluster.waitFor('both hosts online with a DC', 60_000, () => cluster.formed());
    const formedMs = Date.now() - t0;
    await cluster.exec('a', ['crm_attribute', '-t', 'crm_config', '-n', 'priority-fencing-delay', '-v', PFD]);
    const t1 = Date.now();
    await cluster.load(resourcesXml(root));
    const setupMs = await waitReplicating('a', 'b', 120_000);
    // the agent journals every QMP command it sends, in its host's state dir (COLO_STATE_DIR reaches it)
    expect(existsSync(join(root, 'nodes', 'a', 'state', 'pcmk.journal.jsonl')), 'the agent journal on host a').toBe(true);
    note(
      `cluster formed in ${formedMs} ms; resource loaded → a COLO primary promoted, b COLO secondary in ${Date.now() - t1} ms (${setupMs} ms of it waiting)`,
    );
  }, 240_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail' || !cluster) return;
    for (const n of NODES) console.log(`--- ${n.name}: the agent's last lines\n${cluster.logTail(n.name, 25, /colo ocf|Actions:|fenc/)}`);
  });

  afterAll(() => {
    if (cluster) cluster.downSync();
    if (root) rmSync(root, { recursive: true, force: true });
    if (figures.length) console.log(`\nPacemaker scenarios (token ${TOKEN} ms):\n  ${figures.join('\n  ')}`);
  });

  it('(a) the primary host dies (every process of it): Pacemaker fences it and promotes the secondary', async () => {
    await writeRound('a', 'b');
    const t0 = Date.now();
    cluster.kill('a');
    const { promotedMs, servingMs } = await waitTakeover('b', t0, 60_000);
    expect(cluster.fenceLog()).toMatch(/action=(off|reboot) node=a/);
    await verifyRounds('b');
    const owners = await guestOwners();
    expect(owners).toEqual(['b']);
    note(
      `(a) kill host a → b serving ${servingMs} ms, b promoted ${promotedMs} ms; guest runs on: ${owners.join(', ')}; ${rounds} acknowledged write(s) read back on b`,
    );
  }, 90_000);

  it('(b) the dead host comes back: it rejoins as secondary and COLO resumes, no command typed', async () => {
    const t0 = Date.now();
    cluster.startSync('a');
    await waitReplicating('b', 'a', 180_000);
    const ms = Date.now() - t0;
    await writeRound('b', 'a');
    const owners = await guestOwners();
    expect(owners).toEqual(['b']);
    note(`(b) host a started → a COLO secondary of b in ${ms} ms; guest runs on: ${owners.join(', ')}`);
  }, 200_000);

  it('(c) the other way round: host b dies, a takes over, b comes back as secondary', async () => {
    const t0 = Date.now();
    cluster.kill('b');
    const { promotedMs, servingMs } = await waitTakeover('a', t0, 60_000);
    await verifyRounds('a');
    expect(await guestOwners()).toEqual(['a']);
    note(`(c) kill host b → a serving ${servingMs} ms, a promoted ${promotedMs} ms; ${rounds} acknowledged write(s) read back on a`);
    const t1 = Date.now();
    cluster.startSync('b');
    await waitReplicating('a', 'b', 180_000);
    await writeRound('a', 'b');
    const owners = await guestOwners();
    expect(owners).toEqual(['a']);
    note(`(c) host b started → b COLO secondary of a in ${Date.now() - t1} ms; guest runs on: ${owners.join(', ')}`);
  }, 260_000);

  it('(e) QEMU alone crashes on the primary host: the monitor fails and the secondary takes over', async () => {
    const pid = readFileSync(join(root, 'a', 'qemu.pid'), 'utf8').trim();
    const t0 = Date.now();
    const k = await cluster.exec('a', ['kill', '-9', pid]);
    expect(k.code, k.stderr).toBe(0);
    const { promotedMs, servingMs } = await waitTakeover('b', t0, 60_000);
    await verifyRounds('b');
    const owners = await guestOwners();
    expect(owners).toEqual(['b']);
    expect(cluster.alive('a')).toBe(true);
    note(`(e) kill -9 QEMU on a → b serving ${servingMs} ms, b promoted ${promotedMs} ms; guest runs on: ${owners.join(', ')}`);
    // migration-threshold=1 keeps a out until its failure is cleared: an operator's step, after the fact
    // once Pacemaker has recorded the failure (else the cleanup races it and clears nothing)
    await cluster.waitFor('the failed monitor recorded for a', 30_000, async () => /<failure [^>]*node="a"/.test((await cluster.monXml()) ?? ''));
    const t1 = Date.now();
    const c = await cluster.exec('b', ['crm_resource', '--cleanup', '-r', CLONE, '-N', 'a'], 15_000);
    expect(c.code, c.stderr).toBe(0);
    await waitReplicating('b', 'a', 180_000);
    await writeRound('b', 'a');
    note(`(e) failure cleared (crm_resource --cleanup) → a COLO secondary of b in ${Date.now() - t1} ms`);
  }, 260_000);

  it('(d) the primary host is cut off (its link down): exactly one side runs the guest afterwards', async () => {
    const p = (await cluster.roles(RSC)).promoted[0];
    const s = p === 'a' ? 'b' : 'a';
    expect(p, 'a promoted node before the partition').toBeTruthy();
    const t0 = Date.now();
    cluster.link(p, false);
    // each side fences the other; priority-fencing-delay holds back the fencing of the promoted one
    const winner = await cluster.waitFor('exactly one host fenced', 60_000, async () =>
      cluster.alive(p) !== cluster.alive(s) ? (cluster.alive(p) ? p : s) : undefined,
    );
    const fencedMs = Date.now() - t0;
    // the link stays down: a primary's connections to its fenced secondary get no reset
    await cluster.waitFor(`${winner} runs the guest alone`, 60_000, async () => {
      const st = await stateOf(winner);
      return st?.mode === 'none' && st.runstate === 'running';
    });
    const aloneMs = Date.now() - t0;
    cluster.link(p, true);
    await verifyRounds(winner);
    const owners = await guestOwners();
    expect(owners).toEqual([winner]);
    expect(cluster.alive(winner === p ? s : p)).toBe(false);
    note(
      `(d) link of ${p} (primary) down → ${winner === p ? s : p} fenced after ${fencedMs} ms, ${winner}${winner === p ? ' (the primary)' : ' (the secondary, promoted)'} runs alone after ${aloneMs} ms; guest runs on: ${owners.join(', ')}; ${rounds} acknowledged write(s) read back`,
    );
    const loser = winner === p ? s : p;
    const t1 = Date.now();
    cluster.startSync(loser);
    await waitReplicating(winner, loser, 180_000);
    expect(await guestOwners()).toEqual([winner]);
    note(`(d) link healed, host ${loser} started → ${loser} COLO secondary of ${winner} in ${Date.now() - t1} ms`);
  }, 320_000);
});
