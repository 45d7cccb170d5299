// launch and stop: a node's images prepared and its QEMU started daemonized, or ended.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { nodeArgs } from '../model/argv.js';
import { peerOf } from '../model/node-role.js';
import { classifyNode, runsGuest } from '../plan/classify.js';
import { observeNode, connectNode } from '../observe/observe.js';
import { parseQmpAddress } from '../addr/qmp-address.js';
import type { ObservedNode } from '../model/observed.js';
import type { NodeSpec, Role, Spec } from '../spec/types.js';
import { ColoError } from './errors.js';
import { liveProfile } from './live.js';
import { binaryInfo } from '../observe/binary-schema.js';
import type { Profile } from '../model/profile.js';
import { processAlive } from '../sys/process.js';
import { hostIsHere } from './this-host.js';
import { Journal } from '../apply/journal.js';
import type { OpEnv } from './errors.js';
import { journalPath } from './session.js';
import { yankMonitorArgs, yankMonitorProblem } from '../model/yank-monitor.js';
import { prepareYankDir, startYankHelper, stopYankHelper, type HelperStart } from './yank.js';

/**
 * launch and stop act on this machine: a node whose host is not an address of it is refused before
 * anything starts (NOT_THIS_HOST); `force` (NAT, a name colo cannot tell) goes on and is journaled.
 * Returns whether the check was overridden.
 */
export function checkRunsHere(env: OpEnv, spec: Spec, self: NodeSpec, command: 'launch' | 'stop', o: { force?: boolean; journal?: string } = {}): boolean {
  if (hostIsHere(self.host, self.netns)) return false;
  const where = self.netns ? `of this machine's network namespace ${self.netns}` : 'of this machine';
  if (!o.force)
    throw new ColoError(
      `${self.name}'s host ${self.host} is not an address ${where}: run colo ${command} --node ${self.name} on that host (--force when it is this machine behind NAT or under a name colo cannot tell)`,
      1,
      'NOT_THIS_HOST',
    );
  let journal: Journal;
  try {
    journal = new Journal(journalPath(env, spec, o.journal));
  } catch (e) {
    throw new ColoError(`cannot write the journal: ${(e as Error).message}`, 1, 'FILE_WRITE');
  }
  journal.note(self.name, 'forced-here', { command, host: self.host, why: `--force: ${self.host} is not an address ${where}` });
  journal.close();
  return true;
}

export function pidFile(node: NodeSpec): string {
  return join(node.workdir, 'qemu.pid');
}

export function readPid(node: NodeSpec): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(node), 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** secondary when the peer runs (a resume), else the role the spec prefers. */
async function chooseRole(spec: Spec, self: NodeSpec, explicit?: string): Promise<{ role: Role; peer: ObservedNode; why: string }> {
  if (explicit && explicit !== 'primary' && explicit !== 'secondary')
    throw new ColoError(`--role must be primary or secondary, not "${explicit}"`, 1, 'BAD_OPTION');
  const peer = (await observeNode(peerOf(spec, self.name), { timeoutMs: 1500, objectProps: false, hangConfirmMs: 0 })).observed;
  if (explicit) return { role: explicit as Role, peer, why: '--role' };
  const c = classifyNode(peer);
  if (runsGuest(c)) return { role: 'secondary', peer, why: `${peer.name} runs (${c.class}): ${self.name} joins as its new secondary` };
  return { role: self.role, peer, why: `${peer.name} is ${c.class}: the role in the spec` };
}

/** The forms of the binary about to start (never the peer's); a peer on another QEMU line is refused. */
async function launchProfile(spec: Spec, self: NodeSpec, peer: ObservedNode): Promise<Profile> {
  const wrapper = self.netns ? ['ip', 'netns', 'exec', self.netns] : [];
  const info = await binaryInfo(spec.qemu.binary, wrapper);
  if ('error' in info) throw new ColoError(`cannot tell which QEMU ${spec.qemu.binary} is: ${info.error}`, 1, 'LAUNCH_FAILED');
  const mine: ObservedNode = {
    name: self.name,
    reach: 'ok',
    version: info.version,
    package: info.package,
    resources: {},
    jobs: [],
    ...(info.schema ? { schema: info.schema } : {}),
  };
  // the peer's machine type is not compared here: this node's is not known before it starts
  const peerLine = peer.version ? { [peer.name]: { ...peer, machine: undefined } } : {};
  return liveProfile(spec, { [self.name]: mine, ...peerLine });
}

/** An existing parent image must have the spec's size: QEMU refuses active/hidden images of another, or the guest sees another disk. */
function checkImageSize(path: string, sizeBytes: number): void {
  const r = spawnSync('qemu-img', ['info', '--output=json', '-U', path], { encoding: 'utf8', timeout: 30_000 });
  let size: number | undefined;
  try {
    size = JSON.parse(r.stdout)['virtual-size'];
  } catch {
    throw new ColoError(`cannot read ${path} with qemu-img info: ${(r.stderr || r.error?.message || '').trim()}`, 1, 'PREPARE_FAILED');
  }
  if (size !== sizeBytes) {
    throw new ColoError(
      `${path} exists with ${size} bytes, the spec says ${sizeBytes}: it holds data of another disk; move it away or fix the spec (colo never resizes a parent image)`,
      1,
      'PARENT_SIZE',
    );
  }
}

/** The last lines of the node's QEMU log: where a daemonized QEMU says why it stopped. */
function logTail(path: string, lines = 8): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export interface LaunchOptions {
  role?: string;
  /** the spec QMP connections use to observe the peer (the OCF agent's own monitors); default: spec */
  observeSpec?: Spec;
  /** more QEMU arguments (the OCF agent's own -qmp monitor) */
  extraArgs?: string[];
  /** unix sockets to remove before QEMU creates them */
  sockets?: string[];
  /** the yank monitor and its helper (default on where QEMU has yank); the environment names the colo CLI that runs the helper */
  yank?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface LaunchResult {
  role: Role;
  why: string;
  pid?: number;
  log: string;
  /** QEMU's command line as started */
  argv: string[];
  /** the yank helper: its pid, or why the node runs without one */
  yank?: HelperStart;
}

/** Prepares the node's images and starts its QEMU daemonized; the role follows the live peer unless given. */
export async function launchNode(spec: Spec, self: NodeSpec, o: LaunchOptions = {}): Promise<LaunchResult> {
  const view = o.observeSpec ?? spec;
  const viewSelf = view.nodes.find((n) => n.name === self.name) ?? self;
  const mine = await observeNode(viewSelf, { timeoutMs: 1000, objectProps: false, hangConfirmMs: 0 });
  if (mine.observed.reach !== 'unreachable')
    throw new ColoError(
      `${self.name} already answers on ${viewSelf.qmp} (${classifyNode(mine.observed).class}); colo stop --node ${self.name} first`,
      1,
      'ALREADY_RUNNING',
    );
  if (viewSelf.qmp !== self.qmp) {
    // a QEMU started without the agent's monitor (colo launch by hand) is still this node's QEMU
    const other = await observeNode(self, { timeoutMs: 1000, objectProps: false, hangConfirmMs: 0 });
    if (other.observed.reach !== 'unreachable')
      throw new ColoError(
        `${self.name} already runs a QEMU on ${self.qmp} that was not started with ${viewSelf.qmp}; colo stop --node ${self.name}, then let the cluster start it`,
        1,
        'ALREADY_RUNNING',
      );
  }
  const { role, peer, why } = await chooseRole(view, self, o.role);
  const profile = await launchProfile(spec, self, peer);
  const { argv, prepare } = nodeArgs(spec, profile, self, role);
  mkdirSync(self.workdir, { recursive: true });
  for (const p of prepare) {
    if (!p.overwrite && existsSync(p.creates)) {
      checkImageSize(p.creates, p.sizeBytes);
      continue;
    }
    const r = spawnSync(p.argv[0], p.argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new ColoError(`${p.argv.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`, 1, 'PREPARE_FAILED');
  }
  const q = parseQmpAddress(self.qmp);
  if (q?.kind === 'unix') rmSync(q.path, { force: true });
  for (const path of o.sockets ?? []) rmSync(path, { force: true });
  // the yank monitor, held by a helper from the start: a failover can then cut the connections to a
  // lost peer out of band while this QEMU's main loop is blocked (src/ops/yank.ts)
  const yank = o.yank !== false && profile.yank && !yankMonitorProblem(self);
  await stopYankHelper(self);
  if (yank) prepareYankDir(self);
  const log = join(self.workdir, 'qemu.log');
  const full = [...argv, ...(o.extraArgs ?? []), ...(yank ? yankMonitorArgs(self) : []), '-daemonize', '-pidfile', pidFile(self), '-D', log];
  const cmd = self.netns ? ['ip', 'netns', 'exec', self.netns, ...full] : full;
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    const said = [(r.stderr || '').trim(), logTail(log)].filter(Boolean).join('\n');
    throw new ColoError(
      `QEMU for ${self.name} did not start (exit ${r.status ?? r.signal ?? r.error?.message}): ${said || `no output (log ${log} is empty)`}`,
      1,
      'LAUNCH_FAILED',
    );
  }
  const helper = yank ? await startYankHelper(self, o.env ?? process.env) : undefined;
  return { role, why, pid: readPid(self), log, argv: cmd, ...(helper ? { yank: helper } : {}) };
}

/** Ends a node's QEMU: QMP quit over `qmp` (default the spec's), then the pid; says how. */
export async function stopNode(self: NodeSpec, qmp: NodeSpec = self): Promise<string> {
  const pid = readPid(self);
  let how = 'not running';
  try {
    const c = await connectNode(qmp, { connectTimeoutMs: 2000, commandTimeoutMs: 2000 });
    await c.execute('quit').catch(() => undefined);
    await c.close();
    how = 'QMP quit';
  } catch {
    // no QMP: fall back to the pid
  }
  if (pid && processAlive(pid)) {
    const deadline = Date.now() + 5000;
    while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (processAlive(pid)) {
      process.kill(pid, 'SIGKILL');
      how = `${how === 'not running' ? '' : `${how} then `}SIGKILL ${pid}`;
    } else if (how === 'not running') how = `pid ${pid}`;
  }
  rmSync(pidFile(self), { force: true });
  // the helper ends with its QEMU's monitor; one left (QEMU killed as it started) is ended by its pid
  await stopYankHelper(self);
  return how;
}
