// npm run demo -- --guest: a real guest (HTTP + a TCP counter stream) under COLO, its primary
// killed with SIGKILL under load, `colo failover`, and a client that notices nothing — as a
// timeline. Under KVM where KVM boots the guest quickly (a boot probe decides, not /dev/kvm), else
// under QEMU 11.1 with TCG (sh scripts/qemu-chroot.sh 11.1 makes it). Everything runs inside a
// private network namespace (192.0.2.0/24).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../src/cli/cli.js';
import { QmpClient } from '../src/qmp/client.js';
import { chooseGuestTarget, chooseRate, ensureGuest, guestPairYaml, stageGuest, startClient } from '../test/support/guest.js';
import { createTestNet } from '../test/support/netns.js';

const t0 = Date.now();
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s: string) => console.log(`${bold(`[+${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s]`)} ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = process.env.COLO_DEMO_DIR ?? '/tmp/colo-guest-demo';
const ns = 'colo-guest-demo';
rmSync(dir, { recursive: true, force: true });
mkdirSync(join(dir, 'state'), { recursive: true });
say('building (or reusing) the test guest: tiny kernel + busybox from Debian packages');
const built = ensureGuest();
// QEMU 11.1 in its chroot, made if missing (the chroot sees /tmp: the guest's files are copied there)
if (process.env.COLO_GUEST_ACCEL !== 'kvm') execFileSync('sh', ['scripts/qemu-chroot.sh', '11.1'], { stdio: ['ignore', 'ignore', 'inherit'] });
say('where the guest runs: KVM only if it boots the guest quickly (a boot probe), else QEMU 11.1 under TCG');
const target = await chooseGuestTarget(built);
if ('missing' in target) {
  console.error(`the guest demo cannot run here: ${target.missing}`);
  process.exit(1);
}
say(`QEMU ${target.line} (${target.accel}): ${target.why}`);
const { kernel, initrd } = stageGuest(built, join(dir, 'guest'));
const net = createTestNet(ns, ['tap-a', 'tap-b']);
say(`network namespace ${ns}: br0 192.0.2.1/24, tap-a on the bridge, tap-b off it until a failover`);
const file = join(dir, 'pair.yaml');
writeFileSync(file, guestPairYaml({ name: 'guest-demo', dir, ns, portBase: 46000, kernel, initrd, target }));
const pids: number[] = [];

async function colo(...args: string[]): Promise<number> {
  const code = await run(args, {
    stdout: { write: (s: string) => process.stdout.write(s.replace(/^(?=.)/gm, '    ')) },
    stderr: { write: (s: string) => process.stderr.write(s) },
    stdin: process.stdin,
    env: { ...process.env, COLO_STATE_DIR: join(dir, 'state'), NO_COLOR: '1' },
    cwd: dir,
  });
  for (const n of ['a', 'b']) {
    try {
      const pid = Number(readFileSync(join(dir, n, 'qemu.pid'), 'utf8'));
      if (pid && !pids.includes(pid)) pids.push(pid);
    } catch {
      /* not launched */
    }
  }
  if (code !== 0) throw new Error(`colo ${args.join(' ')} exited ${code}`);
  return code;
}

function cleanup() {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  net.remove();
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

try {
  say('colo launch a (primary) and b (secondary), inside the namespace');
  await colo('launch', '-f', file, '--node', 'a');
  await colo('launch', '-f', file, '--node', 'b');
  say('colo apply: NBD on b, replication on a, checkpoints every 2 s, migrate');
  await colo('apply', '-f', file, '--auto-approve');
  say('the guest boots under COLO (1–2 minutes under TCG or nested KVM); its console:');
  const ready = startClient(ns, ['--wait-ready', '420']);
  let shown = 0;
  const tail = setInterval(() => {
    const lines = readFileSync(join(dir, 'a', 'serial.log'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('guest-init'));
    for (const l of lines.slice(shown)) say(`  console: ${l}`);
    shown = lines.length;
  }, 1000);
  const r = await ready.done;
  clearInterval(tail);
  if (!r?.ready) throw new Error('the guest did not answer HTTP in time');
  const { rate, probe } = await chooseRate(ns);
  say(`guest answers http://192.0.2.10/ in ${probe.latencyMedianMs} ms — client starts: ${rate} request(s)/s (2 s timeout each) + one TCP stream`);

  const qa = await QmpClient.connect({ kind: 'unix', path: join(dir, 'a.qmp') });
  const client = startClient(ns, ['--duration', '40', '--rate', String(rate), '--timeout', '2000']);
  let seen = 0;
  let ok = 0;
  let failed = 0;
  const ticker = setInterval(() => {
    for (const l of client.lines.slice(seen)) {
      if (l.http === 'ok') ok++;
      else if (l.http === 'failed') failed++;
      else if (l.stream) say(`  stream: ${l.stream}${l.from !== undefined ? ` ${l.from} → ${l.to}` : ''}`);
    }
    seen = client.lines.length;
    const ckpt = qa.closed ? '' : `, checkpoints so far ${qa.events().filter((e) => e.event === 'RESUME').length}`;
    say(`  requests answered ${ok}, failed ${failed}${ckpt}`);
  }, 2000);
  await sleep(15_000);
  const pidA = Number(readFileSync(join(dir, 'a', 'qemu.pid'), 'utf8'));
  const tKill = Date.now();
  process.kill(pidA, 'SIGKILL');
  say(bold(`kill -9 ${pidA}: the primary is gone`));
  await colo('failover', '-f', file, '--survivor', 'b');
  say(bold(`colo failover done: b serves, its tap on the bridge — ${Date.now() - tKill} ms after the kill`));
  const summary = await client.done;
  clearInterval(ticker);
  await qa.close();
  say(
    bold(
      `client: ${summary.total} requests, ${summary.failed} failed, longest gap between answers ${summary.longestGapMs} ms; ` +
        `stream ${summary.stream.lines} lines on ${summary.stream.connections} connection(s), ${summary.stream.drops} dropped, ${summary.stream.jumps} counter jumps`,
    ),
  );
  await colo('status', '-f', file);
} finally {
  cleanup();
}
