import { diskIds, resyncJobId } from '../spec/ids.js';
import type { Hook, NodeSpec } from '../spec/types.js';
import { driveAddCommand, hostPort, nbdTarget } from '../model/disk.js';
import { chardevAddArgs, objectAddArgs, type ObjectDef } from '../model/nic.js';
import { nicRoles } from '../model/node-role.js';
import { shellLine } from '../model/shell-quote.js';
import { addressOf } from '../model/state.js';
import type { PlanContext } from './context.js';
import type { HookStep, QmpStep, Step, WaitStep } from './types.js';

const hmp = (node: string, line: string, description: string, precondition?: string): QmpStep => ({
  node,
  execute: 'human-monitor-command',
  arguments: { 'command-line': line },
  description,
  precondition,
});

function wait(node: string, kind: WaitStep['wait'], until: WaitStep['until'], timeoutMs: number, description: string): WaitStep {
  return { node, wait: kind, until, timeoutMs, description };
}

export function hookSteps(hooks: Hook[], node: string, env: Record<string, string>): HookStep[] {
  return hooks.map((h) => ({ node, hook: h.name, run: h.run, timeoutMs: h.timeoutMs, env, description: `run hook ${h.name}: ${shellLine(h.run)}` }));
}

/** Secondary side of any setup: x-colo (8.1+), NBD server, one export per disk. */
function secondaryNbd(ctx: PlanContext, s: NodeSpec): Step[] {
  const out: Step[] = [];
  if (ctx.profile.secondaryXColo && ctx.get(addressOf(s.name, 'capability', 'x-colo'))?.value.state !== true) {
    out.push({ node: s.name, execute: 'migrate-set-capabilities', arguments: { capabilities: [{ capability: 'x-colo', state: true }] }, description: 'enable COLO on the secondary (QEMU 8.1+)', precondition: 'x-colo is off' });
  }
  const exportsMissing = ctx.spec.disks.some((_d, i) => !ctx.has(addressOf(s.name, 'nbd-export', diskIds(i).parent)));
  if (!ctx.has(addressOf(s.name, 'nbd-server', 'nbd-server')) && exportsMissing) {
    out.push({
      node: s.name,
      execute: 'nbd-server-start',
      arguments: { addr: { type: 'inet', data: { host: s.host, port: String(ctx.spec.ports.nbd) } } },
      description: `serve the secondary's parent disks over NBD on ${s.host}:${ctx.spec.ports.nbd}`,
      precondition: 'no NBD export is served (QEMU has no query for a bare server; "already running" counts as done)',
      alreadyDone: 'already running',
    });
  }
  ctx.spec.disks.forEach((_d, i) => {
    const name = diskIds(i).parent;
    if (ctx.has(addressOf(s.name, 'nbd-export', name))) return;
    out.push({ node: s.name, execute: ctx.profile.nbdExport, arguments: { device: name, writable: true }, description: `export ${name} writable for the primary's replication`, precondition: `export ${name} absent` });
  });
  return out;
}

/** The primary's replication children (drive_add + x-blockdev-change), one per disk. */
function attachReplication(ctx: PlanContext, p: NodeSpec, s: NodeSpec): Step[] {
  const out: Step[] = [];
  ctx.spec.disks.forEach((d, i) => {
    const ids = diskIds(i);
    const attached = ctx.has(addressOf(p.name, 'block-child', `${d.id}/children.1`));
    if (attached) return;
    const present = ctx.has(addressOf(p.name, 'block-node', ids.replication));
    // left by an interrupted apply, connected to an export this secondary does not serve: a relaunched secondary
    const stale = present && !ctx.has(addressOf(s.name, 'nbd-export', ids.parent));
    if (stale) out.push(hmp(p.name, `drive_del ${ids.replication}`, `delete ${ids.replication}: its NBD connection went to an earlier ${s.name}`, `${ids.replication} detached, ${s.name} exports no ${ids.parent}`));
    if (!present || stale) {
      out.push(hmp(p.name, driveAddCommand(s, ctx.spec, i), `add ${ids.replication}: replication to ${nbdTarget(s, ctx.spec, i)}`, `block node ${ids.replication} absent`));
    }
    out.push({ node: p.name, execute: 'x-blockdev-change', arguments: { parent: d.id, node: ids.replication }, description: `attach ${ids.replication} to ${d.id} as children.1`, precondition: `${d.id} has no replication child` });
  });
  return out;
}

/** Migration capability, checkpoint delay (before migrate: later it forces a checkpoint), migrate, and the waits. */
function startColo(ctx: PlanContext, p: NodeSpec, s: NodeSpec): Step[] {
  const out: Step[] = [];
  const po = ctx.obs(p.name);
  const migrating = ['setup', 'active', 'device', 'pre-switchover', 'colo'].includes(po?.migration?.status ?? '');
  if (ctx.get(addressOf(p.name, 'capability', 'x-colo'))?.value.state !== true) {
    out.push({ node: p.name, execute: 'migrate-set-capabilities', arguments: { capabilities: [{ capability: 'x-colo', state: true }] }, description: 'enable COLO on the primary', precondition: 'x-colo is off' });
  }
  const delay = ctx.spec.colo.checkpointDelayMs;
  if (ctx.get(addressOf(p.name, 'parameter', 'x-checkpoint-delay'))?.value.value !== delay && !migrating) {
    out.push({ node: p.name, execute: 'migrate-set-parameters', arguments: { 'x-checkpoint-delay': delay }, description: `checkpoint every ${delay} ms (set before migrate: on a running pair it forces a checkpoint)`, precondition: `x-checkpoint-delay is not ${delay}` });
  }
  if (!migrating) {
    const connected = ctx.spec.netdevs.flatMap((n) => [n.ids.secondaryMirrorChardev, n.ids.secondaryOutChardev]);
    out.push(wait(s.name, 'chardevs-connected', connected, ctx.timeouts.modeMs, `the secondary's ${connected.join(', ')} are connected to the primary`));
    out.push({ node: p.name, execute: 'migrate', arguments: { uri: `tcp:${hostPort(s.host, ctx.spec.ports.migration)}` }, description: `send the VM to ${s.name} and enter COLO`, precondition: 'no migration running' });
  }
  out.push(wait(p.name, 'migration-status', 'colo', ctx.timeouts.migrationMs, 'migration reaches status colo'));
  out.push(wait(s.name, 'colo-mode', 'secondary', ctx.timeouts.modeMs, `${s.name} runs as COLO secondary`));
  out.push(wait(p.name, 'colo-mode', 'primary', ctx.timeouts.modeMs, `${p.name} runs as COLO primary`));
  return out;
}

/**
 * Filters missing from a chain, each inserted at its place: before what follows the last present
 * predecessor, else before the first present successor (a survivor's rew0 stays last).
 */
function addFilters(ctx: PlanContext, node: string, netdev: string, wanted: ObjectDef[]): Step[] {
  const observedOrder = [...((ctx.get(addressOf(node, 'filter-order', netdev))?.value.order as string[] | undefined) ?? [])];
  const wantedIds = wanted.map((f) => f.id);
  const out: Step[] = [];
  wanted.forEach((f, k) => {
    if (observedOrder.includes(f.id)) return;
    const prev = [...wantedIds.slice(0, k)].reverse().find((id) => observedOrder.includes(id));
    let pos: { insert: 'before' | 'behind'; position: string } | undefined;
    let at: number;
    if (prev !== undefined) {
      const i = observedOrder.indexOf(prev);
      const next = observedOrder[i + 1];
      pos = next ? { insert: 'before', position: `id=${next}` } : { insert: 'behind', position: `id=${prev}` };
      at = i + 1;
    } else {
      const next = wantedIds.slice(k + 1).find((id) => observedOrder.includes(id)) ?? observedOrder[0];
      pos = next ? { insert: 'before', position: `id=${next}` } : undefined;
      at = next ? observedOrder.indexOf(next) : observedOrder.length;
    }
    observedOrder.splice(at, 0, f.id);
    out.push({ node, execute: 'object-add', arguments: objectAddArgs(f, pos), description: `add ${f.qomType} ${f.id} on ${netdev}${pos ? ` (${pos.insert} ${pos.position})` : ''}`, precondition: `object ${f.id} absent` });
  });
  return out;
}

/** Every primary chardev and object that is missing on `p` (a resume adds them all; drift repair some). */
export function primaryNetSteps(ctx: PlanContext, p: NodeSpec): { chardevs: Step[]; objects: Step[] } {
  const chardevs: Step[] = [];
  const objects: Step[] = [];
  nicRoles(ctx.spec, p, 'primary', p).forEach((nic, i) => {
    const netdev = ctx.spec.netdevs[i].id;
    for (const c of nic.chardevs) {
      if (!ctx.has(addressOf(p.name, 'chardev', c.id))) {
        chardevs.push({ node: p.name, execute: 'chardev-add', arguments: chardevAddArgs(c, ctx.profile), description: `add chardev ${c.id} (${c.server ? 'server' : 'client'} ${c.host}:${c.port})`, precondition: `chardev ${c.id} absent` });
      }
    }
    const filters = nic.objects.filter((o) => nic.filterOrder.includes(o.id));
    objects.push(...addFilters(ctx, p.name, netdev, filters));
    for (const o of nic.objects.filter((x) => !nic.filterOrder.includes(x.id))) {
      if (!ctx.has(addressOf(p.name, 'object', o.id))) {
        objects.push({ node: p.name, execute: 'object-add', arguments: objectAddArgs(o), description: `add ${o.qomType} ${o.id}`, precondition: `object ${o.id} absent` });
      }
    }
  });
  return { chardevs, objects };
}

export function secondaryNetSteps(ctx: PlanContext, s: NodeSpec, p: NodeSpec): Step[] {
  const out: Step[] = [];
  nicRoles(ctx.spec, s, 'secondary', p).forEach((nic, i) => {
    for (const c of nic.chardevs) {
      if (!ctx.has(addressOf(s.name, 'chardev', c.id))) {
        out.push({ node: s.name, execute: 'chardev-add', arguments: chardevAddArgs(c, ctx.profile), description: `add chardev ${c.id} (client of ${c.host}:${c.port})`, precondition: `chardev ${c.id} absent` });
      }
    }
    out.push(...addFilters(ctx, s.name, ctx.spec.netdevs[i].id, nic.objects));
  });
  return out;
}

export function setupSteps(ctx: PlanContext, p: NodeSpec, s: NodeSpec): Step[] {
  return [...secondaryNbd(ctx, s), ...attachReplication(ctx, p, s), ...startColo(ctx, p, s)];
}

/** Survivor `x` (running alone) becomes primary of the newly launched secondary `y`. */
export function resumeSteps(ctx: PlanContext, x: NodeSpec, y: NodeSpec, transition: 'secondary-resume' | 'primary-resume'): Step[] {
  const out: Step[] = [];
  const env = { COLO_PAIR: ctx.spec.name, COLO_PRIMARY: x.name, COLO_SECONDARY: y.name, COLO_TRANSITION: transition };
  out.push(...hookSteps(ctx.spec.hooks.beforeResume, x.name, env));
  const net = primaryNetSteps(ctx, x);
  out.push(...net.chardevs);
  out.push(...secondaryNbd(ctx, y));
  const xo = ctx.obs(x.name);
  const pending = ctx.spec.disks.map((d, i) => ({ d, i })).filter(({ d }) => !ctx.has(addressOf(x.name, 'block-child', `${d.id}/children.1`)));
  for (const { d, i } of pending) {
    const job = resyncJobId(i);
    if (xo.jobs.some((j) => j.id === job)) continue;
    out.push({
      node: x.name,
      execute: 'drive-mirror',
      arguments: { device: d.id, 'job-id': job, target: nbdTarget(y, ctx.spec, i), mode: 'existing', format: 'raw', sync: 'full' },
      description: `copy ${d.id} to ${y.name}'s ${diskIds(i).parent}`,
      precondition: `no job ${job} and no replication child on ${d.id}`,
    });
  }
  for (const { i } of pending) out.push(wait(x.name, 'block-job-ready', resyncJobId(i), ctx.timeouts.resyncMs, `${resyncJobId(i)} has copied everything (ready)`));
  if (pending.length > 0) {
    if (xo.runstate === 'running') out.push({ node: x.name, execute: 'stop', description: 'pause the VM so the disks stay identical until COLO starts (migrate resumes it)', precondition: 'VM running' });
    for (const { i } of pending) {
      out.push({ node: x.name, execute: 'block-job-cancel', arguments: { device: resyncJobId(i) }, description: `end ${resyncJobId(i)} (a cancelled ready mirror leaves the copy complete)`, precondition: `job ${resyncJobId(i)} exists` });
      out.push(wait(x.name, 'block-job-gone', resyncJobId(i), ctx.timeouts.modeMs, `${resyncJobId(i)} has ended`));
    }
  }
  out.push(...attachReplication(ctx, x, y));
  out.push(...net.objects);
  out.push(...startColo(ctx, x, y));
  return out;
}

/** The primary died: the secondary `s` takes over (QEMU's order: NBD off, heartbeat lost, filters and chardevs out). */
export function secondaryFailoverSteps(ctx: PlanContext, s: NodeSpec, dead: NodeSpec): Step[] {
  const out: Step[] = [];
  const so = ctx.obs(s.name);
  const hasExports = ctx.spec.disks.some((_d, i) => ctx.has(addressOf(s.name, 'nbd-export', diskIds(i).parent))) || ctx.has(addressOf(s.name, 'nbd-server', 'nbd-server'));
  if (hasExports) out.push({ node: s.name, execute: 'nbd-server-stop', description: 'stop serving the parent disks', precondition: 'NBD server running', alreadyDone: 'not running' });
  if (so.colo?.mode === 'secondary') out.push({ node: s.name, execute: 'x-colo-lost-heartbeat', description: `${s.name} takes over: COLO mode none, the VM runs on`, precondition: 'COLO mode secondary' });
  for (const nic of nicRoles(ctx.spec, s, 'secondary', dead)) {
    // the redirectors go (f2, then f1); the rewriter stays: a resume inserts the primary's filters before it
    for (const o of nic.objects.filter((x) => x.qomType === 'filter-redirector').reverse()) {
      if (ctx.has(addressOf(s.name, 'object', o.id))) out.push({ node: s.name, execute: 'object-del', arguments: { id: o.id }, description: `remove ${o.qomType} ${o.id}`, precondition: `object ${o.id} present` });
    }
    for (const c of [...nic.chardevs].reverse()) {
      if (ctx.has(addressOf(s.name, 'chardev', c.id))) out.push({ node: s.name, execute: 'chardev-remove', arguments: { id: c.id }, description: `remove chardev ${c.id}`, precondition: `chardev ${c.id} present` });
    }
  }
  out.push(wait(s.name, 'colo-mode', 'none', ctx.timeouts.modeMs, `${s.name} runs alone`));
  out.push(...hookSteps(ctx.spec.hooks.afterFailover, s.name, { COLO_PAIR: ctx.spec.name, COLO_SURVIVOR: s.name, COLO_FAILED: dead.name, COLO_TRANSITION: 'secondary-failover' }));
  return out;
}

/** The secondary died: the primary `p` drops replication and compare, then leaves COLO. */
export function primaryFailoverSteps(ctx: PlanContext, p: NodeSpec, dead: NodeSpec): Step[] {
  const out: Step[] = [];
  const po = ctx.obs(p.name);
  ctx.spec.disks.forEach((d, i) => {
    const ids = diskIds(i);
    const child = Object.values(po.resources).find((r) => r.kind === 'block-child' && r.id.startsWith(`${d.id}/`) && r.value.node === ids.replication);
    if (child) {
      const name = child.id.slice(d.id.length + 1);
      out.push({ node: p.name, execute: 'x-blockdev-change', arguments: { parent: d.id, child: name }, description: `detach ${ids.replication} (${name}, read from the live block graph) from ${d.id}`, precondition: `${ids.replication} attached` });
    }
    if (ctx.has(addressOf(p.name, 'block-node', ids.replication))) out.push(hmp(p.name, `drive_del ${ids.replication}`, `delete block node ${ids.replication}`, `${ids.replication} exists`));
  });
  for (const nic of nicRoles(ctx.spec, p, 'primary', p)) {
    const byId = new Map(nic.objects.map((o) => [o.id, o]));
    const compare = nic.objects.filter((o) => o.qomType === 'colo-compare' || o.qomType === 'iothread').reverse();
    const filters = nic.filterOrder.map((id) => byId.get(id)!);
    for (const o of [...compare, ...filters]) {
      if (ctx.has(addressOf(p.name, 'object', o.id))) out.push({ node: p.name, execute: 'object-del', arguments: { id: o.id }, description: `remove ${o.qomType} ${o.id}`, precondition: `object ${o.id} present` });
    }
  }
  if (po.colo?.mode === 'primary') out.push({ node: p.name, execute: 'x-colo-lost-heartbeat', description: `${p.name} leaves COLO and runs alone`, precondition: 'COLO mode primary' });
  out.push(wait(p.name, 'colo-mode', 'none', ctx.timeouts.modeMs, `${p.name} runs alone`));
  out.push(...hookSteps(ctx.spec.hooks.afterFailover, p.name, { COLO_PAIR: ctx.spec.name, COLO_SURVIVOR: p.name, COLO_FAILED: dead.name, COLO_TRANSITION: 'primary-failover' }));
  return out;
}

/** Steady state: parameter drift and missing network pieces, repaired in place. */
export function steadySteps(ctx: PlanContext, p: NodeSpec, s: NodeSpec): Step[] {
  const out: Step[] = [];
  const net = primaryNetSteps(ctx, p);
  out.push(...net.chardevs, ...net.objects);
  out.push(...secondaryNetSteps(ctx, s, p));
  const delay = ctx.spec.colo.checkpointDelayMs;
  if (ctx.get(addressOf(p.name, 'parameter', 'x-checkpoint-delay'))?.value.value !== delay) {
    out.push({ node: p.name, execute: 'migrate-set-parameters', arguments: { 'x-checkpoint-delay': delay }, description: `checkpoint every ${delay} ms (takes a checkpoint at once)`, precondition: `x-checkpoint-delay is not ${delay}` });
  }
  return out;
}
