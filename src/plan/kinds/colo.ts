import type { Change } from '../../diff/types.js';
import { migrationBusy } from '../../model/observed.js';
import { hostPort } from '../../addr/hosts.js';
import { primaryServerChardevs } from '../../model/tls.js';
import { channelsOnTls } from '../../spec/tls.js';
import { at, PHASE, qmp, wait, type KindContext, type Phased, type ResourceKindPlanner } from './context.js';
import { pausesAtSwitchover } from './switchover.js';

/**
 * A node's COLO mode. Entering it is the primary's migrate to its secondary, once the secondary's
 * chardevs are connected, proven by the migration reaching `colo` and both modes; leaving it is
 * x-colo-lost-heartbeat — on a secondary right after its NBD server stops, on a primary after its
 * child and filters are gone (QEMU's failover orders) — proven by mode none.
 */
export const coloKind: ResourceKindPlanner = {
  steps(changes: Change[], ctx: KindContext): Phased[] {
    const out: Phased[] = [];
    for (const c of changes) {
      const mode = c.after?.mode;
      const live = ctx.obs(c.node)?.colo?.mode ?? 'none';
      if (mode === 'primary') {
        const s = ctx.peer(c.node);
        const pause = pausesAtSwitchover(ctx, c.node);
        if (!migrationBusy(ctx.obs(c.node)?.migration?.status)) {
          const connected = ctx.spec.netdevs.flatMap((n) => [n.ids.secondaryMirrorChardev, n.ids.secondaryOutChardev]);
          out.push(
            at(PHASE.secondaryConnected)(
              wait(s.name, 'chardevs-connected', connected, ctx.timeouts.modeMs, `the secondary's ${connected.join(', ')} are connected to the primary`),
            ),
          );
          if (channelsOnTls(ctx.spec)) {
            // under TLS 1.3 a client end shows connected even when the server refused its certificate: the servers' ends tell
            const servers = primaryServerChardevs(ctx.spec);
            out.push(
              at(PHASE.secondaryConnected)(
                wait(
                  c.node,
                  'chardevs-connected',
                  servers,
                  ctx.timeouts.modeMs,
                  `${c.node}'s server ends ${servers.join(', ')} have completed their TLS handshakes`,
                  `QEMU logs nothing when a chardev's TLS handshake fails: check that ${s.name}'s client certificate is signed by ${c.node}'s CA${ctx.spec.tls!.allowedIdentities.length ? ' and is among allowedIdentities' : ''}, and that ${c.node}'s server certificate names ${ctx.node(c.node).host}`,
                ),
              ),
            );
          }
          const limit = ctx.spec.colo.resumeDowntimeLimitMs;
          if (pause && ctx.obs(c.node)?.migration?.downtimeLimit !== limit) {
            out.push(
              at(PHASE.switchoverPause)(
                qmp(
                  c.node,
                  'migrate-set-parameters',
                  { 'downtime-limit': limit },
                  `copy RAM until about ${limit} ms of it is left: the new secondary keeps up, and the switchover's stop (a disk flush through it) is short; back to QEMU's default once the node runs alone`,
                  `downtime-limit is not ${limit}`,
                ),
              ),
            );
          }
          if (pause && !ctx.obs(c.node)?.migration?.pauseBeforeSwitchover) {
            out.push(
              at(PHASE.switchoverPause)(
                qmp(
                  c.node,
                  'migrate-set-capabilities',
                  { capabilities: [{ capability: 'pause-before-switchover', state: true }] },
                  'stop the guest at the end of the RAM copy, before the switchover: colo-compare and the filters go on then, so what the guest answers while its RAM migrates leaves at once (QEMU keeps it on while COLO runs; it acts only on a migrate)',
                  'pause-before-switchover off',
                ),
              ),
            );
          }
          out.push(
            at(PHASE.migrate)(
              qmp(
                c.node,
                'migrate',
                { uri: `tcp:${hostPort(s.host, ctx.spec.ports.migration)}` },
                pause ? `send the VM to ${s.name}` : `send the VM to ${s.name} and enter COLO`,
                'no migration running',
              ),
            ),
          );
        }
        if (pause) {
          if (ctx.obs(c.node)?.migration?.status !== 'pre-switchover')
            out.push(
              at(PHASE.waitSwitchover)(
                wait(c.node, 'migration-status', 'pre-switchover', ctx.timeouts.migrationMs, 'the RAM is copied: the guest stops before the switchover'),
              ),
            );
          out.push(
            at(PHASE.switchover)(
              qmp(
                c.node,
                'migrate-continue',
                { state: 'pre-switchover' },
                `switch over and enter COLO: the last RAM and the device state go to ${s.name}, then both guests run`,
                'migration stopped before its switchover',
              ),
            ),
          );
        }
        out.push(
          at(PHASE.waitMigration)(
            wait(
              c.node,
              'migration-status',
              'colo',
              ctx.timeouts.migrationMs,
              'migration reaches status colo',
              channelsOnTls(ctx.spec)
                ? `on TLS a migration handshake the primary aborts (a name ${s.name}'s certificate lacks, a CA ${c.node} does not trust) ends ${s.name}'s QEMU ("load of migration failed"): launch it again (colo launch --node ${s.name}) once the certificates are right`
                : undefined,
            ),
          ),
        );
        out.push(at(PHASE.waitPrimary)(wait(c.node, 'colo-mode', 'primary', ctx.timeouts.modeMs, `${c.node} runs as COLO primary`)));
      } else if (mode === 'secondary') {
        out.push(at(PHASE.waitSecondary)(wait(c.node, 'colo-mode', 'secondary', ctx.timeouts.modeMs, `${c.node} runs as COLO secondary`)));
      } else if (mode === 'none' && live !== 'none') {
        const phase = live === 'secondary' ? PHASE.leaveSecondary : PHASE.leavePrimary;
        const what = live === 'secondary' ? `${c.node} takes over: COLO mode none, the VM runs on` : `${c.node} leaves COLO and runs alone`;
        out.push(at(phase)(qmp(c.node, 'x-colo-lost-heartbeat', undefined, what, `COLO mode ${live}`)));
        out.push(at(PHASE.waitAlone)(wait(c.node, 'colo-mode', 'none', ctx.timeouts.modeMs, `${c.node} runs alone`)));
      }
    }
    return out;
  },
};
