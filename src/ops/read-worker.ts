// The spec reader's worker thread (dist/start/read-worker.cjs, dist/bundle/read-worker.mjs): reads
// the batches of files read-pairs.ts hands it through the same readPair as the sequential path, and
// with `transition` the offline plan of each valid pair; the fleet's cross-file checks stay with the caller.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Transition } from '../plan/types.js';
import { offlinePlan } from './offline.js';
import { readPair } from './read-pairs.js';
import type { ReadEnv } from './read-spec.js';

export interface ReadWorkerSetup {
  env: ReadEnv;
  transition?: Transition;
  /** build time only (npm run build): read these files once and return, so V8's code cache keeps what ran */
  warm?: string[];
}

/** Reads a batch of files as readPairs would, each valid pair's offline plan too when asked. */
export async function readBatch(files: string[], setup: ReadWorkerSetup) {
  const out = [];
  for (const f of files) {
    const r = await readPair(f, setup.env);
    out.push(setup.transition && r.spec ? { ...r, plan: offlinePlan(r.spec, setup.transition) } : r);
  }
  return out;
}

/** Answers each batch of files the pool posts with its results (or the error that stopped it). */
export function serve(setup: ReadWorkerSetup): void {
  parentPort!.on('message', async (files: string[]) => {
    try {
      parentPort!.postMessage({ out: await readBatch(files, setup) });
    } catch (e) {
      parentPort!.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}

if (!isMainThread && !(workerData as ReadWorkerSetup).warm) serve(workerData as ReadWorkerSetup);
