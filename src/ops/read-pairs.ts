// read pairs: every spec of a fleet through the one reader (caps, encoding, FIFO and device refusal,
// TLS files), each file's problems kept with it; the fleet's collisions join the later file.
// Many files are read in worker threads (read-worker.ts, the same readPair) and this one, a pool of one
// thread per core handed batches of files in turn; results are put back in file order, then the cross-file
// checks run here, so the outcome is the sequential one. Below WORKERS_FROM files or WORKERS_CORES cores, without the
// worker entry (running from source), or with COLO_READ_WORKERS=0, the files are read here in turn.
// COLO_READ_WORKERS=N uses N workers whatever the count (tests, benches).
import { fleetCollisions } from '../fleet/collisions.js';
import type { Plan, Transition } from '../plan/types.js';
import type { Problem } from '../spec/errors.js';
import { parseYaml } from '../spec/parse.js';
import type { Spec } from '../spec/types.js';
import { ColoError } from './errors.js';
import { offlinePlan } from './offline.js';
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

/**
 * Fewer files than this, or fewer cores than WORKERS_CORES, are read in this thread alone. Each
 * worker is a V8 isolate of its own that compiles and optimizes the reader again (measured on 2
 * cores: about 0.5 s of CPU per worker for 1000 files), which two cores do not win back (1000 and
 * 4000 files ran slower with workers); more cores share that cost among more files.
 */
export const WORKERS_FROM = 500;
export const WORKERS_CORES = 4;
/** The worker entry beside the bundle (set by the CLI's entry); undefined when running from source. */
let workerEntry: string | undefined;
export function useReadWorkers(file: string): void {
  workerEntry = file;
}

/** The kind a pair file has (ColoPair, schemas/colo.schema.json). */
export const PAIR_KIND = 'ColoPair';

interface Head {
  kind?: unknown;
  metadata?: { name?: unknown; labels?: Record<string, unknown> };
}

function headOf(text: string): Head | undefined {
  try {
    const v = parseYaml(text).value as Head | undefined;
    return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function nameOf(text: string): string | undefined {
  const v = headOf(text);
  return typeof v?.metadata?.name === 'string' ? v.metadata.name : undefined;
}

/** kubectl's equality selector: KEY=VALUE (KEY==VALUE too); every one must hold. */
export function parseSelector(items: string[] | undefined): Array<[string, string]> {
  return (items ?? []).map((item) => {
    const m = /^([A-Za-z0-9][A-Za-z0-9._/-]*)==?(.*)$/.exec(item.trim());
    if (!m) throw new ColoError(`-l must be KEY=VALUE (kubectl's equality selector), not "${item}"`, 1, 'BAD_OPTION');
    return [m[1], m[2]];
  });
}

/** A file a fleet left out, and why: another kind of file found in a directory, or labels -l does not select. */
export interface SkippedFile {
  file: string;
  reason: 'not-a-pair' | 'not-selected';
  message: string;
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
  const cores = (await import('node:os')).availableParallelism();
  if (forced === undefined && cores < WORKERS_CORES) return 0;
  // this thread reads too: one worker fewer than the cores
  const workers = forced ?? cores - 1;
  return Math.max(0, Math.min(workers, 64));
}

/**
 * Reads the files in `count` worker threads and in this one, batches handed to whichever is free
 * (this thread reads while the workers start); results in file order.
 */
async function readInWorkers(env: ReadEnv, files: string[], count: number, opts: ReadPairsOptions): Promise<Read[]> {
  const { Worker } = await import('node:worker_threads');
  const batch = Math.max(4, Math.min(64, Math.ceil(files.length / ((count + 1) * 6))));
  const out: Read[] = new Array(files.length);
  const setup = { env: { cwd: env.cwd, env: { ...env.env } }, transition: opts.transition };
  const workers = Array.from({ length: count }, () => new Worker(workerEntry!, { workerData: setup }));
  let next = 0;
  let failed = false;
  const here = async () => {
    while (next < files.length && !failed) {
      const at = next;
      next += batch;
      for (let i = at; i < Math.min(at + batch, files.length); i++) {
        const r = await readPair(files[i], env);
        out[i] = opts.transition && r.spec ? { ...r, plan: offlinePlan(r.spec, opts.transition) } : r;
      }
      // let the workers' answers in between batches
      await new Promise((r) => setImmediate(r));
    }
  };
  try {
    await Promise.all([
      here(),
      ...workers.map(
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
            w.once('online', give);
          }),
      ),
    ]).catch((e) => {
      failed = true;
      throw e;
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}

/**
 * Reads every file (in order): a file a directory stood for whose `kind` is not ColoPair is skipped,
 * as is a pair whose metadata.labels do not hold every `selector` pair. The fleet's collisions are
 * problems of the later file, whose spec (and plan) is then dropped. The same result whether workers
 * read the files or this thread did: the kind filter, the selector and the cross-file checks run here,
 * on the results in file order.
 */
export async function readPairs(
  env: ReadEnv,
  files: Array<{ file: string; fromDir: boolean }>,
  selector: Array<[string, string]> = [],
  opts: ReadPairsOptions = {},
): Promise<{ pairs: LoadedPair[]; skipped: SkippedFile[] }> {
  const names = files.map((f) => f.file);
  const count = await workersFor(env, names);
  let all: Read[];
  if (count) {
    all = await readInWorkers(env, names, count, opts);
    if (env.env.COLO_DEBUG) process.stderr.write(`colo: ${names.length} spec files read in ${count} worker threads and this one\n`);
  } else {
    all = [];
    for (const f of names) all.push(await readPair(f, env));
  }
  const read: Read[] = [];
  const skipped: SkippedFile[] = [];
  files.forEach(({ file, fromDir }, i) => {
    const p = all[i];
    // a valid spec is a ColoPair (the schema's const): its text is parsed again only for -l's labels
    const head = p.text === undefined ? undefined : p.spec && !selector.length ? { kind: PAIR_KIND } : headOf(p.text);
    if (fromDir && p.text !== undefined && (!head || head.kind !== PAIR_KIND)) {
      const kind = head && typeof head.kind === 'string' ? `kind ${head.kind}` : 'no kind';
      skipped.push({ file, reason: 'not-a-pair', message: `${file}: skipped, ${kind} (not ${PAIR_KIND})` });
      return;
    }
    if (selector.length && p.text !== undefined && head) {
      const labels = head.metadata?.labels ?? {};
      const miss = selector.find(([k, v]) => labels[k] !== v);
      if (miss) {
        skipped.push({ file, reason: 'not-selected', message: `${file}: not selected (-l ${miss[0]}=${miss[1]})` });
        return;
      }
    }
    read.push(p);
  });
  const valid = read.filter((p) => p.spec);
  const collisions = fleetCollisions(valid.map((p) => ({ file: p.file, spec: p.spec!, locate: () => parseYaml(p.text!).locate })));
  for (const p of valid) {
    const mine = collisions.filter((c) => c.file === p.file);
    if (!mine.length) continue;
    p.problems.push(...mine);
    p.spec = undefined;
    p.plan = undefined;
  }
  return { pairs: read.map(({ text: _t, ...p }) => p), skipped };
}
