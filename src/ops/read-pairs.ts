// read pairs: every spec of a fleet through the one reader (caps, encoding, FIFO and device refusal,
// TLS files), each file's problems kept with it; the fleet's collisions join the later file.
// Many files are read in worker threads (read-worker.ts, the same readPair), a pool of one worker per
// core handed batches of files in turn; results are put back in file order, then the cross-file
// checks run here, so the outcome is the sequential one. Below WORKERS_FROM files, or without the
// worker entry (running from source), or with COLO_READ_WORKERS=0, the files are read here in turn.
// COLO_READ_WORKERS=N uses N workers whatever the count (tests, benches).
import { fleetCollisions } from '../fleet/collisions.js';
import type { Plan, Transition } from '../plan/types.js';
import type { Problem } from '../spec/errors.js';
import { parseYaml } from '../spec/parse.js';
import type { Spec } from '../spec/types.js';
import { ColoError } from './errors.js';
import { readSpec, type ReadEnv } from './read-spec.js';

export interface LoadedPair {
  file: string;
  /** metadata.name when the file could be read as a pair */
  name?: string;
  spec?: Spec;
  /** the file's problems (its own and the fleet's), errors and warnings */
  problems: Problem[];
  /** the file's lines, for showing the problems in place */
  lines: string[];
  /** problems left out past the limit */
  omitted: number;
  /** the offline plan of ReadPairsOptions.transition, when a worker made it with the read (dropped with the spec) */
  plan?: Plan;
}

export interface ReadPairsOptions {
  /** the worker threads also make each valid pair's offline plan of this transition (the caller makes the missing ones) */
  transition?: Transition;
}

/** Fewer files than this are read in this thread: a worker's start costs more than it saves on them. */
export const WORKERS_FROM = 200;
/** The worker entry beside the bundle (set by the CLI's entry); undefined when running from source. */
let workerEntry: string | undefined;
export function useReadWorkers(file: string): void {
  workerEntry = file;
}

function nameOf(text: string): string | undefined {
  const v = parseYaml(text).value as { metadata?: { name?: unknown } } | undefined;
  return typeof v?.metadata?.name === 'string' ? v.metadata.name : undefined;
}

/** Reads one pair's file as a result: a file that cannot be read is a problem of that file, never the fleet's. */
export async function readPair(file: string, env: ReadEnv): Promise<LoadedPair & { text?: string }> {
  try {
    const r = await readSpec(file, env);
    return {
      file,
      name: r.spec?.name ?? (r.text ? nameOf(r.text) : undefined),
      spec: r.spec,
      problems: r.problems,
      lines: r.lines,
      omitted: r.omitted,
      text: r.text,
    };
  } catch (e) {
    if (!(e instanceof ColoError)) throw e;
    const message = e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message;
    const p: Problem = { code: 'FILE_READ', message, path: '', file, pos: { line: 1, column: 1 }, severity: 'error' };
    return { file, problems: [p], lines: [], omitted: 0 };
  }
}

type Read = LoadedPair & { text?: string };

/** How many workers for `n` files: 0 reads them in this thread. */
async function workersFor(env: ReadEnv, files: string[]): Promise<number> {
  const asked = env.env.COLO_READ_WORKERS;
  if (asked === '0' || !workerEntry || files.includes('-')) return 0;
  const { existsSync } = await import('node:fs');
  if (!existsSync(workerEntry)) return 0;
  const forced = asked !== undefined && /^[1-9]\d*$/.test(asked) ? Number(asked) : undefined;
  if (forced === undefined && files.length < WORKERS_FROM) return 0;
  const cores = forced ?? (await import('node:os')).availableParallelism();
  return Math.max(1, Math.min(cores, 64, files.length));
}

/** Reads the files in `count` worker threads, batches handed to whichever worker is free; results in file order. */
async function readInWorkers(env: ReadEnv, files: string[], count: number, opts: ReadPairsOptions): Promise<Read[]> {
  const { Worker } = await import('node:worker_threads');
  const batch = Math.max(4, Math.min(64, Math.ceil(files.length / (count * 6))));
  const out: Read[] = new Array(files.length);
  const setup = { env: { cwd: env.cwd, env: { ...env.env } }, transition: opts.transition };
  const workers = Array.from({ length: count }, () => new Worker(workerEntry!, { workerData: setup }));
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((done, fail) => {
            let at = 0;
            const give = () => {
              if (next >= files.length) return done();
              at = next;
              next += batch;
              w.postMessage(files.slice(at, at + batch));
            };
            w.on('message', (m: { out?: Read[]; error?: string }) => {
              if (!m.out) return fail(new Error(`reading ${files[at]}…: ${m.error}`));
              m.out.forEach((r, i) => (out[at + i] = r));
              give();
            });
            w.on('error', fail);
            w.on('exit', (code) => fail(new Error(`the spec reader's worker exited (${code})`)));
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}

/**
 * Reads every file (in order); the fleet's collisions are problems of the later file, whose spec (and
 * plan) is then dropped. The same result whether workers read the files or this thread did.
 */
export async function readPairs(env: ReadEnv, files: string[], opts: ReadPairsOptions = {}): Promise<LoadedPair[]> {
  const count = await workersFor(env, files);
  let read: Read[];
  if (count) {
    read = await readInWorkers(env, files, count, opts);
    if (env.env.COLO_DEBUG) process.stderr.write(`colo: ${files.length} spec files read in ${count} worker threads\n`);
  } else {
    read = [];
    for (const f of files) read.push(await readPair(f, env));
  }
  const valid = read.filter((p) => p.spec);
  const collisions = fleetCollisions(valid.map((p) => ({ file: p.file, spec: p.spec!, locate: () => parseYaml(p.text!).locate })));
  for (const p of valid) {
    const mine = collisions.filter((c) => c.file === p.file);
    if (!mine.length) continue;
    p.problems.push(...mine);
    p.spec = undefined;
    p.plan = undefined;
  }
  return read.map(({ text: _t, ...p }) => p);
}
