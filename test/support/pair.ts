// A COLO pair under test: a spec written into a temp dir, the CLI run in-process against it, and
// every QEMU the CLI launched (daemonized, by pid file) killed by PID at cleanup, even on failure.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, expect } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { run } from '../../src/cli/cli.js';
import { QmpClient } from '../../src/qmp/client.js';
import { hasKvm, makeTempDir } from './qemu.js';

export interface PairOptions {
  name: string;
  /** first of this pair's ports; a pair uses portBase .. portBase+49 */
  portBase: number;
  accel?: 'tcg' | 'kvm';
  /** default: one hour under TCG (no checkpoint: this QEMU deadlocks there), 1000 ms under KVM */
  checkpointDelayMs?: number;
  disks?: number;
  nics?: number;
  /** extra YAML under spec: (e.g. hooks) */
  extra?: string;
  /** each node on its own emulated host (test/support/hosts.ts): its address and network namespace */
  hosts?: { a: { addr: string; ns: string }; b: { addr: string; ns: string } };
  /** extra flow-map entries of a node (e.g. `fence: {run: [...]}`); DIR is replaced by the pair's directory */
  nodeExtra?: { a?: string; b?: string };
  /** spec.qemu.version (default 7.2) and spec.qemu.binary (default qemu-system-x86_64) */
  qemuVersion?: string;
  binary?: string;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Pair {
  dir: string;
  file: string;
  name: string;
  journal: string;
  workdir(node: 'a' | 'b'): string;
  qmpPath(node: 'a' | 'b'): string;
  cli(...args: string[]): Promise<CliResult>;
  qmp(node: 'a' | 'b'): Promise<QmpClient>;
  pid(node: 'a' | 'b'): number | undefined;
  /** close the cached QMP client of a node (the CLI needs the monitor) */
  release(node: 'a' | 'b'): Promise<void>;
  /** SIGKILL a node's QEMU by the pid its launch recorded */
  kill(node: 'a' | 'b', signal?: NodeJS.Signals): void;
  /** journal entries written so far */
  journalEntries(): any[];
}

const livePids = new Set<number>();
const clients = new Set<QmpClient>();

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Alive and not a zombie (a daemonized QEMU is reparented to init, which reaps it when it gets to it). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

process.once('exit', () => {
  for (const pid of livePids) killPid(pid);
});

/** afterEach: close QMP clients, kill every QEMU a pair launched (by PID). */
export function usePairCleanup(): void {
  afterEach(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    clients.clear();
    for (const pid of livePids) killPid(pid);
    const deadline = Date.now() + 5000;
    for (const pid of livePids) {
      while (Date.now() < deadline && running(pid)) await new Promise((r) => setTimeout(r, 20));
    }
    livePids.clear();
  });
}

/** kvm when /dev/kvm is usable, else tcg; COLO_TEST_ACCEL=tcg (or kvm) forces one. */
export function accelForTests(): 'kvm' | 'tcg' {
  const forced = process.env.COLO_TEST_ACCEL;
  if (forced === 'tcg' || forced === 'kvm') return forced;
  return hasKvm() ? 'kvm' : 'tcg';
}

/** Checkpoint tests run only here: KVM usable and not forced off (under TCG this QEMU deadlocks at a checkpoint). */
export function kvmForTests(): boolean {
  return hasKvm() && accelForTests() === 'kvm';
}

export function specYaml(dir: string, o: PairOptions): string {
  const accel = o.accel ?? 'tcg';
  const delay = o.checkpointDelayMs ?? (accel === 'tcg' ? 3_600_000 : 1000);
  const disks = Array.from({ length: o.disks ?? 1 }, (_, i) => `    - {id: colo-disk${i}, size: ${16 + 8 * i}M}`).join('\n');
  const where = (n: 'a' | 'b') => (o.hosts ? `host: ${o.hosts[n].addr}, netns: ${o.hosts[n].ns}` : 'host: 127.0.0.1');
  const nics = Array.from({ length: o.nics ?? 1 }, (_, i) => `    - {id: hn${i}, type: user, model: rtl8139, romfile: ""}`).join('\n');
  return `apiVersion: colo/v1
kind: ColoPair
metadata: {name: ${o.name}}
spec:
  qemu: {version: "${o.qemuVersion ?? '7.2'}", accel: ${accel}, memory: 64M, smp: 1, cpu: qemu64${o.binary ? `, binary: ${o.binary}` : ''}}
  nodes:
    - {name: a, role: primary,   ${where('a')}, qmp: unix:${dir}/a.qmp, workdir: ${dir}/a${o.nodeExtra?.a ? `, ${o.nodeExtra.a.replaceAll('DIR', dir)}` : ''}}
    - {name: b, role: secondary, ${where('b')}, qmp: unix:${dir}/b.qmp, workdir: ${dir}/b${o.nodeExtra?.b ? `, ${o.nodeExtra.b.replaceAll('DIR', dir)}` : ''}}
  disks:
${disks}
  netdevs:
${nics}
  ports: {migration: ${o.portBase}, nbd: ${o.portBase + 1}, base: ${o.portBase + 10}}
  colo:
    checkpointDelayMs: ${delay}
${o.extra ?? ''}`;
}

export function makePair(o: PairOptions): Pair {
  const dir = makeTempDir(`colo-${o.name}`);
  const file = join(dir, 'pair.yaml');
  writeFileSync(file, specYaml(dir, o));
  const journal = join(dir, 'journal.jsonl');
  const cached = new Map<string, QmpClient>();
  const pidOf = (node: 'a' | 'b') => {
    const p = join(dir, node, 'qemu.pid');
    if (!existsSync(p)) return undefined;
    const pid = Number(readFileSync(p, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  };
  const pair: Pair = {
    dir,
    file,
    name: o.name,
    journal,
    workdir: (n) => join(dir, n),
    qmpPath: (n) => join(dir, `${n}.qmp`),
    async cli(...args: string[]): Promise<CliResult> {
      let stdout = '';
      let stderr = '';
      const stdin = Readable.from([]) as unknown as NodeJS.ReadableStream & { isTTY?: boolean };
      const code = await run(args, {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
        stdin,
        env: { ...process.env, NO_COLOR: '1', COLO_STATE_DIR: join(dir, 'state') },
        cwd: dir,
      });
      // track what a launch started, so cleanup kills it whatever happens next
      for (const n of ['a', 'b'] as const) {
        const pid = pidOf(n);
        if (pid) livePids.add(pid);
        // and the yank helper launch started beside it (it ends with its QEMU; killed by PID all the same)
        const helper = Number((existsSync(join(dir, n, 'yank', 'helper.pid')) ? readFileSync(join(dir, n, 'yank', 'helper.pid'), 'utf8') : '').split(' ')[0]);
        if (helper > 0) livePids.add(helper);
      }
      return { code, stdout, stderr };
    },
    async qmp(node) {
      // a QMP monitor serves one client at a time: one cached client per node
      const open = cached.get(node);
      if (open && !open.closed) return open;
      const c = await QmpClient.connect({ kind: 'unix', path: join(dir, `${node}.qmp`) }, { connectTimeoutMs: 3000, commandTimeoutMs: 5000 });
      clients.add(c);
      cached.set(node, c);
      return c;
    },
    pid: pidOf,
    async release(node) {
      await cached.get(node)?.close();
      cached.delete(node);
    },
    kill(node, signal = 'SIGKILL') {
      const pid = pidOf(node);
      if (!pid) throw new Error(`no pid for ${node}`);
      process.kill(pid, signal);
      if (signal === 'SIGKILL') rmSync(join(dir, node, 'qemu.pid'), { force: true });
    },
    journalEntries() {
      if (!existsSync(journal)) return [];
      return readFileSync(journal, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    },
  };
  mkdirSync(join(dir, 'state'), { recursive: true });
  return pair;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a truthy value; throws with `what` after timeoutMs. */
export async function waitUntil<T>(check: () => Promise<T> | T, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

/** Filter ids per netdev in chain order, read from HMP `info network` (independent of the tool's parser). */
export async function filterChains(c: QmpClient): Promise<Record<string, string[]>> {
  const text: string = await c.execute('human-monitor-command', { 'command-line': 'info network' });
  const chains: Record<string, string[]> = {};
  let current: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const netdev = /^[\s\\]*([\w.-]+): index=\d+,type=([\w-]+)/.exec(line);
    if (netdev) {
      current = netdev[2] === 'nic' ? undefined : netdev[1];
      if (current) chains[current] = [];
      continue;
    }
    const filter = /^\s*- ([\w.-]+): type=/.exec(line);
    if (filter && current) chains[current].push(filter[1]);
  }
  return chains;
}

/** COLO mode, last mode and runstate of a node, over QMP. */
export async function coloState(c: QmpClient): Promise<{ mode: string; lastMode?: string; runstate: string }> {
  const colo = await c.execute('query-colo-status');
  const status = await c.execute('query-status');
  return { mode: colo.mode, lastMode: colo['last-mode'], runstate: status.status };
}

/** The JSON a CLI call printed (plan --format json, status --format json). */
export function parseJson(out: CliResult): any {
  try {
    return JSON.parse(out.stdout);
  } catch {
    throw new Error(`not JSON (exit ${out.code}):\n${out.stdout}\n${out.stderr}`);
  }
}

/** Launches a (primary) then b (secondary) and runs `apply --auto-approve`; throws with the output when a step fails. */
export async function launchAndApply(pair: Pair, ...applyArgs: string[]): Promise<CliResult> {
  for (const n of ['a', 'b'] as const) {
    const l = await pair.cli('launch', '-f', pair.file, '--node', n);
    if (l.code !== 0) throw new Error(`launch ${n} failed (exit ${l.code}):\n${l.stdout}${l.stderr}`);
  }
  const out = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal, ...applyArgs);
  if (out.code !== 0) throw new Error(`apply failed (exit ${out.code}):\n${out.stdout}${out.stderr}`);
  return out;
}

/** `colo plan --format json` of the pair: its exit code and the plan. */
export async function planJson(pair: Pair, ...extra: string[]): Promise<{ code: number; plan: Plan }> {
  const out = await pair.cli('plan', '-f', pair.file, '--format', 'json', ...extra);
  return { code: out.code, plan: parseJson(out) };
}

/** A node's COLO mode, last mode and runstate over QMP; the monitor is released for the CLI afterwards. */
export async function nodeState(pair: Pair, node: 'a' | 'b'): Promise<{ mode: string; lastMode?: string; runstate: string }> {
  const s = await coloState(await pair.qmp(node));
  await pair.release(node);
  return s;
}

/** A steady plan after a transition: exit 0 with --detailed-exitcode and no change at all (nothing unmanaged that colo made or kept). */
export async function expectSteady(pair: Pair): Promise<void> {
  const steady = await planJson(pair, '--detailed-exitcode');
  expect(steady.plan.transition).toBe('steady');
  expect(steady.plan.changes).toEqual([]);
  expect(steady.code).toBe(0);
}
