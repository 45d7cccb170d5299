import { failover } from '../ops/failover.js';
import { stepText } from '../plan/step-text.js';
import type { Io } from './io.js';
import { textOrJson, writeJson } from './json-out.js';
import { failoverJson } from '../render/json-docs.js';
import { loadSpecFile } from './load-file.js';
import { ms, peerTimeoutMs } from './options.js';

/** The fast path: read the survivor once, fail over, no confirmation, the dead node is not contacted. */
export async function cmdFailover(
  io: Io,
  o: {
    file: string;
    survivor: string;
    color: boolean;
    timeout?: string;
    peerTimeout?: string;
    journal?: string;
    force?: boolean;
    fence?: boolean;
    format?: string;
  },
): Promise<number> {
  const json = textOrJson(o.format) === 'json';
  const { spec } = await loadSpecFile(o.file, io, o.color);
  const r = await failover(io, spec, {
    survivor: o.survivor,
    timeoutMs: ms(o.timeout, 5000),
    peerTimeoutMs: peerTimeoutMs(o.peerTimeout),
    journal: o.journal,
    force: o.force,
    noFence: o.fence === false,
    onStep: (i, step, outcome) => json || io.stdout.write(`  ${String(i + 1).padStart(3)}. ${step.node}: ${stepText(step)} … ${outcome}\n`),
  });
  if (json) {
    writeJson(io, { command: 'failover', name: spec.name, ...failoverJson(r) });
    return 0;
  }
  if (r.outcome === 'already-alone') io.stdout.write(`${r.survivor} already runs alone (COLO mode none): nothing to fail over.\n`);
  else io.stdout.write(`${r.transition}: ${r.survivor} runs alone, ${r.steps} steps in ${r.ms} ms. Launch a new secondary and apply to resume.\n`);
  return 0;
}
