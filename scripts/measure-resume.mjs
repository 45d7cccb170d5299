// Where a resume's answers wait: the real test guest as a COLO pair on QEMU 11.1 under TCG (root, a
// private network namespace, ports 47700–47799), a client sending HTTP every 0.25 s (scripts/guest-client.mjs),
// then RESUMES resumes (the first a secondary resume after the primary is killed, the others primary
// resumes after the new secondary is killed). Each node has a second QMP monitor (extraArgs at launch)
// that this script reads while `colo apply` holds the spec's: STOP/RESUME/MIGRATION/COLO_EXIT events
// with QEMU's timestamps and the primary's query-migrate every 50 ms. Prints, per resume, a timeline in
// ms from the apply's start (the apply's mutating steps from its journal, events, migration states,
// every answer that took over 200 ms) and the longest answer. Figures only: nothing is asserted.
// Env: RESUMES (3), GUEST_DIR (default: guest/build.sh's cache), KEEP=1 keeps the work directory,
// COLO_ROOT (a directory with another build's bin/ and dist/, to measure it against this one), OUT (JSON),
// RESUME_PARAMS (JSON: migrate-set-parameters on the primary before each resume, an experiment).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const RESUMES = Number(process.env.RESUMES ?? 3);
const PORTS = 47700;
// QEMU trace events (patterns) enabled on both nodes for each resume; their lines (QEMU's log, -D) are printed
// around the switchover. An experiment: e.g. TRACE=runstate_set,vm_stop_flush_all,migrate_set_state
const TRACE = (process.env.TRACE ?? '').split(',').filter(Boolean);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg()[0].toFixed(2);

if (process.getuid?.() !== 0) throw new Error('needs root (network namespace, taps, the QEMU chroot)');
const wrapper = execFileSync('sh', [join(root, 'scripts/qemu-chroot.sh'), '11.1'], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .at(-1);
const guestDir =
  process.env.GUEST_DIR ??
  /^kernel: (.+)\/vmlinuz$/m.exec(execFileSync('sh', [join(root, 'guest/build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }))[1];
const coloRoot = process.env.COLO_ROOT ?? root;
const lib = await import(join(coloRoot, 'dist/bundle/index.mjs'));

const work = mkdtempSync('/tmp/colo-measure-resume-'); // the chroot sees only /tmp
const ns = `colo-mr-${process.pid}`;
const dir = join(work, 'pair');
const pids = new Set();
let client;
const observers = [];

function cleanup() {
  for (const o of observers) o.stop();
  if (client?.pid) spawnSync('kill', ['-KILL', String(client.pid)]);
  for (const node of ['a', 'b']) {
    try {
      pids.add(Number(readFileSync(join(dir, node, 'qemu.pid'), 'utf8')));
    } catch {}
  }
  for (const p of pids)
    try {
      process.kill(p, 'SIGKILL');
    } catch {}
  spawnSync('ip', ['netns', 'del', ns]);
  if (process.env.KEEP !== '1') rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const ip = (...a) => execFileSync('ip', ['netns', 'exec', ns, 'ip', ...a]);
function makeNet() {
  execFileSync('ip', ['netns', 'add', ns]);
  ip('link', 'set', 'lo', 'up');
  ip('link', 'add', 'br0', 'type', 'bridge');
  ip('addr', 'add', '192.0.2.1/24', 'dev', 'br0');
  ip('link', 'set', 'br0', 'up');
  for (const t of ['tap-a', 'tap-b']) {
    ip('tuntap', 'add', t, 'mode', 'tap');
    ip('link', 'set', t, 'up');
  }
  ip('link', 'set', 'tap-a', 'master', 'br0');
}

function spec(extra) {
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: measureresume}
spec:
  qemu:
    version: "11.1"
    binary: ${wrapper}
    accel: tcg
    memory: 128M
    smp: 1
    cpu: qemu64
    kernel: ${join(work, 'vmlinuz')}
    initrd: ${join(work, 'initrd.gz')}
    append: console=ttyS0
${extra ? `    extraArgs: ["-qmp", "unix:${join(dir, `${extra}.obs`)},server=on,wait=off"${TRACE.length ? ', "-msg", "timestamp=on"' : ''}]\n` : ''}  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:${dir}/a.qmp, workdir: ${dir}/a, netns: ${ns}, netdevs: {hn0: {ifname: tap-a}}}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:${dir}/b.qmp, workdir: ${dir}/b, netns: ${ns}, netdevs: {hn0: {ifname: tap-b}}}
  disks:
    - {id: colo-disk0, size: 64M}
  netdevs:
    - {id: hn0, type: tap, script: "no", downscript: "no", vhost: false, vnetHdr: false, model: virtio-net-pci, mac: "52:54:00:12:34:56", romfile: ""}
  ports: {migration: ${PORTS}, nbd: ${PORTS + 1}, base: ${PORTS + 10}}
  colo:
    checkpointDelayMs: 2000
    compare: {timeoutMs: 500, expiredScanCycleMs: 100}
  hooks:
    afterFailover:
      - name: switch-tap
        run: "ip netns exec ${ns} sh -c 'ip link set tap-$COLO_FAILED nomaster; ip link set tap-$COLO_SURVIVOR master br0'"
        timeoutMs: 5000
`;
}

const env = { ...process.env, COLO_STATE_DIR: join(work, 'state') };
function colo(...args) {
  const t = Date.now();
  const out = spawnSync(join(coloRoot, 'bin/colo'), [...args, '--no-color'], { encoding: 'utf8', env, timeout: 300_000 });
  if (out.status !== 0) throw new Error(`colo ${args.join(' ')}: ${out.stdout}${out.stderr}`);
  return { out: out.stdout, ms: Date.now() - t };
}
/** The same without blocking this process (its monitors' reads go on while apply runs). */
function coloAsync(...args) {
  const t = Date.now();
  return new Promise((resolve, reject) => {
    const p = spawn(join(coloRoot, 'bin/colo'), [...args, '--no-color'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => p.kill('SIGKILL'), 300_000);
    p.on('close', (code) => {
      clearTimeout(killer);
      if (code !== 0) reject(new Error(`colo ${args.join(' ')}: ${out}`));
      else resolve({ out, ms: Date.now() - t });
    });
  });
}
const launch = (node) => colo('launch', '-f', join(work, `launch-${node}.yaml`), '--node', node);

/** Reads a node's second monitor: its events (QEMU's clock) and, when asked, query-migrate every 50 ms. */
async function observe(node, pollMigrate) {
  const c = await lib.QmpClient.connect({ kind: 'unix', path: join(dir, `${node}.obs`) }, { connectTimeoutMs: 5000, commandTimeoutMs: 5000 });
  await c.execute('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: true }] }).catch(() => undefined);
  for (const name of TRACE) await c.execute('trace-event-set-state', { name, enable: true }).catch(() => undefined);
  const states = [];
  let on = true;
  let last;
  let loop;
  const start = () =>
    (loop = (async () => {
      while (on && pollMigrate) {
        const m = await c.execute('query-migrate').catch(() => undefined);
        if (m && m.status !== 'colo' && m.status !== 'completed' && m.status !== 'none') o.lastStats = m;
        if (m && m.status !== last) {
          states.push({ t: Date.now(), status: m.status });
          last = m.status;
        }
        await sleep(50);
      }
    })());
  const o = {
    lastStats: undefined,
    node,
    c,
    states,
    events: () => c.events().map((e) => ({ t: e.timestamp.seconds * 1000 + e.timestamp.microseconds / 1000, event: e.event, data: e.data })),
    stop: () => {
      on = false;
      return loop.then(() => c.close().catch(() => undefined));
    },
  };
  observers.push(o);
  start();
  return o;
}

function startClient() {
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, join(root, 'scripts/guest-client.mjs'), '--rate', '4', '--timeout', '5000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = [];
  let buf = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  return { proc, pid: proc.pid, lines };
}

/** query-migrate's figures (COLO's status shows none: the last read before it) */
const migrateFigures = (m) =>
  m && {
    'total-time': m['total-time'],
    'setup-time': m['setup-time'],
    'expected-downtime': m['expected-downtime'],
    downtime: m.downtime,
    ram: m.ram && {
      total: m.ram.total,
      transferred: m.ram.transferred,
      mbps: m.ram.mbps,
      'dirty-sync-count': m.ram['dirty-sync-count'],
      'normal-bytes': m.ram['normal-bytes'],
    },
  };

function journal(path) {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function resume(i, transition) {
  const jpath = join(work, `resume${i}.jsonl`);
  const obsB = await observe('b', true);
  launch('a');
  const obsA = await observe('a', false);
  // an experiment: migration parameters set on the primary by hand before the apply (RESUME_PARAMS, JSON)
  if (process.env.RESUME_PARAMS) await obsB.c.execute('migrate-set-parameters', JSON.parse(process.env.RESUME_PARAMS));
  await sleep(3000);
  const before = Date.now();
  const applied = await coloAsync('apply', '-f', join(work, 'pair.yaml'), '--auto-approve', '--journal', jpath);
  const after = Date.now();
  if (!applied.out.includes(transition)) throw new Error(`resume ${i} was not a ${transition}: ${applied.out}`);
  await sleep(8000);
  const stats = {
    migrate: await obsB.c.execute('query-migrate'),
    parameters: await obsB.c.execute('query-migrate-parameters'),
    colo: { b: await obsB.c.execute('query-colo-status'), a: await obsA.c.execute('query-colo-status') },
  };
  const t0 = before;
  const rel = (t) => Math.round(t - t0);
  const rows = [];
  rows.push([0, 'apply', 'starts']);
  rows.push([rel(after), 'apply', `ends (${applied.ms} ms)`]);
  for (const e of journal(jpath)) {
    const t = Date.parse(e.time);
    if (e.mutating && e.command)
      rows.push([
        rel(t),
        e.node,
        `done: ${e.command === 'human-monitor-command' ? e.arguments?.['command-line'] : e.command}${e.error ? ` ERROR ${e.error.desc}` : ''}`,
      ]);
    else if (e.event) rows.push([rel(t), e.node, `note: ${e.event}`]);
  }
  for (const o of [obsA, obsB]) {
    for (const e of o.events())
      if (e.t >= t0 - 1000)
        rows.push([rel(e.t), o.node, `event ${e.event}${e.data?.status ? ` ${e.data.status}` : ''}${e.data?.reason ? ` ${e.data.reason}` : ''}`]);
    for (const s of o.states) if (s.t >= t0 - 1000) rows.push([rel(s.t), o.node, `query-migrate: ${s.status}`]);
  }
  const reqs = client.lines.filter((l) => l.http && l.at >= t0 - 2000 && l.at < after + 8000);
  for (const r of reqs)
    if (r.ms > 200 || r.http !== 'ok')
      rows.push([rel(r.at), 'client', `request sent, answered +${r.ms} ms at ${rel(r.at + r.ms)}${r.http !== 'ok' ? ` FAILED ${r.error}` : ''}`]);
  if (TRACE.length) {
    // the trace around the switchover: from the first STOP after migrate to 300 ms after COLO's RESUME
    const migStart = obsB.events().find((e) => e.t >= t0 && e.event === 'MIGRATION' && e.data?.status === 'setup')?.t ?? t0;
    const from = obsB.events().find((e) => e.t > migStart && e.event === 'STOP')?.t ?? migStart;
    const coloAt = obsB.events().find((e) => e.t > from && e.event === 'MIGRATION' && e.data?.status === 'colo')?.t ?? from + 3000;
    const until = (obsB.events().find((e) => e.t > coloAt && e.event === 'RESUME')?.t ?? coloAt) + 300;
    for (const node of ['a', 'b']) {
      const lines = existsSync(join(dir, node, 'qemu.log')) ? readFileSync(join(dir, node, 'qemu.log'), 'utf8').split('\n') : [];
      // what the trace says from COLO's start to the end of the observation, counted by message
      const counts = {};
      for (const l of lines) {
        const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (\S+)(?: : )?(.*)$/.exec(l);
        const t = m && Date.parse(m[1]);
        if (!t || t < coloAt || t > after + 8000) continue;
        const key = m[2] === 'colo_compare_main' ? `${m[2]} ${m[3]}` : m[2];
        counts[key] = (counts[key] ?? 0) + 1;
      }
      if (Object.keys(counts).length) console.log(`trace counts on ${node} from COLO's start on: ${JSON.stringify(counts)}`);
      let shown = 0;
      for (const l of lines) {
        const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (.*)$/.exec(l);
        const t = m && Date.parse(m[1]);
        if (!t || t < from - 50 || t > until || ++shown > 150) continue;
        rows.push([rel(t), node, `trace ${m[2].slice(0, 160)}`]);
      }
    }
  }
  rows.sort((x, y) => x[0] - y[0]);
  const longest = reqs.reduce((m, r) => (r.ms > (m?.ms ?? -1) ? r : m), undefined);
  const pauses = [];
  let stop;
  for (const e of obsB.events()) {
    if (e.t < t0) continue;
    if (e.event === 'STOP') stop = e.t;
    if (e.event === 'RESUME' && stop !== undefined) {
      pauses.push([rel(stop), Math.round(e.t - stop)]);
      stop = undefined;
    }
  }
  console.log(`\n=== resume ${i}: ${transition}, apply ${applied.ms} ms, load ${load()} ===`);
  for (const [t, who, what] of rows) console.log(`${String(t).padStart(7)}  ${who.padEnd(6)} ${what}`);
  console.log(
    `primary's pauses (start+ms): ${pauses.map(([a, b]) => `${a}+${b}`).join(', ')}\n` +
      `query-migrate (last read before COLO, ${obsB.lastStats?.status}): ${JSON.stringify(migrateFigures(obsB.lastStats))}\n` +
      `parameters: ${JSON.stringify({ 'downtime-limit': stats.parameters['downtime-limit'], 'max-bandwidth': stats.parameters['max-bandwidth'], 'x-checkpoint-delay': stats.parameters['x-checkpoint-delay'] })}\n` +
      `colo: ${JSON.stringify(stats.colo)}\n` +
      `requests ${reqs.length}, failed ${reqs.filter((r) => r.http !== 'ok').length}, LONGEST ANSWER ${longest?.ms} ms (sent at ${longest && rel(longest.at)})`,
  );
  await obsA.stop();
  await obsB.stop();
  observers.length = 0;
  return {
    migrate: migrateFigures(obsB.lastStats),
    transition,
    applyMs: applied.ms,
    longestMs: longest?.ms,
    longestAt: longest && rel(longest.at),
    load: loadavg()[0],
    rows,
    pauses,
    stats,
  };
}

const results = [];
try {
  console.log(
    `measure-resume: ${RESUMES} resumes, QEMU 11.1 TCG (${wrapper}), guest ${guestDir}; uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`,
  );
  for (const f of ['vmlinuz', 'initrd.gz']) copyFileSync(join(guestDir, f), join(work, f));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(work, 'pair.yaml'), spec());
  writeFileSync(join(work, 'launch-a.yaml'), spec('a'));
  writeFileSync(join(work, 'launch-b.yaml'), spec('b'));
  makeNet();
  launch('a');
  launch('b');
  colo('apply', '-f', join(work, 'pair.yaml'), '--auto-approve');
  const ready = spawnSync('ip', ['netns', 'exec', ns, process.execPath, join(root, 'scripts/guest-client.mjs'), '--wait-ready', '400'], {
    encoding: 'utf8',
    timeout: 430_000,
  });
  if (ready.status !== 0) throw new Error(`the guest did not answer: ${ready.stdout}`);
  client = startClient();
  await sleep(4000);
  for (let i = 1; i <= RESUMES; i++) {
    // the first: the primary (a) dies, b takes over and a comes back as its secondary; then the secondary (a) dies
    const pidA = Number(readFileSync(join(dir, 'a', 'qemu.pid'), 'utf8'));
    process.kill(pidA, 'SIGKILL');
    colo('failover', '-f', join(work, 'pair.yaml'), '--survivor', 'b');
    await sleep(4000);
    results.push(await resume(i, i === 1 ? 'secondary-resume' : 'primary-resume'));
  }
  console.log(
    `\nsummary: longest answer per resume ${results.map((r) => `${r.transition} ${r.longestMs} ms (apply ${r.applyMs} ms, load ${r.load.toFixed(2)})`).join('; ')}; uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`,
  );
  writeFileSync(process.env.OUT ?? '/tmp/colo-measure-resume.json', JSON.stringify(results, null, 1));
} finally {
  cleanup();
}
