// `colo ocf ACTION`: the OCF resource agent Pacemaker runs (through the shipped wrapper ocf/colo).
// The agent's runtime: its decisions are in ./decide.ts; every action runs the operations the CLI
// and the fleet run (src/ops/): plan live, fail over (with the same safety rules), launch, stop;
// steps run with a Session that takes the pair's lock. Pacemaker's tools (crm_node, crm_attribute)
// and its state files are called from here only.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { processAlive } from '../sys/process.js';
import { observeNode } from '../observe/observe.js';
import type { ObservedNode } from '../model/observed.js';
import { ColoError } from '../ops/errors.js';
import { failover as failoverOp, PEER_SOCKET_CONNECT_MS } from '../ops/failover.js';
import { launchNode, readPid, stopNode } from '../ops/launch.js';
import { planLive } from '../ops/live.js';
import { cutPeerConnections } from '../ops/yank.js';
import { yankText } from '../model/yank-monitor.js';
import { nodeOrFail } from '../ops/pair.js';
import { readSpec } from '../ops/read-spec.js';
import { runSteps as runPlanSteps } from '../ops/run-steps.js';
import { classifyNode } from '../plan/classify.js';
import type { Step } from '../plan/types.js';
import { qmp } from '../plan/kinds/context.js';
import { renderProblems } from '../render/problems.js';
import { escapeControls } from '../spec/display.js';
import { MAX_TIMER_MS } from '../spec/limits.js';
import type { NodeSpec, Spec } from '../spec/types.js';
import { busyVerdict, demoteDecision, hungGrace, JOIN_TRANSITIONS, monitorVerdict, OCF, ownsGuest, promoteDecision, type OcfCode } from './decide.js';
import { agentView, agentMonitorArgs, agentSocket } from './agent-view.js';
import { OCF_WRAPPER, ocfMetaData } from './wrapper.js';

/** The streams and environment the agent runs with (the CLI's, or a test's). */
export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const OCF_ACTIONS = ['meta-data', 'validate-all', 'start', 'stop', 'monitor', 'promote', 'demote', 'notify', 'install'] as const;

interface Ctx {
  io: Io;
  spec: Spec;
  /** the spec as the agent connects: its own node over the agent's monitor, the peer over the spec's */
  view: Spec;
  self: NodeSpec;
  peer: NodeSpec;
  /** this action's budget (Pacemaker's op timeout), ms */
  budgetMs: number;
  /** QMP bound per read/command: well inside the budget */
  qmpMs: number;
  /** ms since this process started when the spec was read (the promote logs where its time goes) */
  specReadAt: number;
  log(s: string): void;
}

const DEFAULT_BUDGET: Record<string, number> = {
  start: 60_000,
  stop: 30_000,
  monitor: 10_000,
  promote: 30_000,
  demote: 10_000,
  notify: 60_000,
  'validate-all': 10_000,
};

/** Pacemaker gives the op's timeout in ms (OCF_RESKEY_CRM_meta_timeout). */
function budgetOf(env: NodeJS.ProcessEnv, action: string): number {
  const t = Number(env.OCF_RESKEY_CRM_meta_timeout);
  // a budget past Node's timer limit would make a timer derived from it fire at once
  return Number.isFinite(t) && t > 0 ? Math.min(t, MAX_TIMER_MS) : (DEFAULT_BUDGET[action] ?? 20_000);
}

/**
 * This host's cluster node name: OCF_RESKEY_node, else the node Pacemaker runs the action on
 * (OCF_RESKEY_CRM_meta_on_node: what `crm_node -n` itself prints under Pacemaker, without starting it
 * on every action, the promote of a failover included), else `crm_node -n`.
 */
function localNodeName(env: NodeJS.ProcessEnv): string {
  if (env.OCF_RESKEY_node) return env.OCF_RESKEY_node;
  if (env.OCF_RESKEY_CRM_meta_on_node) return env.OCF_RESKEY_CRM_meta_on_node;
  const r = spawnSync('crm_node', ['-n'], { encoding: 'utf8', timeout: 5000 });
  const name = (r.stdout ?? '').trim();
  if (r.status !== 0 || !name)
    throw new ColoError(
      `no node parameter and crm_node -n gave no name (${(r.stderr || r.error?.message || 'exit ' + r.status).trim()})`,
      OCF.ERR_CONFIGURED,
      'OCF_NODE',
    );
  return name;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ms since this process started (node's own start-up included) */
const sinceStart = () => Math.round(process.uptime() * 1000);

/** The resource's promotion score (crm_attribute --promotion), written only when it changes. */
function setScore(ctx: Ctx, score: number | undefined): void {
  const rsc = (ctx.io.env.OCF_RESOURCE_INSTANCE ?? '').replace(/:\d+$/, '');
  if (!rsc) return; // not run by Pacemaker (a manual monitor): nothing to advertise
  const cache = join(ctx.io.env.HA_RSCTMP ?? '/run/resource-agents', `colo-${rsc}.score`);
  const want = score === undefined ? 'none' : String(score);
  try {
    if (readFileSync(cache, 'utf8') === want) return;
  } catch {
    /* first time */
  }
  const args = score === undefined ? ['--promotion=' + rsc, '-l', 'reboot', '-D'] : ['--promotion=' + rsc, '-l', 'reboot', '-v', String(score)];
  const r = spawnSync('crm_attribute', args, { encoding: 'utf8', timeout: Math.min(5000, ctx.budgetMs / 2) });
  if (r.status !== 0) {
    ctx.log(`crm_attribute ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
    return;
  }
  try {
    mkdirSync(dirname(cache), { recursive: true });
    writeFileSync(cache, want);
  } catch {
    /* the score is set; only the cache is missing */
  }
}

async function observe(node: NodeSpec, timeoutMs: number, socketConnectTimeoutMs?: number): Promise<ObservedNode> {
  // queue for the monitor no longer than a read may take: Pacemaker's op timeout bounds the whole action
  return (
    await observeNode(node, {
      timeoutMs,
      lockWaitMs: timeoutMs,
      objectProps: false,
      hangConfirmMs: Math.min(1500, timeoutMs / 2),
      ...(socketConnectTimeoutMs !== undefined ? { socketConnectTimeoutMs } : {}),
    })
  ).observed;
}

const viewOf = (ctx: Ctx, name: string) => ctx.view.nodes.find((n) => n.name === name)!;

async function observeSelf(ctx: Ctx) {
  const o = await observe(viewOf(ctx, ctx.self.name), ctx.qmpMs);
  return { observed: o, c: classifyNode(o) };
}

async function observePeer(ctx: Ctx, timeoutMs = Math.min(2000, ctx.qmpMs)) {
  const o = await observe(viewOf(ctx, ctx.peer.name), timeoutMs, PEER_SOCKET_CONNECT_MS);
  return { observed: o, c: classifyNode(o) };
}

/** Runs steps under the pair's lock (waiting for it within the budget), journaled like apply. */
async function runSteps(ctx: Ctx, what: string, steps: Step[], deadline: number): Promise<void> {
  try {
    // each step is journaled with its arguments; Pacemaker's log gets the summary (and a failure in full)
    const ms = await runPlanSteps(ctx.io, ctx.view, steps, {
      what: `ocf-${what}`,
      node: ctx.self.name,
      timeoutMs: ctx.qmpMs,
      journal: ctx.io.env.OCF_RESKEY_journal || undefined,
      lockUntil: deadline,
    });
    ctx.log(`${what}: ${steps.length} steps in ${ms} ms`);
  } catch (e) {
    if (e instanceof ColoError) throw new ColoError(e.message.replace(/^ocf-/, ''), OCF.ERR_GENERIC, e.code);
    throw e;
  }
}

/**
 * The failover the CLI runs (src/ops/failover.ts), with its safety rules: the peer as just read
 * must not answer as a live COLO node (a busy monitor is alive), and Pacemaker fenced or stopped it
 * before it promoted this node or notified its stop.
 */
async function failover(ctx: Ctx, self: ObservedNode, peer: ObservedNode, deadline: number, why: string): Promise<void> {
  try {
    const r = await failoverOp(ctx.io, ctx.view, {
      survivor: ctx.self.name,
      timeoutMs: ctx.qmpMs,
      peerTimeoutMs: ctx.qmpMs,
      journal: ctx.io.env.OCF_RESKEY_journal || undefined,
      survivorRead: self,
      peerRead: peer,
      fencedBy: 'Pacemaker',
      lockUntil: deadline,
      why,
    });
    ctx.log(r.outcome === 'already-alone' ? `${ctx.self.name} already runs alone` : `${r.transition}: ${r.steps} steps in ${r.ms} ms`);
  } catch (e) {
    if (e instanceof ColoError) throw new ColoError(e.message, OCF.ERR_GENERIC, e.code);
    throw e;
  }
}

/** On the node that runs the guest: bring a waiting peer into replication (setup or resume), if there is one. */
async function joinPeer(ctx: Ctx, deadline: number, waitForPeerMs = 0): Promise<OcfCode> {
  // after the peer's start: give its monitor a moment to appear; otherwise an absent peer is no wait
  const peerDeadline = Math.min(deadline, Date.now() + waitForPeerMs);
  for (;;) {
    const live = await planLive(ctx.view, { timeoutMs: ctx.qmpMs });
    const t = live.plan.transition;
    if (JOIN_TRANSITIONS.has(t)) {
      ctx.log(`${t}: ${live.plan.reason}`);
      await runSteps(ctx, t, live.plan.steps, deadline);
      return OCF.SUCCESS;
    }
    if (t === 'steady') return OCF.SUCCESS;
    const peer = live.plan.nodes[ctx.peer.name];
    if (peer?.state !== 'unreachable' || Date.now() + 500 > peerDeadline) {
      ctx.log(`nothing to join: ${t} (${live.plan.reason})`);
      return OCF.SUCCESS;
    }
    await sleep(300);
  }
}

async function waitAnswers(ctx: Ctx, deadline: number): Promise<ObservedNode> {
  for (;;) {
    const o = await observe(viewOf(ctx, ctx.self.name), Math.min(2000, ctx.qmpMs));
    if (o.reach === 'ok') return o;
    if (Date.now() > deadline)
      throw new ColoError(
        `QEMU of ${ctx.self.name} started but its monitor ${viewOf(ctx, ctx.self.name).qmp} does not answer: ${o.error ?? o.reach}`,
        OCF.ERR_GENERIC,
        'LAUNCH_FAILED',
      );
    await sleep(100);
  }
}

async function actStart(ctx: Ctx, deadline: number): Promise<OcfCode> {
  const now = await observeSelf(ctx);
  if (now.observed.reach === 'ok') {
    const v = monitorVerdict(now.c, true);
    ctx.log(`already running: ${v.why}`);
    if (v.code === OCF.SUCCESS || v.code === OCF.RUNNING_PROMOTED) {
      setScore(ctx, v.score);
      return OCF.SUCCESS;
    }
    return OCF.ERR_GENERIC;
  }
  const sock = agentSocket(ctx.self);
  const r = await launchNode(ctx.spec, ctx.self, {
    observeSpec: ctx.view,
    extraArgs: agentMonitorArgs(ctx.self),
    sockets: sock ? [sock] : [],
    env: ctx.io.env,
  });
  ctx.log(`launched ${ctx.self.name} as ${r.role} (${r.why}): pid ${r.pid ?? '?'}, log ${r.log}`);
  if (r.yank) ctx.log('pid' in r.yank ? `yank helper: pid ${r.yank.pid}` : `no yank helper: ${r.yank.unavailable}`);
  const o = await waitAnswers(ctx, deadline);
  setScore(ctx, monitorVerdict(classifyNode(o), true).score);
  return OCF.SUCCESS;
}

async function actStop(ctx: Ctx): Promise<OcfCode> {
  const how = await stopNode(ctx.self, viewOf(ctx, ctx.self.name));
  setScore(ctx, undefined);
  writeLastSeen(ctx, undefined);
  ctx.log(`${ctx.self.name}: ${how === 'not running' ? 'was not running' : `stopped (${how})`}`);
  return OCF.SUCCESS;
}

/** What the last monitor saw (HA_RSCTMP): the class, and since when the node is hung. */
interface LastSeen {
  class: string;
  hungSince?: number;
  /** since when the monitor reads busy in a row (bounded: decide.ts MAX_BUSY_MS) */
  busySince?: number;
}

function lastSeenPath(ctx: Ctx): string | undefined {
  const rsc = (ctx.io.env.OCF_RESOURCE_INSTANCE ?? '').replace(/:\d+$/, '');
  return rsc ? join(ctx.io.env.HA_RSCTMP ?? '/run/resource-agents', `colo-${rsc}.last`) : undefined;
}

function readLastSeen(ctx: Ctx): LastSeen | undefined {
  const p = lastSeenPath(ctx);
  try {
    return p ? (JSON.parse(readFileSync(p, 'utf8')) as LastSeen) : undefined;
  } catch {
    return undefined;
  }
}

function writeLastSeen(ctx: Ctx, seen: LastSeen | undefined): void {
  const p = lastSeenPath(ctx);
  if (!p) return;
  try {
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, seen ? JSON.stringify(seen) : '');
  } catch {
    /* only the grace below needs it */
  }
}

async function actMonitor(ctx: Ctx): Promise<OcfCode> {
  const { c } = await observeSelf(ctx);
  const pid = readPid(ctx.self);
  const last = readLastSeen(ctx);
  if (c.class === 'busy') {
    // another colo process holds the agent's monitor: the QEMU process says whether it lives; the last
    // verdict stands, the score untouched — for at most MAX_BUSY_MS in a row
    const now = Date.now();
    const busySince = last?.busySince ?? now;
    const v = busyVerdict(last?.class, pid === undefined ? undefined : processAlive(pid), busySince, now, c.detail);
    if (v.code === OCF.NOT_RUNNING) {
      setScore(ctx, undefined);
      writeLastSeen(ctx, undefined);
    } else writeLastSeen(ctx, { ...(last?.class ? { class: last.class } : { class: 'busy' }), busySince });
    ctx.log(`monitor: ${v.why}`);
    return v.code;
  }
  if (c.class === 'hung' && (last?.class === 'colo-primary' || last?.class === 'migrating')) {
    const since = last.hungSince ?? Date.now();
    writeLastSeen(ctx, { class: last.class, hungSince: since });
    const g = hungGrace(last.class, since, Date.now());
    ctx.log(`monitor: ${g.why}`);
    if (g.promoted) return OCF.RUNNING_PROMOTED;
  } else if (c.class !== 'hung') writeLastSeen(ctx, { class: c.class });
  const v = monitorVerdict(c, pid !== undefined && processAlive(pid));
  if (v.code === OCF.SUCCESS || v.code === OCF.RUNNING_PROMOTED) setScore(ctx, v.score);
  else if (v.code === OCF.NOT_RUNNING) setScore(ctx, undefined);
  if (v.code !== OCF.SUCCESS && v.code !== OCF.RUNNING_PROMOTED) ctx.log(`monitor: ${v.why}`);
  return v.code;
}

async function actPromote(ctx: Ctx, deadline: number): Promise<OcfCode> {
  const [self, peer] = await Promise.all([observeSelf(ctx), observePeer(ctx)]);
  const readAt = sinceStart();
  const d = promoteDecision(self.c, peer.c);
  ctx.log(`promote: ${d.why}`);
  switch (d.kind) {
    case 'done':
      break;
    case 'refuse':
      ctx.io.stderr.write(`ocf-exit-reason:promote refused: ${d.why}\n`);
      return OCF.ERR_GENERIC;
    case 'failover':
      await failover(ctx, self.observed, peer.observed, deadline, `Pacemaker promotes ${ctx.self.name}: ${ctx.peer.name} is fenced or stopped`);
      // where a failover's promote spends its time, in Pacemaker's log (docs/pacemaker.md, "How long a failover takes")
      ctx.log(`promote: ms since the process started: spec read ${ctx.specReadAt}, both nodes read ${readAt}, takeover done ${sinceStart()}`);
      break;
    case 'setup':
      await joinPeer(ctx, deadline);
      break;
    case 'run-alone':
      await runSteps(
        ctx,
        'run-alone',
        [qmp(ctx.self.name, 'cont', undefined, 'no peer to replicate to: the guest runs alone', 'VM prelaunch (-S)', { alreadyDone: 'running' })],
        deadline,
      );
      break;
  }
  setScore(ctx, monitorVerdict((await observeSelf(ctx)).c, true).score);
  return OCF.SUCCESS;
}

async function actDemote(ctx: Ctx): Promise<OcfCode> {
  const [self, peer] = await Promise.all([observeSelf(ctx), observePeer(ctx)]);
  const d = demoteDecision(self.c, peer.c);
  if (d.ok) {
    ctx.log(`demote: ${d.why}`);
    return OCF.SUCCESS;
  }
  ctx.io.stderr.write(`ocf-exit-reason:demote refused: ${d.why}\n`);
  return OCF.ERR_GENERIC;
}

/** The nodes Pacemaker names in a notification (OCF_RESKEY_CRM_meta_notify_<op>_uname). */
function notified(env: NodeJS.ProcessEnv, op: string): string[] {
  return (env[`OCF_RESKEY_CRM_meta_notify_${op}_uname`] ?? '').split(/\s+/).filter(Boolean);
}

async function actNotify(ctx: Ctx, deadline: number): Promise<OcfCode> {
  const env = ctx.io.env;
  const type = env.OCF_RESKEY_CRM_meta_notify_type;
  const op = env.OCF_RESKEY_CRM_meta_notify_operation;
  if (type !== 'post') return OCF.SUCCESS;
  let self = await observeSelf(ctx);
  if (op === 'stop' && self.c.class === 'hung' && readLastSeen(ctx)?.class === 'colo-primary') {
    // the primary's checkpoint still drains towards the secondary that was just fenced: its yank
    // helper cuts the connections to it out of band (Pacemaker stopped it: this is its failover), then wait
    if (notified(env, 'stop').includes(ctx.peer.name) && (await observePeer(ctx, 1000)).c.class !== 'colo-secondary') {
      const cut = await cutPeerConnections(ctx.spec, ctx.self, Math.min(ctx.qmpMs, 5000));
      ctx.log(
        cut.ok ? `the main loop is blocked: cut ${yankText(cut.cut) || 'nothing'} out of band` : `the main loop is blocked, no out-of-band cut: ${cut.why}`,
      );
    }
    while (self.c.class === 'hung' && Date.now() + ctx.qmpMs < deadline) self = await observeSelf(ctx);
  }
  if (!ownsGuest(self.c)) return OCF.SUCCESS;
  if (op === 'stop' && notified(env, 'stop').includes(ctx.peer.name) && (self.c.class === 'colo-primary' || self.c.class === 'migrating')) {
    // the secondary's instance stopped (or was fenced): the primary continues alone at once (a resume's
    // migration to it that never ends is cancelled: the plan says so)
    const peer = await observePeer(ctx, 1000);
    if (peer.c.class !== 'colo-secondary') {
      await failover(ctx, self.observed, peer.observed, deadline, `Pacemaker stopped ${ctx.peer.name}'s instance`);
      return OCF.SUCCESS;
    }
  }
  if (op === 'start' && notified(env, 'start').includes(ctx.peer.name)) return joinPeer(ctx, deadline, 10_000);
  if (op === 'promote') return joinPeer(ctx, deadline);
  return OCF.SUCCESS;
}

function actValidate(ctx: Ctx): OcfCode {
  const q = agentSocket(ctx.self);
  if (q && !existsSync(dirname(q))) ctx.log(`the agent's monitor directory ${dirname(q)} does not exist yet (start creates it)`);
  return OCF.SUCCESS;
}

/** An agent type Pacemaker takes, and a file name that stays in DIR/colo. */
const AGENT_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,79}$/;

/**
 * `colo ocf install [--dir DIR] [--name NAME]`: the wrapper as DIR/colo/NAME (Pacemaker's
 * ocf:colo:NAME, default colo), calling this CLI. One agent per pair, each with its spec baked in
 * (`--name colo-PAIR --spec FILE`, as `colo ocf config` references them), keeps the resources free of
 * instance attributes.
 */
function install(io: Io, o: { dir?: string; colo?: string; spec?: string; name?: string }): OcfCode {
  const dir = resolve(io.cwd, o.dir ?? '/usr/lib/ocf/resource.d');
  const colo = o.colo ?? io.env.COLO_BIN ?? 'colo';
  const name = o.name ?? 'colo';
  if (!AGENT_NAME.test(name)) {
    io.stderr.write(`colo: error OCF_NAME: --name ${JSON.stringify(name)} is not an agent type (a letter, then letters, digits, _ . -; at most 80)\n`);
    return OCF.ERR_GENERIC;
  }
  const target = join(dir, 'colo', name);
  mkdirSync(dirname(target), { recursive: true });
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  let text = OCF_WRAPPER.replace(/^COLO_DEFAULT=.*$/m, `COLO_DEFAULT=${quote(colo)}`);
  if (o.spec) text = text.replace(/^SPEC_DEFAULT=.*$/m, `SPEC_DEFAULT=${quote(resolve(io.cwd, o.spec))}`);
  writeFileSync(target, text);
  chmodSync(target, 0o755);
  io.stdout.write(
    `installed ${target} (ocf:colo:${name}), running ${colo}${o.spec ? ` with the spec ${resolve(io.cwd, o.spec)} when the resource names none` : ''}\n`,
  );
  return OCF.SUCCESS;
}

/** Runs one OCF action; resolves to its OCF exit code. */
export async function runAgent(
  io: Io,
  o: { action: string; file?: string; node?: string; dir?: string; colo?: string; spec?: string; name?: string },
): Promise<OcfCode> {
  const action = o.action;
  if (action === 'meta-data') {
    io.stdout.write(ocfMetaData());
    return OCF.SUCCESS;
  }
  if (action === 'install') return install(io, o);
  if (!(OCF_ACTIONS as readonly string[]).includes(action)) {
    io.stderr.write(`colo ocf: unknown action "${escapeControls(action)}" (actions: ${OCF_ACTIONS.join(', ')})\n`);
    return OCF.ERR_UNIMPLEMENTED;
  }
  const log = (s: string) => io.stderr.write(`colo ocf ${action}: ${s}\n`);
  try {
    const file = o.file ?? io.env.OCF_RESKEY_spec;
    if (!file) throw new ColoError("the resource needs the spec parameter (the pair's YAML file)", OCF.ERR_CONFIGURED, 'OCF_SPEC');
    let spec: Spec;
    let specReadAt = 0;
    try {
      const r = await readSpec(file, io);
      if (!r.spec) {
        io.stderr.write(renderProblems(r.problems, r.lines, false, r.omitted));
        throw new ColoError('', 1, r.problems.find((p) => p.severity === 'error')?.code ?? 'SCHEMA_INVALID');
      }
      spec = r.spec;
      specReadAt = sinceStart();
    } catch (e) {
      if (e instanceof ColoError)
        throw new ColoError(
          e.message || `${file} is not a valid pair spec`,
          existsSync(resolve(io.cwd, file)) ? OCF.ERR_CONFIGURED : OCF.ERR_INSTALLED,
          e.code,
        );
      throw e;
    }
    const here = o.node ?? localNodeName(io.env);
    // a node named by the resource (OCF_RESKEY_node) must be the spec's: otherwise the resource is misconfigured
    const named = !!io.env.OCF_RESKEY_node;
    if (!named && !spec.nodes.some((n) => n.name === here)) {
      // this host (crm_node -n) is outside the pair. Pacemaker probes every resource on every node, also where a location keeps it out: this
      // pair cannot run on a host outside it, so nothing of it runs here and nothing is to stop
      const why = `${here} is not a node of pair ${spec.name} (${spec.nodes.map((n) => n.name).join(', ')})`;
      if (action === 'monitor' || action === 'stop' || action === 'notify' || action === 'demote') {
        log(`${why}: nothing of the pair runs here`);
        return action === 'monitor' ? OCF.NOT_RUNNING : OCF.SUCCESS;
      }
      io.stderr.write(`ocf-exit-reason:colo ocf ${action}: ${why}\n`);
      return OCF.ERR_INSTALLED;
    }
    let self: NodeSpec;
    try {
      self = nodeOrFail(spec, here);
    } catch (e) {
      // a node parameter that names no node of the spec: the resource is misconfigured
      if (e instanceof ColoError) throw new ColoError(e.message, OCF.ERR_CONFIGURED, e.code);
      throw e;
    }
    const peer = spec.nodes.find((n) => n.name !== self.name)!;
    const budgetMs = budgetOf(io.env, action);
    const deadline = Date.now() + budgetMs - 1000;
    const ctx: Ctx = {
      io,
      spec,
      view: agentView(spec, self.name),
      self,
      peer,
      budgetMs,
      qmpMs: Math.max(500, Math.min(5000, Math.floor(budgetMs / 3))),
      specReadAt,
      log,
    };
    switch (action) {
      case 'validate-all':
        return actValidate(ctx);
      case 'start':
        return await actStart(ctx, deadline);
      case 'stop':
        return await actStop(ctx);
      case 'monitor':
        return await actMonitor(ctx);
      case 'promote':
        return await actPromote(ctx, deadline);
      case 'demote':
        return await actDemote(ctx);
      case 'notify':
        return await actNotify(ctx, deadline);
    }
    return OCF.ERR_UNIMPLEMENTED;
  } catch (e) {
    if (e instanceof ColoError) {
      // one line, nothing a terminal or Pacemaker's log would act on
      io.stderr.write(`ocf-exit-reason:colo ocf ${escapeControls(action)}: error ${e.code}: ${escapeControls(e.message)}\n`);
      return e.exitCode >= 2 && e.exitCode <= 9 ? (e.exitCode as OcfCode) : OCF.ERR_GENERIC;
    }
    io.stderr.write(`colo ocf ${escapeControls(action)}: ${escapeControls(String((e as Error).message))}\n`);
    return OCF.ERR_GENERIC;
  }
}
