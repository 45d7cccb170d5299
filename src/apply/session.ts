import type { Spec } from '../spec/types.js';
import { connectNode } from '../observe/observe.js';
import type { QmpClient } from '../qmp/client.js';
import type { Journal } from './journal.js';

/** Open QMP connections to the nodes of a pair, every command journaled. */
export class Session {
  private readonly clients = new Map<string, Promise<QmpClient>>();

  constructor(
    readonly spec: Spec,
    readonly journal: Journal,
    readonly timeoutMs: number,
  ) {}

  client(node: string): Promise<QmpClient> {
    let c = this.clients.get(node);
    if (!c) {
      const spec = this.spec.nodes.find((n) => n.name === node)!;
      c = connectNode(spec, {
        connectTimeoutMs: this.timeoutMs,
        commandTimeoutMs: this.timeoutMs,
        onResult: (cmd, args, result) => {
          if (cmd !== 'qmp_capabilities') this.journal.qmp(node, cmd, args, result);
        },
      });
      c.catch(() => this.clients.delete(node));
      this.clients.set(node, c);
    }
    return c;
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close()).catch(() => undefined)));
  }
}
