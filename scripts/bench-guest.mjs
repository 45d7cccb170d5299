// What COLO costs the guest, as the guest's clients and QEMU see it (run by `npm run bench`, or alone
// with `node scripts/bench-guest.mjs`; root, ports 48500–48699, a private network namespace):
//   - HTTP latency (median, p99) of the real test guest (guest/build.sh; COLO_GUEST_DIR) alone — one
//     QEMU, no COLO — and under COLO at checkpoint delays of 1, 2 and 6 s, from a client in the
//     namespace; each COLO figure as a ratio to the alone figure of the same run;
//   - the checkpoint's pause (STOP → RESUME on the primary, QEMU's timestamps) and what each checkpoint
//     transfers (what the primary's migration sockets carried from one RESUME to the next: the
//     kernel's bytes_acked, from `ss`; query-migrate has no RAM counters while COLO runs), mean and
//     p99: the real guest idle, and a guest that dirties 16 or 64 MiB in a loop (guest/dirty/dirty.S,
//     as scripts/bench-tls.mjs) in clear, with multifd (4 channels; colo's spec has no multifd
//     setting, so spec.qemu.extraArgs sets it on both command lines), and with every channel on TLS.
// QEMU 11.1 (sh scripts/qemu-chroot.sh 11.1) under TCG, or KVM where a bounded boot probe shows KVM
// boots the guest; 7.2 and 10.0 deadlock at the first checkpoint under TCG. Figures only: nothing is
// asserted. The machine's load is printed beside every figure.
// Env: BENCH_GUEST_SAMPLE_S (30), BENCH_GUEST_RATE (4 requests/s), BENCH_GUEST_BOOT_S (300),
//      BENCH_GUEST_KVM_PROBE_S (120), BENCH_GUEST_ONLY (comma list of: http, dirty)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const coloBin = join(root, 'bin/colo');
const sampleS = Number(process.env.BENCH_GUEST_SAMPLE_S ?? 30);
const rate = Number(process.env.BENCH_GUEST_RATE ?? 4);
const bootS = Number(process.env.BENCH_GUEST_BOOT_S ?? 300);
const kvmProbeS = Number(process.env.BENCH_GUEST_KVM_PROBE_S ?? 120);
const only = (process.env.BENCH_GUEST_ONLY ?? 'http,dirty').split(',');
const DELAYS = [1000, 2000, 6000];
// colo's spec has no multifd setting; QEMU takes it only before the incoming side starts (the
// secondary runs with -incoming URI), so both nodes get it on the command line through extraArgs
const MULTIFD = ['-global', 'migration.x-multifd=on', '-global', 'migration.multifd-channels=4'];
const PORTS = 48500;

const load = () => `load ${loadavg()[0].toFixed(2)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const pct = (xs, p) => (xs.length ? sorted(xs)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] : undefined);
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
const f1 = (x) => (x === undefined ? '-' : x.toFixed(1));
const mib = (b) => (b === undefined ? '-' : (b / 1048576).toFixed(2));

/** Where the guest runs: QEMU 11.1's chroot, and KVM only when it boots the guest in time. */
function qemu111() {
  if (process.getuid?.() !== 0) return { skip: 'needs root (network namespace, tap NICs, the QEMU chroot)' };
  const out = spawnSync('sh', [join(root, 'scripts/qemu-chroot.sh'), '11.1'], { encoding: 'utf8' });
  if (out.status !== 0) return { skip: `QEMU 11.1 chroot not available: ${out.stderr.trim().split('\n').at(-1)}` };
  return { binary: out.stdout.trim().split('\n').at(-1) };
}

export async function benchGuest(log = console.log) {
  const q = qemu111();
  if (q.skip) return log(`guest under COLO                   skipped: ${q.skip}`);
  const guestDir = process.env.COLO_GUEST_DIR ?? join(root, 'guest/out');
  const work = mkdtempSync('/tmp/colo-bench-guest-'); // under /tmp: the chroot sees only /tmp
  const ns = `colo-bg-${process.pid}`;
  const pids = new Set();
  const killAll = () => {
    for (const p of pids)
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    pids.clear();
  };
  const lib = await import(join(root, 'dist/bundle/index.mjs'));
  try {
    log(`guest bench: ${load()} at start (${new Date().toISOString()}), QEMU 11.1 wrapper ${q.binary}`);
    let accel = 'tcg';
    const haveGuest = existsSync(join(guestDir, 'vmlinuz')) && existsSync(join(guestDir, 'initrd.gz'));
    if (only.includes('http')) {
      if (!haveGuest) log(`guest HTTP latency                 skipped: no guest in ${guestDir} (guest/build.sh; COLO_GUEST_DIR)`);
      else {
        for (const f of ['vmlinuz', 'initrd.gz']) copyFileSync(join(guestDir, f), join(work, f));
        setupNetns(ns);
        accel = await kvmProbe(q.binary, work, ns, pids, log);
        await httpFigures({ lib, log, binary: q.binary, accel, work, ns, pids, killAll });
      }
    }
    if (only.includes('dirty')) await dirtyFigures({ lib, log, binary: q.binary, accel, work, pids, killAll });
    log(`guest bench: ${load()} at end (${new Date().toISOString()})`);
  } finally {
    killAll();
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(work, { recursive: true, force: true });
  }
}

function setupNetns(ns) {
  const ip = (...a) => execFileSync('ip', ['netns', 'exec', ns, 'ip', ...a]);
  execFileSync('ip', ['netns', 'add', ns]);
  ip('link', 'set', 'lo', 'up');
  ip('link', 'add', 'br0', 'type', 'bridge');
  ip('addr', 'add', '192.0.2.1/24', 'dev', 'br0');
  ip('link', 'set', 'br0', 'up');
}

function taps(ns, make) {
  const ip = (...a) => spawnSync('ip', ['netns', 'exec', ns, 'ip', ...a]);
  for (const t of ['tap-a', 'tap-b']) ip('link', 'del', t);
  if (!make) return;
  for (const t of ['tap-a', 'tap-b']) {
    ip('tuntap', 'add', t, 'mode', 'tap');
    ip('link', 'set', t, 'up');
  }
  ip('link', 'set', 'tap-a', 'master', 'br0');
}

/** One QEMU with the guest on tap-a: the same machine as a COLO node, without COLO. */
function startAlone(binary, accel, work, ns, pids, name = 'alone') {
  taps(ns, true);
  const pidfile = join(work, `${name}.pid`);
  rmSync(pidfile, { force: true });
  const cpu = accel === 'kvm' ? 'qemu64,-cx16,-popcnt' : 'qemu64';
  const append = accel === 'kvm' ? 'console=ttyS0 noxsave clearcpuid=151,288,295,308,514,515,528,534,590' : 'console=ttyS0';
  execFileSync('ip', [
    'netns', 'exec', ns, binary,
    '-accel', accel, '-cpu', cpu, '-m', '128', '-smp', '1', '-display', 'none', '-nodefaults', '-name', name,
    '-kernel', join(work, 'vmlinuz'), '-initrd', join(work, 'initrd.gz'), '-append', append,
    '-serial', `file:${join(work, `${name}.console`)}`,
    '-netdev', 'tap,id=hn0,ifname=tap-a,script=no,downscript=no,vhost=off,vnet_hdr=off',
    '-device', 'virtio-net-pci,id=e0,netdev=hn0,mac=52:54:00:12:34:56,romfile=',
    '-daemonize', '-pidfile', pidfile,
  ]); // prettier-ignore
  const pid = Number(readFileSync(pidfile, 'utf8'));
  pids.add(pid);
  return pid;
}

/** Waits until the guest answers HTTP (bounded); resolves to the seconds it took, or undefined. */
function waitReady(ns, seconds) {
  const t = performance.now();
  const r = spawnSync(
    'ip',
    ['netns', 'exec', ns, process.execPath, join(root, 'scripts/guest-client.mjs'), '--wait-ready', String(seconds), '--timeout', '3000'],
    {
      encoding: 'utf8',
      timeout: (seconds + 30) * 1000,
    },
  );
  return r.status === 0 ? (performance.now() - t) / 1000 : undefined;
}

/** KVM only where it boots the guest within the probe's bound (it may exist and be far too slow). */
async function kvmProbe(binary, work, ns, pids, log) {
  if (spawnSync('test', ['-w', '/dev/kvm']).status !== 0) {
    log(`${'accelerator'.padEnd(34)} TCG (no /dev/kvm here)`);
    return 'tcg';
  }
  const pid = startAlone(binary, 'kvm', work, ns, pids, 'kvm-probe');
  const s = waitReady(ns, kvmProbeS);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
  pids.delete(pid);
  log(
    `${'accelerator'.padEnd(34)} ${s === undefined ? `TCG (KVM did not boot the guest within ${kvmProbeS} s)` : `KVM (booted the guest in ${s.toFixed(0)} s)`}`,
  );
  return s === undefined ? 'tcg' : 'kvm';
}

/** HTTP requests at `rate`/s for `seconds` from inside the namespace: each request's latency. */
function httpSample(ns, seconds) {
  return new Promise((resolve) => {
    const proc = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        process.execPath,
        join(root, 'scripts/guest-client.mjs'),
        '--duration',
        String(seconds),
        '--rate',
        String(rate),
        '--timeout',
        '5000',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let buf = '';
    const ok = [];
    let failed = 0;
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (line.http === 'ok') ok.push(line.ms);
        else if (line.http === 'failed') failed++;
      }
    });
    const killer = setTimeout(() => proc.kill('SIGKILL'), (seconds + 30) * 1000);
    proc.on('close', () => {
      clearTimeout(killer);
      resolve({ ok, failed, median: pct(ok, 50), p99: pct(ok, 99), load: loadavg()[0] });
    });
  });
}

/**
 * What the primary has sent on its migration connections (one, or one per multifd channel): the
 * kernel's bytes_acked of every established socket to the migration port, as `ss` reports it.
 * QEMU's query-migrate gives no RAM counters while COLO runs.
 */
function wireBytes(port, ns) {
  const args = ['-tinH', 'state', 'established', `( dport = :${port} )`];
  const r = ns ? spawnSync('ip', ['netns', 'exec', ns, 'ss', ...args], { encoding: 'utf8' }) : spawnSync('ss', args, { encoding: 'utf8' });
  let sum;
  for (const m of (r.stdout ?? '').matchAll(/bytes_acked:(\d+)/g)) sum = (sum ?? 0) + Number(m[1]);
  return sum;
}

/**
 * Watches the primary's checkpoints for `ms`: each STOP → RESUME pause (QEMU's clock), and after each
 * RESUME what the migration connections carried since the previous one.
 */
async function sampleCheckpoints(lib, qmpPath, ms, bytesNow) {
  const c = await lib.QmpClient.connect({ kind: 'unix', path: qmpPath }, { connectTimeoutMs: 5000, commandTimeoutMs: 10000 });
  try {
    let seen = c.events().length;
    let last = bytesNow();
    const bytes = [];
    const pauses = [];
    let stopped;
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await sleep(20);
      const ev = c.events();
      for (; seen < ev.length; seen++) {
        const e = ev[seen];
        const t = e.timestamp.seconds * 1000 + e.timestamp.microseconds / 1000;
        if (e.event === 'STOP') stopped ??= t;
        else if (e.event === 'RESUME' && stopped !== undefined) {
          pauses.push(t - stopped);
          stopped = undefined;
          const now = bytesNow();
          if (now !== undefined && last !== undefined) bytes.push(now - last);
          last = now;
        }
      }
    }
    return { pauses, bytes, load: loadavg()[0] };
  } finally {
    await c.close();
  }
}

function cliFor(work, file) {
  const env = { ...process.env, COLO_STATE_DIR: join(work, 'state') };
  return (...args) => {
    const out = spawnSync(coloBin, [...args, '--no-color'], { encoding: 'utf8', env, timeout: 300_000 });
    if (out.status !== 0) throw new Error(`colo ${args.join(' ')}: ${out.stdout}${out.stderr}`);
    return out.stdout;
  };
}

function launchPair(cli, file, dir, pids) {
  for (const node of ['a', 'b']) {
    cli('launch', '-f', file, '--node', node);
    pids.add(Number(readFileSync(join(dir, node, 'qemu.pid'), 'utf8')));
  }
}

const cpFor = (accel) =>
  accel === 'kvm'
    ? { cpu: 'qemu64,-cx16,-popcnt', append: 'console=ttyS0 noxsave clearcpuid=151,288,295,308,514,515,528,534,590' }
    : { cpu: 'qemu64', append: 'console=ttyS0' };

async function httpFigures({ lib, log, binary, accel, work, ns, pids, killAll }) {
  // alone
  startAlone(binary, accel, work, ns, pids);
  const boot = waitReady(ns, bootS);
  if (boot === undefined) {
    killAll();
    return log(`guest HTTP latency                 skipped: the guest alone did not answer within ${bootS} s (${load()})`);
  }
  await sleep(2000);
  const alone = await httpSample(ns, sampleS);
  killAll();
  log(
    `${'guest HTTP alone (one QEMU)'.padEnd(34)} median ${f1(alone.median)} ms, p99 ${f1(alone.p99)} ms   (${alone.ok.length} answers, ${alone.failed} failed; booted in ${boot.toFixed(0)} s; load ${alone.load.toFixed(2)})`,
  );

  // the pair, on tap NICs; the checkpoint delay changed live between samples
  const dir = join(work, 'pair');
  const file = `${dir}.yaml`;
  const { cpu, append } = cpFor(accel);
  writeFileSync(
    file,
    `apiVersion: colo/v1
kind: ColoPair
metadata: {name: benchguest}
spec:
  qemu: {version: "11.1", binary: ${binary}, accel: ${accel}, memory: 128M, smp: 1, cpu: "${cpu}", kernel: ${join(work, 'vmlinuz')}, initrd: ${join(work, 'initrd.gz')}, append: "${append}"}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:${dir}/a.qmp, workdir: ${dir}/a, netns: ${ns}, netdevs: {hn0: {ifname: tap-a}}}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:${dir}/b.qmp, workdir: ${dir}/b, netns: ${ns}, netdevs: {hn0: {ifname: tap-b}}}
  disks: [{id: colo-disk0, size: 64M}]
  netdevs:
    - {id: hn0, type: tap, script: "no", downscript: "no", vhost: false, vnetHdr: false, model: virtio-net-pci, mac: "52:54:00:12:34:56", romfile: ""}
  ports: {migration: ${PORTS}, nbd: ${PORTS + 1}, base: ${PORTS + 10}}
  colo: {checkpointDelayMs: 6000}
`,
  );
  taps(ns, true);
  const cli = cliFor(work, file);
  launchPair(cli, file, dir, pids);
  cli('apply', '-f', file, '--auto-approve');
  const colBoot = waitReady(ns, bootS);
  if (colBoot === undefined) {
    killAll();
    return log(`guest HTTP under COLO              skipped: the guest under COLO did not answer within ${bootS} s (${load()})`);
  }
  const qmpA = join(dir, 'a.qmp');
  const setDelay = async (ms) => {
    const c = await lib.QmpClient.connect({ kind: 'unix', path: qmpA }, { connectTimeoutMs: 5000 });
    try {
      await c.execute('migrate-set-parameters', { 'x-checkpoint-delay': ms });
    } finally {
      await c.close();
    }
  };
  // idle: no client, checkpoints every second
  await setDelay(1000);
  await sleep(2000);
  const wire = () => wireBytes(PORTS, ns);
  const idle = await sampleCheckpoints(lib, qmpA, Math.min(sampleS, 20) * 1000, wire);
  log(cpLine('checkpoint, real guest idle, 1 s', idle));
  for (const d of DELAYS) {
    await setDelay(d);
    await sleep(Math.max(2000, d));
    const [h, cp] = await Promise.all([httpSample(ns, sampleS), sampleCheckpoints(lib, qmpA, sampleS * 1000, wire)]);
    log(
      `${`guest HTTP under COLO, ${d / 1000} s`.padEnd(34)} median ${f1(h.median)} ms (alone ${f1(alone.median)}: ratio ${f1r(h.median, alone.median)}), p99 ${f1(h.p99)} ms (alone ${f1(alone.p99)}: ratio ${f1r(h.p99, alone.p99)})   (${h.ok.length} answers, ${h.failed} failed; ${cp.pauses.length} checkpoints, pause median ${f1(pct(cp.pauses, 50))} ms; load ${h.load.toFixed(2)})`,
    );
  }
  killAll();
}

const f1r = (a, b) => (a === undefined || !b ? '-' : (a / b).toFixed(2));

function cpLine(name, s, base) {
  const m = mean(s.pauses);
  const ratio = base && m !== undefined ? `; ${(m / mean(base.pauses)).toFixed(2)}× the idle pause` : '';
  return `${name.padEnd(34)} pause mean ${f1(m)} ms, p99 ${f1(pct(s.pauses, 99))} ms; transfer mean ${mib(mean(s.bytes))} MiB, p99 ${mib(pct(s.bytes, 99))} MiB   (${s.pauses.length} checkpoints${ratio}; load ${s.load.toFixed(2)})`;
}

async function dirtyFigures({ lib, log, binary, accel, work, pids, killAll }) {
  const images = {};
  for (const mb of [16, 64]) {
    const obj = join(work, `dirty${mb}.o`);
    const bin = join(work, `dirty${mb}.bin`);
    const rawImg = join(work, `dirty${mb}.raw`);
    execFileSync('gcc', ['-m32', '-c', `-DDIRTY_MB=${mb}`, '-o', obj, join(root, 'guest/dirty/dirty.S')]);
    execFileSync('ld', ['-m', 'elf_i386', '-Ttext', '0x7c00', '--oformat', 'binary', '-e', '_start', '-o', bin, obj]);
    const disk = Buffer.alloc(64 * 1024 * 1024);
    readFileSync(bin).copy(disk, 0);
    writeFileSync(rawImg, disk);
    images[mb] = join(work, `dirty${mb}.qcow2`);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', rawImg, images[mb]]);
    rmSync(rawImg);
  }
  execFileSync('sh', [join(root, 'scripts/mkpki.sh'), join(work, 'pki'), 'a=127.0.0.1', 'b=127.0.0.1'], { stdio: 'pipe' });
  const results = {};
  let n = 0;
  for (const mode of ['plain', 'multifd', 'tls']) {
    for (const mb of [16, 64]) {
      const dir = join(work, `d${n}`);
      const base = PORTS + 100 + n++ * 15;
      for (const node of ['a', 'b']) {
        mkdirSync(join(dir, node), { recursive: true });
        copyFileSync(images[mb], join(dir, node, 'colo-disk0.qcow2'));
      }
      const file = `${dir}.yaml`;
      writeFileSync(
        file,
        `apiVersion: colo/v1
kind: ColoPair
metadata: {name: benchdirty${n}}
spec:
  qemu: {version: "11.1", accel: ${accel}, memory: 128M, cpu: qemu64, binary: ${binary}${mode === 'multifd' ? `, extraArgs: [${MULTIFD.map((a) => JSON.stringify(a)).join(', ')}]` : ''}}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:${dir}/a.qmp, workdir: ${dir}/a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:${dir}/b.qmp, workdir: ${dir}/b}
  disks: [{id: colo-disk0, size: 64M}]
  netdevs: [{id: hn0, type: user, romfile: ""}]
  ports: {migration: ${base}, nbd: ${base + 1}, base: ${base + 10}}
  colo: {checkpointDelayMs: 1000}
${mode === 'tls' ? `  tls:\n    nodes:\n      a: {dir: ${join(work, 'pki', 'a')}}\n      b: {dir: ${join(work, 'pki', 'b')}}\n` : ''}`,
      );
      const cli = cliFor(work, file);
      try {
        launchPair(cli, file, dir, pids);
        cli('apply', '-f', file, '--auto-approve');
        await sleep(3000);
        const s = await sampleCheckpoints(lib, join(dir, 'a.qmp'), Math.min(sampleS, 20) * 1000, () => wireBytes(base));
        results[`${mode}${mb}`] = s;
        log(cpLine(`checkpoint, ${mb} MiB dirtied, ${mode}`, s));
      } catch (e) {
        log(`${`checkpoint, ${mb} MiB dirtied, ${mode}`.padEnd(34)} failed: ${String(e.message).split('\n').slice(0, 3).join(' / ')}`);
      } finally {
        killAll();
      }
    }
  }
  for (const mode of ['multifd', 'tls'])
    for (const mb of [16, 64]) {
      const a = results[`${mode}${mb}`];
      const b = results[`plain${mb}`];
      if (a?.pauses.length && b?.pauses.length)
        log(
          `${`checkpoint pause, ${mode} / plain, ${mb} MiB`.padEnd(34)} mean ${f1(mean(a.pauses))} / ${f1(mean(b.pauses))} ms: ratio ${(mean(a.pauses) / mean(b.pauses)).toFixed(2)}; p99 ratio ${(pct(a.pauses, 99) / pct(b.pauses, 99)).toFixed(2)}`,
        );
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchGuest();
