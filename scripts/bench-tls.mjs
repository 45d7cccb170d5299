// What X.509 TLS costs a checkpoint: the primary's pause (STOP → RESUME, QEMU's timestamps) with
// every COLO channel in clear and with every channel on TLS, for a guest that dirties memory: the
// boot sector of guest/dirty/dirty.S writes to every page of 64 MiB in a loop, so each checkpoint
// carries what it dirtied since the last one. Checkpoints need KVM, or QEMU 11.1 (its COLO
// checkpoints under TCG; 7.2 and 10.0 deadlock there): under TCG the guest dirties memory at TCG's
// speed, and the figure says so. Plain and TLS runs alternate; the figure is the ratio of medians.
// usage: node scripts/bench-tls.mjs   (BENCH_TLS_RUNS=3, BENCH_TLS_SAMPLE_MS=20000)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const coloBin = join(root, 'bin/colo');
const runs = Number(process.env.BENCH_TLS_RUNS ?? 3);
const sampleMs = Number(process.env.BENCH_TLS_SAMPLE_MS ?? 20000);

function target() {
  const kvm = (() => {
    try {
      execFileSync('test', ['-w', '/dev/kvm']);
      return true;
    } catch {
      return false;
    }
  })();
  if (kvm) return { version: '7.2', binary: 'qemu-system-x86_64', accel: 'kvm' };
  const chroot = `${process.env.COLO_QEMU_CHROOT_BASE ?? '/var/tmp'}/colo-qemu111`;
  if (existsSync(`${chroot}/ready`) && process.getuid?.() === 0) return { version: '11.1', binary: `${chroot}/qemu-system-x86_64`, accel: 'tcg' };
  return undefined;
}

export async function benchTls(log = console.log) {
  const t = target();
  if (!t) {
    log('checkpoint pause, TLS / plain       skipped: needs /dev/kvm, or the QEMU 11.1 chroot (sh scripts/qemu-chroot.sh 11.1) and root');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'colo-bench-tls-'));
  const started = new Set();
  const killAll = () => {
    for (const p of started)
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    started.clear();
  };
  try {
    // the guest: a 64 MiB disk whose boot sector dirties 64 MiB of RAM, over and over
    const obj = join(work, 'dirty.o');
    const bin = join(work, 'dirty.bin');
    const rawImg = join(work, 'dirty.raw');
    const image = join(work, 'dirty.qcow2');
    execFileSync('gcc', ['-m32', '-c', '-DDIRTY_MB=64', '-o', obj, join(root, 'guest/dirty/dirty.S')]);
    execFileSync('ld', ['-m', 'elf_i386', '-Ttext', '0x7c00', '--oformat', 'binary', '-e', '_start', '-o', bin, obj]);
    const boot = readFileSync(bin);
    const disk = Buffer.alloc(64 * 1024 * 1024);
    boot.copy(disk, 0);
    writeFileSync(rawImg, disk);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', rawImg, image]);
    execFileSync('sh', [join(root, 'scripts/mkpki.sh'), join(work, 'pki'), 'a=127.0.0.1', 'b=127.0.0.1'], { stdio: 'pipe' });

    const pauses = { plain: [], tls: [] };
    const failovers = { plain: [], tls: [] };
    const counts = { plain: [], tls: [] };
    let n = 0;
    for (let r = 0; r < runs; r++) {
      for (const mode of ['plain', 'tls']) {
        const dir = join(work, `p${n}`);
        const base = 46000 + (n++ % 20) * 50;
        for (const node of ['a', 'b']) {
          mkdirSync(join(dir, node), { recursive: true });
          execFileSync('cp', [image, join(dir, node, 'colo-disk0.qcow2')]);
        }
        const file = `${dir}.yaml`;
        writeFileSync(
          file,
          `apiVersion: colo/v1
kind: ColoPair
metadata: {name: benchtls${n}}
spec:
  qemu: {version: "${t.version}", accel: ${t.accel}, memory: 128M, cpu: qemu64, binary: ${t.binary}}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:${dir}/a.qmp, workdir: ${dir}/a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:${dir}/b.qmp, workdir: ${dir}/b}
  disks: [{id: colo-disk0, size: 64M}]
  netdevs: [{id: hn0, type: user, romfile: ""}]
  ports: {migration: ${base}, nbd: ${base + 1}, base: ${base + 10}}
  colo: {checkpointDelayMs: 1000}
${mode === 'tls' ? `  tls:\n    nodes:\n      a: {dir: ${join(work, 'pki', 'a')}}\n      b: {dir: ${join(work, 'pki', 'b')}}\n` : ''}`,
        );
        const env = { ...process.env, COLO_STATE_DIR: join(work, 'state') };
        const cli = (...args) => {
          const out = spawnSync(coloBin, [...args, '--no-color'], { encoding: 'utf8', env });
          if (out.status !== 0) throw new Error(`colo ${args.join(' ')}: ${out.stdout}${out.stderr}`);
          return out.stdout;
        };
        try {
          for (const node of ['a', 'b']) {
            cli('launch', '-f', file, '--node', node);
            started.add(Number(readFileSync(join(dir, node, 'qemu.pid'), 'utf8')));
          }
          cli('apply', '-f', file, '--auto-approve');
          const status = JSON.parse(cli('status', '-f', file, '--format', 'json', '--sample', String(sampleMs)));
          const c = status.checkpoints ?? {};
          counts[mode].push(c.count ?? 0);
          if (c.pauseMedianMs !== undefined) pauses[mode].push(c.pauseMedianMs);
          // then the primary dies: `colo failover` on the survivor, wall time of the whole command
          process.kill(Number(readFileSync(join(dir, 'a', 'qemu.pid'), 'utf8')), 'SIGKILL');
          const t0 = performance.now();
          cli('failover', '-f', file, '--survivor', 'b');
          failovers[mode].push(performance.now() - t0);
          log(
            `  ${mode.padEnd(5)} run ${r + 1}: ${c.count ?? 0} checkpoints in ${sampleMs / 1000} s, pause median ${c.pauseMedianMs ?? '-'} ms, max ${c.pauseMaxMs ?? '-'} ms; colo failover ${failovers[mode].at(-1).toFixed(0)} ms`,
          );
        } finally {
          killAll();
        }
      }
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const p = median(pauses.plain);
    const s = median(pauses.tls);
    const where = t.accel === 'kvm' ? `QEMU ${t.version} under KVM` : `QEMU ${t.version} under TCG (no /dev/kvm: the guest dirties memory at TCG's speed)`;
    if (p === undefined || s === undefined) log(`checkpoint pause, TLS / plain       no checkpoints measured (${where})`);
    else
      log(
        `${'checkpoint pause, TLS / plain'.padEnd(34)} ${`${s.toFixed(1)} ms`.padStart(10)}   plain ${p.toFixed(1)} ms   ratio ${(s / p).toFixed(2)}   (${where}; 64 MiB dirtied in a loop; checkpoints ${median(counts.tls)} vs ${median(counts.plain)} per ${sampleMs / 1000} s)`,
      );
    const f = median(failovers.plain);
    const g = median(failovers.tls);
    if (f !== undefined && g !== undefined)
      log(
        `${'colo failover, TLS / plain'.padEnd(34)} ${`${g.toFixed(1)} ms`.padStart(10)}   plain ${f.toFixed(1)} ms   ratio ${(g / f).toFixed(2)}   (the same guest, right after the sample)`,
      );
  } finally {
    killAll();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchTls();
