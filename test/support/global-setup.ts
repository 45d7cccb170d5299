// Before any test file (and so before any test's timeout) starts:
// - The test QEMUs listen on fixed loopback ports (41000–49999, each test file a range of its own),
//   inside the kernel's ephemeral range: an outgoing connection of another test could take one of
//   them as its local port, and a QEMU then fails "Address already in use". While the tests run, those
//   ports are reserved (ip_local_reserved_ports: never handed out as ephemeral ones); the machine's
//   own setting comes back afterwards. Without root nothing is changed.
// - When the run includes a real-guest test, the guest is built (or found built: guest/build.sh caches
//   it per machine by its inputs), QEMU 11.1's chroot made if missing, and where the guest will run is
//   decided once by booting it (KVM only if KVM boots it quickly, else 11.1 under TCG). The tests
//   read the outcome with inject('guest').
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { chooseGuestTarget, ensureGuest, ROOT, type GuestFiles, type GuestTarget } from './guest.js';
import { qemuTargets } from './qemus.js';

const FILE = '/proc/sys/net/ipv4/ip_local_reserved_ports';
const TEST_PORTS = '41000-49999';
/** the test files that run the real guest */
const GUEST_TESTS = ['test/e2e/guest-failover.test.ts', 'test/e2e/pacemaker-failover.test.ts'];

export type GuestSetup = { files: GuestFiles; target: GuestTarget } | { missing: string };

declare module 'vitest' {
  export interface ProvidedContext {
    guest: GuestSetup | undefined;
  }
}

/** Whether the files this run selects (vitest's filters on its command line) include a guest test. */
function runsGuestTests(argv: string[]): boolean {
  const i = argv.findIndex((a) => /(^|\/)vitest(\.mjs)?$/.test(a));
  const rest = argv
    .slice(i + 1)
    .filter((a, k, all) => !a.startsWith('-') && a !== 'run' && !(k > 0 && /^--?(t|testNamePattern|project|config|c|reporter)$/.test(all[k - 1])));
  return rest.length === 0 || rest.some((f) => GUEST_TESTS.some((g) => g.includes(f) || f.includes(g)));
}

async function prepareGuest(): Promise<GuestSetup> {
  let files: GuestFiles;
  try {
    files = ensureGuest();
  } catch (e) {
    return { missing: `the test guest could not be built: ${(e as Error).message.split('\n').slice(-4).join(' ')}` };
  }
  // QEMU 11.1 (its COLO checkpoints run under TCG): made here if missing, as .ci/run does
  if (qemuTargets().find((t) => t.line === '11.1')?.missing && process.getuid?.() === 0) {
    const r = spawnSync('sh', [`${ROOT}/scripts/qemu-chroot.sh`, '11.1'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 900_000 });
    if (r.status !== 0) console.error(`global setup: sh scripts/qemu-chroot.sh 11.1 failed (${r.status ?? r.signal})`);
  }
  const target = await chooseGuestTarget(files);
  if ('missing' in target) return { missing: target.missing };
  console.log(`global setup: the test guest runs on QEMU ${target.line} (${target.accel}): ${target.why}`);
  return { files, target };
}

export default async function setup(project: TestProject): Promise<() => void> {
  let before: string | undefined;
  try {
    before = readFileSync(FILE, 'utf8').trim();
    writeFileSync(FILE, before ? `${before},${TEST_PORTS}` : TEST_PORTS);
  } catch {
    before = undefined;
  }
  project.provide('guest', runsGuestTests(process.argv) ? await prepareGuest() : undefined);
  return () => {
    if (before === undefined) return;
    try {
      writeFileSync(FILE, `${before}\n`);
    } catch {
      /* the machine's setting stays as the tests left it */
    }
  };
}
