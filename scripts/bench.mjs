// npm run bench: figures as ratios against baselines measured in the same run (never asserted by tests);
// the machine's load average (uptime) printed at the start, beside each figure and at the end.
//   1. `colo plan --offline` wall time  vs  `node -e 0`                          (goal <= 1.3)
//  1b. `colo ocf monitor` on a running node (QEMU 7.2, paused) vs `node -e 0`    (goal <= 1.5)
//      (BENCH_ONLY=startup: these two alone; BENCH_ONLY=setup,failover,serving: figures 5, 4 and 6 alone;
//       the keys: startup plan refresh setup failover serving resume fleet tls guest)
//   2. planning 1000 pairs in-process   vs  parsing the same 1000 YAML files      (goal < 1 s in all)
//  2b. loading a spec of labels at the 64 KiB cap vs parsing it; refusing a 100k-key file
//   3. live refresh of a pair (both nodes, pipelined reads) vs one raw query-status per node
//   4. `colo failover` wall time        vs  a minimal raw QMP sender, same commands (goal <= 1.3)
//   5. setup to COLO running (`colo apply`) vs the raw command sequence           (goal <= 1.2)
//   6. kill → survivor serving: `colo failover` with its tap hook vs the raw QMP sequence and the
//      same `ip` calls, on tap NICs in a private network namespace (root only)    (goal <= 1.3)
//   9. the guest's pause in a resume of a 256 MB guest: plain NBD child (cont) vs the replication driver's order
//   7, 8. the fleet: status of 20 live pairs, offline plan of 1000 files (scripts/bench-fleet.mjs)
//  10. a checkpoint's pause with every COLO channel on X.509 TLS vs in clear, for a guest that
//      dirties 64 MiB in a loop (scripts/bench-tls.mjs; KVM, or QEMU 11.1 under TCG; ports 46xxx)
//  11. the guest's view: HTTP latency of the real test guest under COLO at 1, 2 and 6 s against the
//      same guest alone; checkpoint pause and transfer idle and dirtying 16/64 MiB, in clear, with
//      multifd and with TLS (scripts/bench-guest.mjs; QEMU 11.1; ports 48500–48699)
// Pairs run under TCG with checkpoints off (x-checkpoint-delay one hour), on loopback ports 45xxx.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const coloBin = join(root, 'bin/colo');
const raw = join(root, 'scripts/raw-qmp.mjs');
const lib = await import(join(root, 'dist/bundle/index.mjs'));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const only = process.env.BENCH_ONLY?.split(',');
const want = (key) => !only || only.includes(key);
const pairRuns = Number(process.env.BENCH_PAIR_RUNS ?? 3);

const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
console.log(`bench start: ${uptime()}`);
// node reads the certificates of NODE_EXTRA_CA_CERTS at every start-up (before any script runs): the
// baseline `node -e 0` pays it as colo does, so the start-up ratios are lower where it is set
if (process.env.NODE_EXTRA_CA_CERTS) console.log('NODE_EXTRA_CA_CERTS is set: every node start-up here (node -e 0 too) reads those certificates first');
const load = () => `load ${loadavg()[0].toFixed(2)}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(1)} ms`;
function wall(cmd, args, opts = {}) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  const dt = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return dt;
}
function report(name, value, baselineName, baseline, goal) {
  const ratio = value / baseline;
  const verdict = goal === undefined ? '' : ratio <= goal ? `  (goal <= ${goal}: met)` : `  (goal <= ${goal}: NOT met)`;
  console.log(`${name.padEnd(34)} ${ms(value).padStart(10)}   ${baselineName} ${ms(baseline)}   ratio ${ratio.toFixed(2)}${verdict}   (${load()})`);
}

if (want('startup')) {
  // 1. offline plan start-up
  const example = join(root, 'examples/pair.yaml');
  const plans = [];
  const nodes = [];
  for (let i = 0; i < runs; i++) {
    nodes.push(wall(process.execPath, ['-e', '0']));
    plans.push(wall(coloBin, ['plan', '--offline', '-f', example, '--no-color']));
  }
  report('colo plan --offline', median(plans), 'node -e 0', median(nodes), 1.3);
}
if (want('plan')) {
  // 2. 1000 pairs in-process
  const text = readFileSync(example, 'utf8');
  const docs = Array.from({ length: 1000 }, (_, i) => text.replace('name: demo', `name: pair${i}`).replace('base: 9001', `base: ${10000 + i * 20}`));
  let t = performance.now();
  for (const d of docs) parse(d);
  const parseMs = performance.now() - t;
  t = performance.now();
  let steps = 0;
  for (const d of docs) {
    const { spec } = lib.loadSpec(d, 'x.yaml');
    const profile = lib.specProfile(spec);
    steps += lib.buildPlan(spec, profile, lib.assumeObserved(spec, profile, 'setup'), { mode: 'offline' }).steps.length;
  }
  const planMs = performance.now() - t;
  report('plan 1000 pairs (in-process)', planMs, 'YAML parse only', parseMs);
  console.log(`${''.padEnd(34)} ${planMs < 1000 ? 'under 1 s: met' : 'over 1 s: NOT met'} (${steps} steps planned)`);

  // 2b. hostile input: a spec of labels at the size cap (checked, then refused at the value cap or
  // parsed), and a 100k-key file (refused before parsing), against parsing the capped file alone
  {
    const labels = (n) =>
      text.replace('metadata: {name: demo}', `metadata:\n  name: demo\n  labels:\n${Array.from({ length: n }, (_, i) => `    k${i}: v${i}`).join('\n')}`);
    let n = 1000;
    while (labels(n * 2).length < 64 * 1024) n *= 2;
    while (labels(n + 100).length < 64 * 1024) n += 100;
    const capped = labels(n);
    const huge = labels(100_000);
    const loads = [];
    const parses = [];
    const refusals = [];
    for (let i = 0; i < runs; i++) {
      let s = performance.now();
      parse(capped);
      parses.push(performance.now() - s);
      s = performance.now();
      lib.loadSpec(capped, 'capped.yaml');
      loads.push(performance.now() - s);
      s = performance.now();
      lib.loadSpec(huge, 'huge.yaml');
      refusals.push(performance.now() - s);
    }
    report(`load ${n} labels (${(capped.length / 1024).toFixed(0)} KiB)`, median(loads), 'YAML parse only', median(parses));
    console.log(`${'100k labels (1.9 MB): refused in'.padEnd(34)} ${ms(median(refusals)).padStart(10)}`);
  }
}
// Pairs on real QEMU
const work = mkdtempSync(join(tmpdir(), 'colo-bench-'));
let pairNo = 0;
const started = new Set();
function pairSpec(opts = {}) {
  const dir = join(work, `p${pairNo}`);
  const base = 45000 + (pairNo++ % 40) * 20;
  const file = join(dir + '.yaml');
  writeFileSync(
    file,
    `apiVersion: colo/v1
kind: ColoPair
metadata: {name: bench${pairNo}}
spec:
  qemu: {version: "${opts.version ?? '7.2'}", accel: tcg, memory: ${opts.memory ?? '64M'}, cpu: qemu64${opts.binary ? `, binary: ${opts.binary}` : ''}}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:${dir}/a.qmp, workdir: ${dir}/a${opts.netns ? `, netns: ${opts.netns}, netdevs: {hn0: {ifname: tap-a}}` : ''}}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:${dir}/b.qmp, workdir: ${dir}/b${opts.netns ? `, netns: ${opts.netns}, netdevs: {hn0: {ifname: tap-b}}` : ''}}
  disks: [{id: colo-disk0, size: 16M}]
  netdevs: [${opts.netdev ?? '{id: hn0, type: user, romfile: ""}'}]
  ports: {migration: ${base}, nbd: ${base + 1}, base: ${base + 5}}
  colo: {checkpointDelayMs: 3600000${opts.primaryChild ? `, primaryChild: ${opts.primaryChild}` : ''}}
${opts.hooks ?? ''}`,
  );
  const cli = (...args) => execFileSync(coloBin, [...args, '--no-color'], { encoding: 'utf8', env: { ...process.env, COLO_STATE_DIR: join(work, 'state') } });
  const pid = (n) => Number(readFileSync(join(dir, n, 'qemu.pid'), 'utf8'));
  const launch = () => {
    for (const n of ['a', 'b']) {
      cli('launch', '-f', file, '--node', n);
      started.add(pid(n));
    }
  };
  const spec = lib.loadSpec(readFileSync(file, 'utf8'), file).spec;
  return { dir, file, cli, pid, launch, spec, base };
}
function killAll() {
  for (const p of started) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {}
  }
  started.clear();
}
process.on('exit', () => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});

function setupCommands(p) {
  // what colo's setup does: copy the disk to the secondary, then attach the plain NBD child
  const a = [
    {
      execute: 'drive-mirror',
      arguments: { device: 'colo-disk0', 'job-id': 'resync', target: `nbd://127.0.0.1:${p.base + 1}/parent0`, mode: 'existing', format: 'raw', sync: 'full' },
    },
    { wait: 'query-block-jobs', field: '0.ready', equals: true },
    { execute: 'block-job-cancel', arguments: { device: 'resync' } },
    { wait: 'query-block-jobs', field: 'length', equals: 0 },
    {
      execute: 'blockdev-add',
      arguments: {
        driver: 'nbd',
        'node-name': 'nbd0',
        server: { type: 'inet', host: '127.0.0.1', port: String(p.base + 1) },
        export: 'parent0',
        'detect-zeroes': 'on',
      },
    },
    { execute: 'x-blockdev-change', arguments: { parent: 'colo-disk0', node: 'nbd0' } },
    { execute: 'migrate-set-capabilities', arguments: { capabilities: [{ capability: 'x-colo', state: true }] } },
    { execute: 'migrate-set-parameters', arguments: { 'x-checkpoint-delay': 3600000 } },
    { execute: 'migrate', arguments: { uri: `tcp:127.0.0.1:${p.base}` } },
    { wait: 'query-colo-status', field: 'mode', equals: 'primary' },
  ];
  const b = [
    { execute: 'nbd-server-start', arguments: { addr: { type: 'inet', data: { host: '127.0.0.1', port: String(p.base + 1) } } } },
    { execute: 'nbd-server-add', arguments: { device: 'parent0', writable: true } },
  ];
  return [join(p.dir, 'b.qmp'), JSON.stringify(b), join(p.dir, 'a.qmp'), JSON.stringify(a)];
}

if (want('startup')) {
  // 1b. the agent's monitor on a running node (QEMU 7.2 in prelaunch; TCP QMP, the monitor the agent shares)
  {
    const dir = join(work, 'mon');
    const file = join(work, 'mon.yaml');
    writeFileSync(
      file,
      `apiVersion: colo/v1
kind: ColoPair
metadata: {name: benchmon}
spec:
  qemu: {version: "7.2", accel: tcg, memory: 64M, cpu: qemu64}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: "tcp:127.0.0.1:45902", workdir: ${dir}/a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: "tcp:127.0.0.1:45903", workdir: ${dir}/b}
  disks: [{id: colo-disk0, size: 16M}]
  netdevs: [{id: hn0, type: user, romfile: ""}]
  ports: {migration: 45900, nbd: 45901, base: 45905}
`,
    );
    const env = { ...process.env, COLO_STATE_DIR: join(work, 'state') };
    try {
      execFileSync(coloBin, ['launch', '-f', file, '--node', 'a'], { env, stdio: 'pipe' });
      started.add(Number(readFileSync(join(dir, 'a', 'qemu.pid'), 'utf8')));
      const mons = [];
      const bases = [];
      let code;
      for (let i = 0; i < runs; i++) {
        bases.push(wall(process.execPath, ['-e', '0']));
        const t0 = performance.now();
        code = spawnSync(coloBin, ['ocf', 'monitor', '-f', file, '--node', 'a'], { env, encoding: 'utf8' }).status;
        mons.push(performance.now() - t0);
      }
      report(`colo ocf monitor (running, exit ${code})`, median(mons), 'node -e 0', median(bases), 1.5);
    } catch (e) {
      console.log(`${'colo ocf monitor (running node)'.padEnd(34)} failed: ${String(e.stderr ?? e.message).split('\n')[0]}`);
    } finally {
      killAll();
    }
  }
}
// BENCH_ONLY=startup: the start-up figures alone (1, 1b), which need no QEMU beyond one paused node
if (only && !only.some((k) => ['refresh', 'setup', 'failover', 'serving', 'resume', 'fleet', 'tls', 'guest'].includes(k))) {
  console.log(`bench end: ${uptime()}`);
  process.exit(0);
}

try {
  // 5. setup to COLO running
  const applyT = [];
  const rawSetupT = [];
  for (let i = 0; i < (want('setup') ? pairRuns : want('refresh') ? 1 : 0); i++) {
    const p = pairSpec();
    p.launch();
    applyT.push(wall(coloBin, ['apply', '-f', p.file, '--auto-approve', '--no-color'], { env: { ...process.env, COLO_STATE_DIR: join(work, 'state') } }));
    // 3. live refresh on this replicating pair
    if (i === 0 && want('refresh')) {
      const refresh = [];
      const baseline = [];
      let trips = 0;
      for (let k = 0; k < runs; k++) {
        let t0 = performance.now();
        const r = await lib.observePair(p.spec, { timeoutMs: 5000 });
        refresh.push(performance.now() - t0);
        trips = Object.values(r).map((x) => x.roundTrips);
        t0 = performance.now();
        await Promise.all(
          ['a', 'b'].map(async (n) => {
            const c = await lib.QmpClient.connect({ kind: 'unix', path: join(p.dir, `${n}.qmp`) });
            await c.execute('query-status');
            await c.close();
          }),
        );
        baseline.push(performance.now() - t0);
      }
      report('live refresh of a pair', median(refresh), 'raw query-status', median(baseline));
      console.log(
        `${''.padEnd(34)} QMP round trips per node: ${trips.join(' + ')} (incl. capabilities; 14 reads pipelined in one burst, query-version taken from the greeting, compare props in a second)`,
      );
    }
    killAll();
    const q = pairSpec();
    q.launch();
    rawSetupT.push(wall(process.execPath, [raw, ...setupCommands(q)]));
    killAll();
  }
  if (want('setup')) report('setup to COLO running (apply)', median(applyT), 'raw sequence', median(rawSetupT), 1.2);

  // what colo's secondary failover sends (4 and 6), in its order: the yank of the dead primary's
  // connections first (colo sends it; the raw sender did not before, so the baseline ran one command less)
  const failCmds = [
    { execute: 'yank', arguments: { instances: [{ type: 'chardev', id: 'red0' }, { type: 'chardev', id: 'red1' }, { type: 'migration' }] } },
    { execute: 'nbd-server-stop' },
    { execute: 'x-colo-lost-heartbeat' },
    { execute: 'object-del', arguments: { id: 'f2' } },
    { execute: 'object-del', arguments: { id: 'f1' } },
    { execute: 'chardev-remove', arguments: { id: 'red1' } },
    { execute: 'chardev-remove', arguments: { id: 'red0' } },
    { wait: 'query-colo-status', field: 'mode', equals: 'none' },
  ];
  if (want('failover')) {
    // 4. failover
    const failT = [];
    const rawFailT = [];
    for (let i = 0; i < pairRuns; i++) {
      for (const which of ['colo', 'raw']) {
        const p = pairSpec();
        p.launch();
        p.cli('apply', '-f', p.file, '--auto-approve');
        process.kill(p.pid('a'), 'SIGKILL');
        if (which === 'colo')
          failT.push(
            wall(coloBin, ['failover', '-f', p.file, '--survivor', 'b', '--no-color'], { env: { ...process.env, COLO_STATE_DIR: join(work, 'state') } }),
          );
        else rawFailT.push(wall(process.execPath, [raw, join(p.dir, 'b.qmp'), JSON.stringify(failCmds)]));
        killAll();
      }
    }
    report('colo failover', median(failT), 'raw QMP sender', median(rawFailT), 1.3);
  }
  // 6. failover with the tap switch, in a network namespace
  if (!want('serving')) {
    // BENCH_ONLY without serving
  } else if (process.getuid?.() === 0) {
    const ns = `colo-bench-${process.pid}`;
    const ip = (...a) => execFileSync('ip', ['netns', 'exec', ns, 'ip', ...a]);
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      ip('link', 'set', 'lo', 'up');
      ip('link', 'add', 'br0', 'type', 'bridge');
      ip('link', 'set', 'br0', 'up');
      const switchCmd = (failed, survivor) => [
        'ip',
        'netns',
        'exec',
        ns,
        'sh',
        '-c',
        `ip link set tap-${failed} nomaster; ip link set tap-${survivor} master br0`,
      ];
      const tapT = [];
      const rawTapT = [];
      for (let i = 0; i < pairRuns; i++) {
        for (const which of ['colo', 'raw']) {
          for (const t of ['tap-a', 'tap-b']) {
            ip('tuntap', 'add', t, 'mode', 'tap');
            ip('link', 'set', t, 'up');
          }
          ip('link', 'set', 'tap-a', 'master', 'br0');
          const p = pairSpec({
            netns: ns,
            netdev: '{id: hn0, type: tap, script: "no", downscript: "no", vnetHdr: false, model: virtio-net-pci, mac: "52:54:00:12:34:56", romfile: ""}',
            hooks: `  hooks:\n    afterFailover:\n      - {name: switch-tap, run: ${JSON.stringify(switchCmd('$COLO_FAILED', '$COLO_SURVIVOR'))}, timeoutMs: 5000}\n`,
          });
          p.launch();
          p.cli('apply', '-f', p.file, '--auto-approve');
          process.kill(p.pid('a'), 'SIGKILL');
          if (which === 'colo') {
            tapT.push(
              wall(coloBin, ['failover', '-f', p.file, '--survivor', 'b', '--no-color'], { env: { ...process.env, COLO_STATE_DIR: join(work, 'state') } }),
            );
          } else {
            const t = performance.now();
            execFileSync(process.execPath, [raw, join(p.dir, 'b.qmp'), JSON.stringify(failCmds)]);
            execFileSync(switchCmd('a', 'b')[0], switchCmd('a', 'b').slice(1));
            rawTapT.push(performance.now() - t);
          }
          killAll();
          for (const t of ['tap-a', 'tap-b']) ip('link', 'del', t);
        }
      }
      report('kill → survivor serving (tap)', median(tapT), 'raw QMP + ip', median(rawTapT), 1.3);
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  } else console.log('kill → survivor serving (tap)      skipped: needs root for a network namespace');

  if (want('resume')) {
    // 9. the guest's pause in a secondary resume of a 256 MB guest (STOP→RESUME on the survivor, as
    //    QEMU reports them to colo apply): the replication driver's order (paused from the end of the
    //    copy until COLO starts) against the plain NBD child (the guest runs on while RAM migrates)
    const q11 = '/var/tmp/colo-qemu111/qemu-system-x86_64';
    const which = existsSync(q11) && existsSync('/var/tmp/colo-qemu111/ready') ? { version: '11.1', binary: q11 } : { version: '7.2' };
    const pauseOf = (primaryChild) => {
      const p = pairSpec({ memory: '256M', primaryChild, ...which });
      p.launch();
      p.cli('apply', '-f', p.file, '--auto-approve');
      process.kill(p.pid('a'), 'SIGKILL');
      started.delete(p.pid('a'));
      p.cli('failover', '-f', p.file, '--survivor', 'b');
      p.cli('launch', '-f', p.file, '--node', 'a');
      started.add(p.pid('a'));
      const out = p.cli('apply', '-f', p.file, '--auto-approve');
      killAll();
      const m = /guest on b paused \d+ time\(s\), (\d+) ms in all/.exec(out);
      if (!m) throw new Error(`no pause reported:\n${out}`);
      return Number(m[1]);
    };
    const classic = [];
    const live = [];
    for (let i = 0; i < pairRuns; i++) {
      classic.push(pauseOf('replication'));
      live.push(pauseOf('nbd'));
    }
    report(`resume pause, 256 MB (QEMU ${which.version})`, median(live), 'replication order', median(classic));
  }
} finally {
  killAll();
}

// 7, 8. the fleet (its pairs on ports 47000–47399)
if (want('fleet')) await (await import('./bench-fleet.mjs')).benchFleet();

// 10. what TLS costs a checkpoint
if (want('tls')) await (await import('./bench-tls.mjs')).benchTls();

// 11. the guest's view of COLO
if (want('guest')) await (await import('./bench-guest.mjs')).benchGuest();

console.log(`bench end: ${uptime()}`);
