// The real test guest (guest/build.sh) in the Pacemaker test cluster: its files where the QEMU 11.1
// chroot sees them, its clients on the cluster's guest LAN (scripts/guest-client.mjs: HTTP at a fixed
// rate, each request with its own timeout, one long-lived TCP stream, and the number of the last record
// the guest's writer made durable on its disk, test/support/guest-records.ts), the agent's own cost per
// action read from Pacemaker's log, and the e2e report (COLO_E2E_REPORT).
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QmpClient } from '../../src/qmp/client.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The guest build's directory (COLO_GUEST_DIR, else guest/out), or why it cannot be used. */
export function clusterGuest(): { dir: string; missing: string } {
  const dir = process.env.COLO_GUEST_DIR ?? join(REPO, 'guest', 'out');
  for (const f of ['vmlinuz', 'initrd.gz'])
    if (!existsSync(join(dir, f))) return { dir, missing: `no guest ${join(dir, f)} (sh guest/build.sh, or COLO_GUEST_DIR)` };
  return { dir, missing: '' };
}

/** Copies the guest's kernel and initrd under ROOT/guest (ROOT under /tmp: the QEMU 11.1 chroot sees /tmp only). */
export function placeGuest(dir: string, root: string): { kernel: string; initrd: string } {
  mkdirSync(join(root, 'guest'), { recursive: true });
  const kernel = join(root, 'guest', 'vmlinuz');
  const initrd = join(root, 'guest', 'initrd.gz');
  copyFileSync(join(dir, 'vmlinuz'), kernel);
  copyFileSync(join(dir, 'initrd.gz'), initrd);
  return { kernel, initrd };
}

export interface ClientSummary {
  total: number;
  failed: number;
  longestGapMs: number;
  errors: Record<string, number>;
  stream: { attempts: number; connections: number; drops: number; lines: number; jumps: number; maxGapMs: number };
  /** with `records`: GET /rec polls, those answered with a number, the last number */
  records?: { polled: number; answered: number; last: number | null };
}

/** One run of scripts/guest-client.mjs inside the guest LAN's namespace (by its holder's PID). */
export class GuestClient {
  private proc: ChildProcess;
  private lines: any[] = [];
  private done: Promise<ClientSummary | undefined>;

  constructor(lanPid: number, o: { rate: number; timeoutMs: number; host?: string; records?: boolean }) {
    this.proc = spawn(
      'nsenter',
      [
        '-t',
        String(lanPid),
        '-n',
        '--',
        process.execPath,
        join(REPO, 'scripts', 'guest-client.mjs'),
        '--host',
        o.host ?? '192.0.2.10',
        '--rate',
        String(o.rate),
        '--timeout',
        String(o.timeoutMs),
        ...(o.records ? ['--records'] : []),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let buf = '';
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        try {
          this.lines.push(JSON.parse(buf.slice(0, i)));
        } catch {
          /* not a JSON line */
        }
        buf = buf.slice(i + 1);
      }
    });
    this.done = new Promise((resolve) => this.proc.on('close', () => resolve(this.lines.find((l) => l.summary)?.summary)));
  }

  /** Answers so far (the stream's lines included), to wait until the guest serves this client. */
  answered(): number {
    return this.lines.filter((l) => l.http === 'ok').length;
  }

  /** The last record number the guest published (GET /rec) and when its answer arrived (ms since the epoch). */
  lastRecord(): { n: number; at: number } | undefined {
    const l = [...this.lines].reverse().find((x) => typeof x.rec === 'number');
    return l ? { n: l.rec, at: l.at } : undefined;
  }

  /** Ends the client (its requests in flight end at their timeout); its summary. Bounded. */
  async stop(): Promise<ClientSummary> {
    this.proc.kill('SIGTERM');
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
    const s = await this.done;
    clearTimeout(killer);
    if (!s) throw new Error(`the guest client ended without a summary: ${JSON.stringify(this.lines.slice(-5))}`);
    return s;
  }

  /** Kills the client at once (cleanup after a failure). */
  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

export interface ActionCost {
  /** the operation Pacemaker initiated, e.g. colo_post_notify_stop_0, colo_promote_0 */
  op: string;
  ms: number;
}

/**
 * The agent's actions on `node` since the offsets in `from` (each host's Pacemaker log → its size
 * before the fault), with their execution times as pacemaker-execd on `node` measured them. The DC
 * logs which operation it initiates where ("locally on b" or "on b"); a resource's actions on one node
 * run one at a time, so those initiations, in time order, pair with the finishes on `node`.
 */
export function agentCosts(node: string, from: Record<string, { file: string; offset: number }>): ActionCost[] {
  const read = (f: { file: string; offset: number }) => {
    try {
      return readFileSync(f.file, 'utf8').slice(f.offset).split('\n');
    } catch {
      return [];
    }
  };
  const stamp = (line: string) => line.split(' ').slice(0, 3).join(' ');
  const inits: { at: string; op: string }[] = [];
  for (const f of Object.values(from))
    for (const line of read(f)) {
      const m = /Initiating (\w+) operation (colo_\S+) (?:locally )?on (\S+)/.exec(line);
      if (m && m[3] === node && m[1] !== 'cancel' && !/_monitor_/.test(m[2])) inits.push({ at: stamp(line), op: m[2] });
    }
  inits.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
  const out: ActionCost[] = [];
  for (const line of read(from[node] ?? { file: '', offset: 0 })) {
    const fin = /colo (\w+) \(call \d+, PID \d+\) exited with status \d+ \(execution time ([\d.]+)(ms|s)\b/.exec(line);
    if (!fin || fin[1] === 'monitor') continue;
    const i = inits.findIndex((x) => x.at <= stamp(line) && x.op.includes(fin[1] === 'notify' ? '_notify_' : `_${fin[1]}_`));
    const op = i >= 0 ? inits.splice(i, 1)[0].op : `colo_${fin[1]}`;
    out.push({ op, ms: Math.round(Number(fin[2]) * (fin[3] === 's' ? 1000 : 1)) });
  }
  return out;
}

export function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** One scenario's figures, as issue 16 asks them (written to COLO_E2E_REPORT). */
export interface ScenarioReport {
  /** the test file that measured it (pacemaker-failover, pacemaker-pairs) */
  test?: string;
  scenario: string;
  fault: 'host-death' | 'qemu-crash' | 'partition' | 'rejoin';
  hosts: number;
  pairs: number;
  /** fault → the survivor's QEMU runs the guest alone; for a rejoin: host started → COLO replicates again */
  faultToServingMs: number;
  /** with several pairs: each pair's fault → serving (faultToServingMs is the longest) */
  faultToServingMsPerPair?: Record<string, number>;
  requests: { total: number; failed: number; timeoutMs: number };
  longestGapMs: number;
  stream: { connections: number; jumps: number };
  /** acknowledged records missing on the survivor; null where no guest writes any (no guest) */
  ackedLost: number | null;
  /** the records acknowledged so far (the guest's own writes, checked on the survivor) */
  acked?: number;
  /** the hosts running the guest afterwards: one pair's count, or per pair an object */
  hostsRunningGuest: number | Record<string, number>;
  /** the agent's own actions on the survivor from the fault on, with their execution times */
  agentActions?: ActionCost[];
  token?: number;
}

/**
 * Writes the report so far (after every scenario, so a failing one keeps the figures before it). The
 * rows of another test file already in the file are kept (each file's rows carry its `test`), so the
 * single-pair and the several-pair tests share one COLO_E2E_REPORT.
 */
export function writeReport(rows: ScenarioReport[]): void {
  const file = process.env.COLO_E2E_REPORT;
  if (!file) return;
  const mine = new Set(rows.map((r) => r.test));
  let others: ScenarioReport[] = [];
  try {
    const before = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (Array.isArray(before)) others = (before as ScenarioReport[]).filter((r) => !mine.has(r.test));
  } catch {
    /* no report yet, or not one */
  }
  writeFileSync(file, `${JSON.stringify([...others, ...rows], null, 2)}\n`);
}

/** A node's COLO mode and runstate as its monitor reports them. */
export interface NodeState {
  mode: string;
  runstate: string;
}

/** COLO mode and runstate over the node's unix monitor at `path`, or undefined when its QEMU does not answer (1.5 s). */
export async function nodeState(path: string): Promise<NodeState | undefined> {
  let c: QmpClient | undefined;
  try {
    c = await QmpClient.connect({ kind: 'unix', path }, { connectTimeoutMs: 1500, commandTimeoutMs: 1500 });
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
export const runsGuest = (s: NodeState | undefined): boolean => !!s && (s.mode === 'primary' || (s.mode === 'none' && s.runstate === 'running'));
