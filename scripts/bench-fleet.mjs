// The fleet figures of `npm run bench` (scripts/bench.mjs runs this last; `node scripts/bench-fleet.mjs`
// runs it alone after `npm run build`). Each is a ratio against a baseline measured in the same run:
//   7. `colo status -f DIR` of 20 live local pairs (wall)  vs  20 × `colo status -f ONE` (wall)
//   8. `colo plan --offline -f DIR` and `colo validate -f DIR` of 1000 pair files (worker threads from 4 cores)
//      vs  one node process YAML-parsing the same files (goal <= 1.2 and < 1 s); the plan with workers forced beside it
// Pairs run under TCG with checkpoints off, on loopback ports 47000–47399 (20 per pair).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const coloBin = join(root, 'bin/colo');
const runs = Number(process.env.BENCH_FLEET_RUNS ?? 5);
const PAIRS = 20;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(1)} ms`;
function wall(args, env = {}, okCodes = [0]) {
  const t = performance.now();
  const r = spawnSync(coloBin, [...args, '--no-color'], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 << 20 });
  const dt = performance.now() - t;
  if (!okCodes.includes(r.status)) throw new Error(`colo ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout.slice(-2000)}`);
  return dt;
}
function report(name, value, baselineName, baseline, goal) {
  const ratio = value / baseline;
  const verdict = goal === undefined ? '' : ratio <= goal ? `  (goal <= ${goal}: met)` : `  (goal <= ${goal}: NOT met)`;
  console.log(
    `${name.padEnd(34)} ${ms(value).padStart(10)}   ${baselineName} ${ms(baseline)}   ratio ${ratio.toFixed(2)}${verdict}   (load ${loadavg()[0].toFixed(2)})`,
  );
}

function pairYaml(dir, i, base) {
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: fleet${String(i).padStart(2, '0')}}
spec:
  qemu: {version: "7.2", accel: tcg, memory: 64M, cpu: qemu64}
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:${dir}/a.qmp, workdir: ${dir}/a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:${dir}/b.qmp, workdir: ${dir}/b}
  disks: [{id: colo-disk0, size: 16M}]
  netdevs: [{id: hn0, type: user, romfile: ""}]
  ports: {migration: ${base}, nbd: ${base + 1}, base: ${base + 5}}
  colo: {checkpointDelayMs: 3600000}
`;
}

export async function benchFleet() {
  const work = mkdtempSync(join(tmpdir(), 'colo-bench-fleet-'));
  const env = { COLO_STATE_DIR: join(work, 'state') };
  const pids = [];
  const killAll = () => {
    for (const p of pids.splice(0)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
  };
  process.on('exit', killAll);
  try {
    const only = process.env.BENCH_FLEET; // status | plan: one of the two
    // 7. live status of 20 pairs
    if (only !== 'plan') {
      const fleet = join(work, 'pairs');
      mkdirSync(fleet);
      const files = [];
      for (let i = 0; i < PAIRS; i++) {
        const dir = join(work, `p${i}`);
        const file = join(fleet, `p${String(i).padStart(2, '0')}.yaml`);
        writeFileSync(file, pairYaml(dir, i, 47000 + i * 20));
        files.push(file);
        for (const n of ['a', 'b']) {
          execFileSync(coloBin, ['launch', '-f', file, '--node', n, '--no-color'], { env: { ...process.env, ...env } });
          pids.push(Number(readFileSync(join(dir, n, 'qemu.pid'), 'utf8')));
        }
      }
      const applyMs = wall(['apply', '-f', fleet, '--auto-approve'], env);
      console.log(
        `${'apply 20 pairs (colo apply -f DIR)'.padEnd(34)} ${ms(applyMs).padStart(10)}   (setup of all 20, --parallel 8: 4 pairs at a time; load ${loadavg()[0].toFixed(2)})`,
      );
      const one = [];
      const all = [];
      const all40 = [];
      for (let k = 0; k < runs; k++) {
        one.push(wall(['status', '-f', files[k % PAIRS]], env));
        all.push(wall(['status', '-f', fleet], env));
        all40.push(wall(['status', '-f', fleet, '--parallel', '40'], env));
      }
      report('status of 20 pairs (--parallel 8)', median(all), '20 × one pair', PAIRS * median(one));
      report('status of 20 pairs (--parallel 40)', median(all40), '20 × one pair', PAIRS * median(one));
      killAll();
    }

    // 8. offline plan of 1000 pair files
    if (only === 'status') return;
    const many = join(work, 'many');
    mkdirSync(many);
    for (let i = 0; i < 1000; i++) {
      writeFileSync(
        join(many, `p${String(i).padStart(4, '0')}.yaml`),
        pairYaml(join(work, `m${i}`), i, 10000 + i * 20).replace(/name: fleet\d+/, `name: many${i}`),
      );
    }
    const parseOnly = `const fs=require('fs');const {parse}=require(${JSON.stringify(join(root, 'node_modules/yaml'))});const d=${JSON.stringify(many)};for(const f of fs.readdirSync(d).sort())parse(fs.readFileSync(d+'/'+f,'utf8'));`;
    const plan = [];
    const planSeq = []; // with worker threads forced (COLO_READ_WORKERS)
    const validate = [];
    const parse = [];
    for (let k = 0; k < runs; k++) {
      plan.push(wall(['plan', '--offline', '-f', many, '--format', 'json'], env, [0]));
      planSeq.push(wall(['plan', '--offline', '-f', many, '--format', 'json'], { ...env, COLO_READ_WORKERS: String(availableParallelism() - 1 || 1) }, [0]));
      validate.push(wall(['validate', '-f', many, '--format', 'json'], env, [0]));
      const t = performance.now();
      execFileSync(process.execPath, ['-e', parseOnly]);
      parse.push(performance.now() - t);
    }
    report('plan --offline of 1000 pair files', median(plan), 'node: YAML parse only', median(parse), 1.2);
    report(`  the same, ${availableParallelism() - 1 || 1} worker(s) forced`, median(planSeq), 'node: YAML parse only', median(parse));
    report('validate of 1000 pair files', median(validate), 'node: YAML parse only', median(parse), 1.2);
    console.log(
      `${''.padEnd(34)} ${median(plan) < 1000 ? 'under 1 s: met' : 'over 1 s: NOT met'} (read, validate, cross-file checks, plan and JSON of 1000 pairs; ${availableParallelism()} cores: ${availableParallelism() >= 4 ? 'read in worker threads' : 'read in one thread, workers do not pay on fewer than 4 cores'})`,
    );
  } finally {
    killAll();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchFleet();
