import type { Spec } from '../spec/types.js';
import { connectNode } from '../observe/observe.js';
import { vmPauses, type QmpClient } from '../qmp/client.js';
import type { Journal } from './journal.js';
import { trace } from '../sys/trace.js';

/** Open QMP connections to the nodes of a pair, every command journaled. */
export class Session {
  private readonly clients = new Map<string, Promise<QmpClient>>();
  /** pauses seen on connections already closed (releaseMonitors) */
  private readonly earlier: Record<string, number[]> = {};

  constructor(
    readonly spec: Spec,
    readonly journal: Journal,
    readonly timeoutMs: number,
  ) {}

  /** The node's connection, opened on first use (bounded by `connectTimeoutMs`, default the session's bound). */
  client(node: string, connectTimeoutMs = this.timeoutMs): Promise<QmpClient> {
    let c = this.clients.get(node);
    if (!c) {
      const spec = this.spec.nodes.find((n) => n.name === node)!;
      c = connectNode(spec, {
        connectTimeoutMs,
        commandTimeoutMs: this.timeoutMs,
        onResult: (cmd, args, result) => {
          if (cmd !== 'qmp_capabilities') this.journal.qmp(node, cmd, args, result);
        },
      });
      void c.then(
        () => trace(`session: ${node} connected`),
        () => undefined,
      );
      // a failed connect is forgotten, unless another has taken its place (releaseMonitors, drop)
      const mine = c;
      c.catch(() => {
        if (this.clients.get(node) === mine) this.clients.delete(node);
      });
      this.clients.set(node, c);
    }
    return c;
  }

  /**
   * The guest's pauses QEMU reported on each node while this session was connected (STOP → RESUME
   * events, by QEMU's clock), in ms: a resume's pause, a checkpoint's.
   */
  async pauses(): Promise<Record<string, number[]>> {
    const out: Record<string, number[]> = Object.fromEntries(Object.entries(this.earlier).map(([n, l]) => [n, [...l]]));
    for (const [node, p] of this.clients) {
      const c = await p.catch(() => undefined);
      if (!c) continue;
      // a pause still open as the steps end (COLO starting resumes the VM just after its mode shows)
      const events = c.events();
      const last = events.filter((e) => e.event === 'STOP' || e.event === 'RESUME').at(-1);
      if (last?.event === 'STOP') await c.waitForEvent('RESUME', () => true, { timeoutMs: 3000, since: events.length }).catch(() => undefined);
      const list = vmPauses(c.events());
      if (list.length) out[node] = [...(out[node] ?? []), ...list];
    }
    return out;
  }

  /**
   * Closes the connections (their pauses kept), so that no monitor stays held while colo runs
   * something else (a hook, a fence) for an unbounded time: another colo process — a failover on
   * the peer host — would get no greeting and read a live node as hung. The next QMP step
   * connects again.
   */
  async releaseMonitors(): Promise<void> {
    const all = [...this.clients.entries()];
    this.clients.clear();
    await Promise.all(
      all.map(async ([node, p]) => {
        const c = await p.catch(() => undefined);
        if (!c) return;
        const list = vmPauses(c.events());
        if (list.length) this.earlier[node] = [...(this.earlier[node] ?? []), ...list];
        await c.close().catch(() => undefined);
      }),
    );
  }

  /** Closes one node's connection (it failed a read): the next use connects again. */
  async drop(node: string): Promise<void> {
    const c = this.clients.get(node);
    this.clients.delete(node);
    await c?.then((x) => x.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close()).catch(() => undefined)));
  }
}
