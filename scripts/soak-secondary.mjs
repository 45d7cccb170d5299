// Soak of COLO setups with writes: a fresh pair is launched and set up with the built CLI (bin/colo),
// then the primary's disk is written (HMP qemu-io, as the guest would) and, after each write, two
// checkpoints must pass with the secondary alive. Counts how often a secondary dies, and why (its
// QEMU log): QEMU 11.1's "First cluster in emptied image is in use" abort came at the first checkpoint
// after a write in 2 of about 10 setups. Every QEMU it starts is killed by PID; its files are removed.
// usage: node scripts/soak-secondary.mjs [--runs 20] [--writes 3] [--qemu 11.1|10.0|7.2]
//        [--accel tcg|kvm] [--delay 500] [--port 48800] [--write-at any|checkpoint|running|through]
//        [--guest DIR [--checkpoints 8]]
// --write-at: when each write is sent — any: whenever (as a test did); checkpoint: right after the
// primary's STOP event, i.e. inside a checkpoint (the VM is stopped, the monitor still runs); running:
// right after its RESUME event, while the guest runs between two checkpoints; through: 64 KiB writes
// at fresh offsets back to back from a STOP event until the checkpoint's RESUME (--writes checkpoints).
// --guest DIR (vmlinuz and initrd.gz of guest/build.sh): no monitor writes; the real guest boots once
// and its own writer (guest/init) writes records to its virtio-blk disk, O_DIRECT and fsync'd, four a
// second, through every checkpoint. `runs` setups of a new secondary follow one another on that guest:
// the first setup, then each time the secondary is killed, the primary fails over (colo failover) and
// a new secondary is launched and set up (colo apply: resync, then COLO). After each setup,
// --checkpoints checkpoints must pass with the secondary alive and the guest's writes going on
// (query-blockstats of the primary's disk).
// Run it under the heavy-QEMU lock (two QEMUs per run). Needs root (the chroots), npm run build.
// Measured on 11.1.3 under TCG, 2 cores, 500 ms checkpoints, a VM without a guest kernel: 20 of 20
// setups with 3 writes sent whenever, 8 of 8 with 6 bursts of 8 writes sent inside checkpoints
// (--write-at checkpoint --jitter 40 --burst 8), 20 of 20 with writes sent between checkpoints: no
// abort. The abort needs a request allocating in the secondary's hidden or active image while its
// checkpoint empties it (block/replication.c secondary_do_checkpoint → bdrv_make_empty → qcow2
// make_completely_empty, which polls with no drained section); both VMs are stopped and drained then,
// so only I/O from outside the guest (a monitor's write on the primary) can arrive in that window —
// the soaks above did not time one there, and the guest's own writes cannot (guest/README.md).
// With the guest (--guest, 11.1.3 under TCG, 2 cores, load 2.7–5): 24 of 24 setups of a new secondary
// (the first setup, then 23 failovers each followed by a resync and COLO), 10 checkpoints at 500 ms
// after each with the guest writing (14–16 writes of its disk per setup's checkpoints): no abort.
// And the cause shown: --write-at through (monitor writes back to back from a STOP to its RESUME,
// 8 checkpoints a setup, 230–300 writes inside them): the secondary aborted "First cluster in emptied
// image is in use" in 8 of 12 setups (twice after qcow2 "Marking image as corrupt").
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const lib = await import(join(ROOT, 'dist/bundle/index.mjs'));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const runs = Number(arg('runs', '20'));
const writes = Number(arg('writes', '3'));
const line = arg('qemu', '11.1');
const accel = arg('accel', 'tcg');
const delay = Number(arg('delay', '500'));
const port = Number(arg('port', '48800'));
const writeAt = arg('write-at', 'any');
/** with --write-at checkpoint: a random wait of up to this many ms after the STOP event (where in the checkpoint the write lands) */
const jitter = Number(arg('jitter', '0'));
/** writes sent back to back each time (64 KiB each at fresh offsets; 1: one 1 MiB write) */
const burst = Number(arg('burst', '1'));
/** the real guest's files (its writer writes the disk), or undefined: a VM without a guest kernel */
const guestDir = arg('guest', undefined);
const checkpointsPerSetup = Number(arg('checkpoints', '8'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const binary = line === '7.2' ? 'qemu-system-x86_64' : execFileSync('sh', [join(ROOT, 'scripts', 'qemu-chroot.sh'), line], { encoding: 'utf8' }).trim();

/**
 * The primary's monitor over the project's QMP client (dist/bundle): commands in order, each bounded,
 * events kept; `send` answers QEMU's reply shape ({return} or {error: {desc}}) and never throws.
 */
async function qmp(path) {
  const c = await lib.QmpClient.connect({ kind: 'unix', path }, { connectTimeoutMs: 10_000, commandTimeoutMs: 30_000 });
  return {
    send: (execute, args) =>
      c.execute(execute, args).then(
        (r) => ({ return: r }),
        (e) => ({ error: { desc: e.message } }),
      ),
    get events() {
      return c.events();
    },
    close: () => void c.close(),
  };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function spec(dir) {
  // with the guest: its kernel under DIR (the chroot sees /tmp), its disk as virtio-blk (/dev/vda), its NIC virtio
  const g = guestDir ? `, kernel: ${dir}/vmlinuz, initrd: ${dir}/initrd.gz, append: console=ttyS0` : '';
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: soak}
spec:
  qemu: {version: "${line}", binary: ${binary}, accel: ${accel}, memory: ${guestDir ? '128M' : '64M'}, smp: 1, cpu: qemu64${g}}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:${dir}/a.qmp, workdir: ${dir}/a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:${dir}/b.qmp, workdir: ${dir}/b}
  disks:
    - {id: colo-disk0, size: 64M${guestDir ? ', interface: virtio' : ''}}
  netdevs:
    - {id: hn0, type: user, model: ${guestDir ? 'virtio-net-pci' : 'rtl8139'}, romfile: ""}
  ports: {migration: ${port}, nbd: ${port + 1}, base: ${port + 10}}
  colo:
    checkpointDelayMs: ${delay}
`;
}

function colo(dir, ...args) {
  const r = spawnSync(join(ROOT, 'bin', 'colo'), args, {
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, COLO_STATE_DIR: join(dir, 'state'), NO_COLOR: '1' },
  });
  if (r.status !== 0)
    throw new Error(`colo ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stdout + r.stderr).trim().split('\n').slice(-3).join(' | ')}`);
}

const pidOf = (dir, n) => (existsSync(join(dir, n, 'qemu.pid')) ? Number(readFileSync(join(dir, n, 'qemu.pid'), 'utf8')) : 0);
const logOf = (dir, n) => (existsSync(join(dir, n, 'qemu.log')) ? readFileSync(join(dir, n, 'qemu.log'), 'utf8').trim() : '');

/** One setup and `writes` writes, each followed by two checkpoints: 'ok', or why not. */
async function once(i) {
  const dir = mkdtempSync(join(tmpdir(), 'colo-soak-'));
  const file = join(dir, 'pair.yaml');
  writeFileSync(file, spec(dir));
  const pids = [];
  let a;
  const t0 = Date.now();
  try {
    colo(dir, 'launch', '-f', file, '--node', 'a');
    pids.push(pidOf(dir, 'a'));
    colo(dir, 'launch', '-f', file, '--node', 'b');
    pids.push(pidOf(dir, 'b'));
    colo(dir, 'apply', '-f', file, '--auto-approve');
    a = await qmp(join(dir, 'a.qmp'));
    let checkpoints = 0;
    let slot = 0;
    let sent = 0;
    for (let w = 0; w < writes; w++) {
      if (writeAt === 'through') {
        // from a STOP on, 64 KiB writes at fresh offsets back to back until the checkpoint's RESUME:
        // some land while the secondary empties its images at the end of its checkpoint
        const stops = a.events.filter((e) => e.event === 'STOP').length;
        const until = Date.now() + 30_000;
        while (a.events.filter((e) => e.event === 'STOP').length === stops && Date.now() < until) await sleep(1);
        const resumes = a.events.filter((e) => e.event === 'RESUME').length;
        for (let k = 0; k < 500 && a.events.filter((e) => e.event === 'RESUME').length === resumes; k++, slot = (slot + 1) % 1024) {
          const r = await a.send('human-monitor-command', { 'command-line': `qemu-io colo-disk0 "write -P 0x${(0xa0 + w).toString(16)} ${slot * 64}k 64k"` });
          if (r.error || /error|fail|denied/i.test(String(r.return))) return { i, result: 'write failed', detail: JSON.stringify(r.error ?? r.return) };
          sent++;
        }
      } else if (writeAt !== 'any') {
        const event = writeAt === 'checkpoint' ? 'STOP' : 'RESUME';
        const seen = a.events.filter((e) => e.event === event).length;
        const until = Date.now() + 30_000;
        while (a.events.filter((e) => e.event === event).length === seen && Date.now() < until) await sleep(1);
        if (jitter) await sleep(Math.random() * jitter);
      }
      for (let k = 0; k < (writeAt === 'through' ? 0 : burst); k++) {
        const what = burst === 1 ? `${w}M 1M` : `${w * burst * 64 + k * 64}k 64k`;
        const r = await a.send('human-monitor-command', { 'command-line': `qemu-io colo-disk0 "write -P 0x${(0xa0 + w).toString(16)} ${what}"` });
        if (r.error || /error|fail|denied/i.test(String(r.return))) return { i, result: 'write failed', detail: JSON.stringify(r.error ?? r.return) };
      }
      const target = a.events.filter((e) => e.event === 'RESUME').length + 2;
      const deadline = Date.now() + 30_000;
      while (a.events.filter((e) => e.event === 'RESUME').length < target) {
        if (!alive(pids[1])) {
          const log = logOf(dir, 'b');
          return {
            i,
            result: /First cluster in emptied image is in use/.test(log) ? 'abort: first cluster in use' : 'secondary died',
            write: w,
            detail: log.split('\n').slice(-3).join(' | '),
          };
        }
        if (Date.now() > deadline) return { i, result: 'no checkpoint in 30 s', write: w, detail: logOf(dir, 'b').split('\n').slice(-2).join(' | ') };
        await sleep(20);
      }
      checkpoints += 2;
    }
    if (!alive(pids[1])) return { i, result: 'secondary died', detail: logOf(dir, 'b').split('\n').slice(-3).join(' | ') };
    const mode = (await a.send('query-colo-status')).return?.mode;
    return {
      i,
      result: mode === 'primary' ? 'ok' : `primary in mode ${mode}`,
      checkpoints,
      ...(writeAt === 'through' ? { writesInCheckpoints: sent } : {}),
      ms: Date.now() - t0,
    };
  } catch (e) {
    return { i, result: 'error', detail: e.message };
  } finally {
    a?.close();
    for (const pid of pids) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const pid of pids) for (let k = 0; k < 100 && pid && alive(pid); k++) await sleep(20);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The primary's guest disk writes so far (query-blockstats of colo-disk0). */
async function diskWrites(q) {
  const r = await q.send('query-blockstats');
  const d = (r.return ?? []).find((x) => x.device === 'colo-disk0' || x.qdev?.includes('colo-disk0'));
  return d?.stats?.wr_operations ?? -1;
}

/**
 * The real guest: one boot, `runs` setups of a new secondary on it, `checkpointsPerSetup` checkpoints
 * after each with the guest writing. Returns one result per setup.
 */
async function guestSoak() {
  const dir = mkdtempSync(join('/tmp', 'colo-soak-guest-'));
  const file = join(dir, 'pair.yaml');
  for (const f of ['vmlinuz', 'initrd.gz']) writeFileSync(join(dir, f), readFileSync(join(guestDir, f)));
  writeFileSync(file, spec(dir));
  const started = [];
  const results = [];
  let primary = 'a';
  let q;
  const t0 = Date.now();
  const secondaryOf = (p) => (p === 'a' ? 'b' : 'a');
  /** checkpoints with the secondary `s` alive and the guest writing: 'ok' or why not */
  const watch = async (i, s, n) => {
    const sPid = pidOf(dir, s);
    const w0 = await diskWrites(q);
    const target = q.events.filter((e) => e.event === 'RESUME').length + n;
    const deadline = Date.now() + 30_000 + n * (delay + 2000);
    while (q.events.filter((e) => e.event === 'RESUME').length < target) {
      if (!alive(sPid)) {
        const log = logOf(dir, s);
        return {
          i,
          result: /First cluster in emptied image is in use/.test(log) ? 'abort: first cluster in use' : 'secondary died',
          detail: log.split('\n').slice(-3).join(' | '),
        };
      }
      if (Date.now() > deadline) return { i, result: `no ${n} checkpoints in time`, detail: logOf(dir, s).split('\n').slice(-2).join(' | ') };
      await sleep(50);
    }
    const w1 = await diskWrites(q);
    if (!(w1 > w0)) return { i, result: 'the guest wrote nothing', detail: `wr_operations ${w0} → ${w1}` };
    const mode = (await q.send('query-colo-status')).return?.mode;
    return { i, result: mode === 'primary' ? 'ok' : `primary in mode ${mode}`, checkpoints: n, guestWrites: w1 - w0, ms: Date.now() - t0 };
  };
  try {
    colo(dir, 'launch', '-f', file, '--node', 'a');
    started.push(pidOf(dir, 'a'));
    colo(dir, 'launch', '-f', file, '--node', 'b');
    started.push(pidOf(dir, 'b'));
    colo(dir, 'apply', '-f', file, '--auto-approve');
    q = await qmp(join(dir, 'a.qmp'));
    // the guest boots under COLO: its writer starts once its init runs
    const until = Date.now() + 400_000;
    const serial = () => (existsSync(join(dir, 'a', 'serial.log')) ? readFileSync(join(dir, 'a', 'serial.log'), 'utf8') : '');
    while (!/guest-init: writer on \/dev\/vda/.test(serial())) {
      if (Date.now() > until) throw new Error(`the guest's writer did not start: ${serial().split('\n').slice(-3).join(' | ')}`);
      if (!alive(pidOf(dir, 'b'))) break;
      await sleep(500);
    }
    console.log(`guest writer running ${Date.now() - t0} ms after launch`);
    for (let i = 1; i <= runs; i++) {
      if (i > 1) {
        // kill the secondary (the first time: the primary, so both failover directions are exercised)
        const victim = i === 2 ? primary : secondaryOf(primary);
        const survivor = secondaryOf(victim);
        q?.close();
        q = undefined;
        process.kill(pidOf(dir, victim), 'SIGKILL');
        for (let k = 0; k < 100 && alive(pidOf(dir, victim)); k++) await sleep(20);
        colo(dir, 'failover', '-f', file, '--survivor', survivor);
        primary = survivor;
        colo(dir, 'launch', '-f', file, '--node', victim);
        started.push(pidOf(dir, victim));
        colo(dir, 'apply', '-f', file, '--auto-approve');
        // the monitor takes one client: connected only once colo is done with it
        q = await qmp(join(dir, `${primary}.qmp`));
      }
      const r = await watch(i, secondaryOf(primary), checkpointsPerSetup);
      results.push(r);
      console.log(JSON.stringify(r));
      if (r.result !== 'ok') break;
    }
  } catch (e) {
    results.push({ i: results.length + 1, result: 'error', detail: e.message });
    console.log(JSON.stringify(results.at(-1)));
  } finally {
    q?.close();
    for (const pid of started) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const pid of started) for (let k = 0; k < 100 && pid && alive(pid); k++) await sleep(20);
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

const counts = {};
if (guestDir) {
  console.log(
    `soak: the real guest writing its disk, ${runs} setups of a new secondary on QEMU ${line} (${accel}), ${checkpointsPerSetup} checkpoints after each (every ${delay} ms)`,
  );
  const results = await guestSoak();
  for (const r of results) counts[r.result] = (counts[r.result] ?? 0) + 1;
  const ok = counts.ok ?? 0;
  console.log(JSON.stringify({ summary: { runs, guest: true, ok, failed: runs - ok, counts, load: readFileSync('/proc/loadavg', 'utf8').trim() } }));
  process.exit(ok === runs ? 0 : 1);
}
console.log(`soak: ${runs} setups on QEMU ${line} (${accel}), ${writes} write(s) each (sent: ${writeAt}), 2 checkpoints after each (every ${delay} ms)`);
for (let i = 1; i <= runs; i++) {
  const r = await once(i);
  counts[r.result] = (counts[r.result] ?? 0) + 1;
  console.log(JSON.stringify(r));
}
const ok = counts.ok ?? 0;
console.log(JSON.stringify({ summary: { runs, writeAt, ok, failed: runs - ok, counts, load: readFileSync('/proc/loadavg', 'utf8').trim() } }));
process.exit(ok === runs ? 0 : 1);
