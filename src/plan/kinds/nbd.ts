import type { Change } from '../../diff/types.js';
import { nbdServerTls } from '../../model/tls.js';
import { at, PHASE, qmp, type KindContext, type Phased, type ResourceKindPlanner } from './context.js';

/**
 * The secondary's NBD server: nbd-server-start (QEMU has no query for a bare server, so a server
 * with no export reads as absent and "already running" counts as done); nbd-server-stop removes it
 * with every export.
 */
export const nbdServerKind: ResourceKindPlanner = {
  steps(changes: Change[], ctx: KindContext): Phased[] {
    const out: Phased[] = [];
    for (const c of changes.filter((x) => x.action === 'create')) {
      const n = ctx.node(c.node);
      out.push(
        at(PHASE.nbdServer)(
          qmp(
            c.node,
            'nbd-server-start',
            { addr: { type: 'inet', data: { host: n.host, port: String(ctx.spec.ports.nbd) } }, ...nbdServerTls(ctx.spec) },
            `serve the secondary's parent disks over NBD on ${n.host}:${ctx.spec.ports.nbd}`,
            'no NBD export is served',
            { alreadyDone: 'already running' },
          ),
        ),
      );
    }
    for (const c of changes.filter((x) => x.action === 'delete')) {
      out.push(
        at(PHASE.nbdStop)(qmp(c.node, 'nbd-server-stop', undefined, 'stop serving the parent disks', 'NBD server running', { alreadyDone: 'not running' })),
      );
    }
    return out;
  },
};

/** One writable export per parent disk, for the primary's replication child. */
export const nbdExportKind: ResourceKindPlanner = {
  steps(changes: Change[], ctx: KindContext): Phased[] {
    const out: Phased[] = [];
    for (const c of changes.filter((x) => x.action === 'create')) {
      const args = ctx.profile.nbdExport === 'nbd-server-add' ? { device: c.id, writable: true } : { type: 'nbd', id: c.id, 'node-name': c.id, writable: true };
      out.push(at(PHASE.nbdExport)(qmp(c.node, ctx.profile.nbdExport, args, `export ${c.id} writable for the primary's replication`, `export ${c.id} absent`)));
    }
    // a deleted export goes with nbd-server-stop: one per node, unless the server's own change stops it
    const serverStops = new Set(ctx.changes.filter((x) => x.kind === 'nbd-server' && x.action === 'delete').map((x) => x.node));
    const nodes = new Set(changes.filter((x) => x.action === 'delete' && !serverStops.has(x.node)).map((x) => x.node));
    for (const node of nodes) {
      out.push(
        at(PHASE.nbdStop)(qmp(node, 'nbd-server-stop', undefined, 'stop serving the parent disks', 'NBD server running', { alreadyDone: 'not running' })),
      );
    }
    return out;
  },
};
