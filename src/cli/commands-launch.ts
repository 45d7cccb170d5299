import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { nodeArgs } from '../model/argv.js';
import { peerOf } from '../model/node-role.js';
import { classifyNode } from '../plan/classify.js';
import { observeNode, connectNode } from '../observe/observe.js';
import { parseQmpAddress } from '../qmp/address.js';
import type { ObservedNode } from '../plan/types.js';
import type { NodeSpec, Role, Spec } from '../spec/types.js';
import { nodeOrFail } from './commands-offline.js';
import { CliError, type Io } from './io.js';
import { liveProfile } from './live-plan.js';
import { loadSpecFile, specProfile } from './load-file.js';
import { processAlive } from '../apply/process.js';

export function pidFile(node: NodeSpec): string {
  return join(node.workdir, 'qemu.pid');
}

function readPid(node: NodeSpec): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(node), 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}


/** secondary when the peer runs (a resume), else the role the spec prefers. */
async function chooseRole(spec: Spec, self: NodeSpec, explicit?: string): Promise<{ role: Role; peer: ObservedNode; why: string }> {
  if (explicit && explicit !== 'primary' && explicit !== 'secondary') throw new CliError(`--role must be primary or secondary, not "${explicit}"`, 1, 'BAD_OPTION');
  const peer = (await observeNode(peerOf(spec, self.name), { timeoutMs: 1500, objectProps: false, hangConfirmMs: 0 })).observed;
  if (explicit) return { role: explicit as Role, peer, why: '--role' };
  const c = classifyNode(peer);
  if (c.class === 'standalone' || c.class === 'colo-primary') return { role: 'secondary', peer, why: `${peer.name} runs (${c.class}): ${self.name} joins as its new secondary` };
  return { role: self.role, peer, why: `${peer.name} is ${c.class}: the role in the spec` };
}

export async function cmdLaunch(io: Io, o: { file: string; node: string; role?: string; color: boolean }): Promise<number> {
  const { spec } = await loadSpecFile(o.file, io, o.color);
  const self = nodeOrFail(spec, o.node);
  const mine = await observeNode(self, { timeoutMs: 1000, objectProps: false, hangConfirmMs: 0 });
  if (mine.observed.reach !== 'unreachable') throw new CliError(`${self.name} already answers on ${self.qmp} (${classifyNode(mine.observed).class}); colo stop --node ${self.name} first`, 1, 'ALREADY_RUNNING');
  const { role, peer, why } = await chooseRole(spec, self, o.role);
  // COLO needs the same QEMU on both nodes: a running peer's version picks the forms, else the spec's
  const profile = peer.version ? liveProfile(spec, { [peer.name]: peer }) : specProfile(spec);
  const { argv, prepare } = nodeArgs(spec, profile, self, role);
  mkdirSync(self.workdir, { recursive: true });
  for (const p of prepare) {
    if (!p.overwrite && existsSync(p.creates)) continue;
    const r = spawnSync(p.argv[0], p.argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new CliError(`${p.argv.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`, 1, 'PREPARE_FAILED');
  }
  const q = parseQmpAddress(self.qmp);
  if (q?.kind === 'unix') rmSync(q.path, { force: true });
  const log = join(self.workdir, 'qemu.log');
  const full = [...argv, '-daemonize', '-pidfile', pidFile(self), '-D', log];
  const cmd = self.netns ? ['ip', 'netns', 'exec', self.netns, ...full] : full;
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    throw new CliError(`QEMU for ${self.name} did not start (exit ${r.status ?? r.signal ?? r.error?.message}): ${(r.stderr || '').trim() || 'no output'}`, 1, 'LAUNCH_FAILED');
  }
  io.stdout.write(`launched ${self.name} as ${role} (${why}): pid ${readPid(self) ?? '?'}, QMP ${self.qmp}, log ${log}\n`);
  return 0;
}

export async function cmdStop(io: Io, o: { file: string; node: string; color: boolean }): Promise<number> {
  const { spec } = await loadSpecFile(o.file, io, o.color);
  const self = nodeOrFail(spec, o.node);
  const pid = readPid(self);
  let how = 'not running';
  try {
    const c = await connectNode(self, { connectTimeoutMs: 2000, commandTimeoutMs: 2000 });
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
  io.stdout.write(`${self.name}: ${how === 'not running' ? 'was not running' : `stopped (${how})`}\n`);
  return 0;
}
