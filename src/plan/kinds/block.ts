import type { Change } from '../../diff/types.js';
import { driveAddCommand, nbdChildArgs, nbdTarget } from '../../model/disk.js';
import { resource } from '../../model/state.js';
import { resyncTarget } from '../../model/tls.js';
import { diskIds, resyncJobId } from '../../spec/ids.js';
import type { QmpStep } from '../types.js';
import { at, hmp, PHASE, qmp, wait, type KindContext, type Phased, type ResourceKindPlanner } from './context.js';

/** drive-mirror's target, mode and format, in the order QEMU's documents write them */
function mirrorTarget(t: { target: string; format?: string }): Record<string, string> {
  return { target: t.target, mode: 'existing', ...(t.format ? { format: t.format } : {}) };
}

/** drive_del for a node drive_add made (the replication driver), blockdev-del for a blockdev-add one. */
function deleteNode(node: string, id: string, driver: string | undefined, why: string): QmpStep {
  const effect = { effect: { absent: 'block-node' as const, id } };
  return driver === 'replication'
    ? hmp(node, `drive_del ${id}`, why, `block node ${id} exists`, effect)
    : qmp(node, 'blockdev-del', { 'node-name': id }, why, `block node ${id} exists`, effect);
}

/**
 * The primary's replication child of each disk (children.1 of its quorum). Created as a whole: the
 * disk is first copied to the secondary's export (drive-mirror until ready, then cancelled: the copy
 * is complete), so the secondary's disk is the primary's before COLO starts, at setup and at a resume
 * alike; then the child is added and attached. A running guest is paused from the end of the copy
 * to the attach; with the plain NBD child it runs on at once (writes reach the secondary from then
 * on), with the replication driver it stays paused until migrate (that driver refuses writes before
 * COLO starts). Removed by detaching the child named in the live block graph.
 */
export const blockChildKind: ResourceKindPlanner = {
  steps(changes: Change[], ctx: KindContext): Phased[] {
    const out: Phased[] = [];
    const creates = changes.filter((c) => c.action === 'create' && c.id.endsWith('/children.1'));
    const byNode = new Map<string, Change[]>();
    for (const c of creates) byNode.set(c.node, [...(byNode.get(c.node) ?? []), c]);
    for (const [node, list] of byNode) {
      const o = ctx.obs(node);
      const peer = ctx.peer(node);
      const disks = list.map((c) => {
        const i = ctx.spec.disks.findIndex((d) => c.id === `${d.id}/children.1`);
        return { c, i, d: ctx.spec.disks[i], job: resyncJobId(i) };
      });
      for (const { d, i, job } of disks) {
        const live = o?.jobs.find((j) => j.id === job);
        // a copy already under way is waited for, unless it writes to an earlier secondary (whose export
        // this plan makes anew) or stopped: then it is ended and the copy starts over
        const fresh = ctx.creates(resource(peer.name, 'nbd-export', diskIds(i).parent, {}).address);
        if (live && !fresh && (live.status === 'running' || live.status === 'ready')) continue;
        if (live) {
          out.push(
            at(PHASE.resync)(
              qmp(
                node,
                'block-job-cancel',
                { device: job, force: true },
                `end ${job}: it copies to an earlier ${peer.name}, or stopped (${live.status})`,
                `job ${job} exists`,
              ),
            ),
          );
          out.push(at(PHASE.resync)(wait(node, 'block-job-gone', job, ctx.timeouts.modeMs, `${job} has ended`)));
        }
        out.push(
          at(PHASE.resync)(
            qmp(
              node,
              'drive-mirror',
              { device: d.id, 'job-id': job, ...mirrorTarget(resyncTarget(peer, ctx.spec, i)), sync: 'full' },
              `copy ${d.id} to ${peer.name}'s ${diskIds(i).parent}, so both disks are the same before COLO starts`,
              `no job ${job} and no replication child on ${d.id}`,
            ),
          ),
        );
      }
      for (const { job } of disks)
        out.push(at(PHASE.resync)(wait(node, 'block-job-ready', job, ctx.timeouts.resyncMs, `${job} has copied everything (ready)`)));
      const running = o?.runstate === 'running';
      // paused by an earlier, interrupted run of this plan: it runs on after the attach as if stopped here
      const paused = o?.runstate === 'paused';
      if (running) {
        const why =
          ctx.profile.primaryChild === 'nbd'
            ? 'pause the VM while the copy ends and the child is attached'
            : 'pause the VM until COLO starts: the replication driver refuses writes before then (migrate resumes it)';
        out.push(at(PHASE.resync)(qmp(node, 'stop', undefined, why, 'VM running')));
      }
      for (const { job } of disks) {
        out.push(
          at(PHASE.resync)(
            qmp(node, 'block-job-cancel', { device: job }, `end ${job} (a cancelled ready mirror leaves the copy complete)`, `job ${job} exists`),
          ),
        );
        out.push(at(PHASE.resync)(wait(node, 'block-job-gone', job, ctx.timeouts.modeMs, `${job} has ended`)));
      }
      for (const { d, i } of disks) {
        const ids = diskIds(i);
        // a node an interrupted apply left unattached: its NBD connection may go to an earlier secondary
        for (const id of [ids.replication, ids.nbd]) {
          const left = o?.resources[resource(node, 'block-node', id, {}).address];
          if (left) out.push(at(PHASE.attach)(deleteNode(node, id, String(left.value.driver), `delete ${id}, left unattached by an earlier apply`)));
        }
        const name = ctx.profile.primaryChild === 'nbd' ? ids.nbd : ids.replication;
        out.push(
          at(PHASE.attach)(
            ctx.profile.primaryChild === 'nbd'
              ? qmp(
                  node,
                  'blockdev-add',
                  nbdChildArgs(peer, ctx.spec, i),
                  `add ${name}: an NBD node writing to ${nbdTarget(peer, ctx.spec, i)}`,
                  `block node ${name} absent`,
                )
              : hmp(node, driveAddCommand(peer, ctx.spec, i), `add ${name}: replication to ${nbdTarget(peer, ctx.spec, i)}`, `block node ${name} absent`),
          ),
        );
        out.push(
          at(PHASE.attach)(
            qmp(node, 'x-blockdev-change', { parent: d.id, node: name }, `attach ${name} to ${d.id} as children.1`, `${d.id} has no replication child`),
          ),
        );
      }
      if ((running || paused) && ctx.profile.primaryChild === 'nbd') {
        out.push(at(PHASE.resumeGuest)(qmp(node, 'cont', undefined, 'the guest runs on: from now on its writes reach the secondary too', 'VM paused')));
      }
    }
    for (const c of changes.filter((x) => x.action === 'delete')) {
      const name = c.id.slice(c.id.indexOf('/') + 1);
      const parent = c.id.slice(0, c.id.indexOf('/'));
      const child = String(ctx.live(c.address)?.value.node ?? '');
      out.push(
        at(PHASE.detach)(
          qmp(
            c.node,
            'x-blockdev-change',
            { parent, child: name },
            `detach ${child} (${name}, read from the live block graph) from ${parent}`,
            `${child} attached`,
          ),
        ),
      );
    }
    return out;
  },
};

/** Named block nodes colo added (the primary's child): removed after their detach, by the command that matches how they were added. */
export const blockNodeKind: ResourceKindPlanner = {
  steps(changes: Change[], ctx: KindContext): Phased[] {
    return changes
      .filter((c) => c.action === 'delete')
      .map((c) => at(PHASE.blockNodeDelete)(deleteNode(c.node, c.id, String(ctx.live(c.address)?.value.driver), `delete block node ${c.id}`)));
  },
};
