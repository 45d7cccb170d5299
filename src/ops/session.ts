// One apply, failover or agent action on a pair: the pair's lock, its journal, QMP connections.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Journal } from '../apply/journal.js';
import { acquireLock, LockedError } from '../apply/lock.js';
import { Session } from '../apply/session.js';
import type { Spec } from '../spec/types.js';
import { ColoError, type OpEnv } from './errors.js';
import { trace } from '../sys/trace.js';

/** --journal, else $COLO_STATE_DIR or ~/.local/state/colo: NAME.journal.jsonl */
export function journalPath(env: OpEnv, spec: Spec, opt?: string): string {
  if (opt) return resolve(env.cwd, opt);
  const dir = env.env.COLO_STATE_DIR ?? join(env.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'colo');
  return join(dir, `${spec.name}.journal.jsonl`);
}

export interface OpenSession {
  journal: Journal;
  session: Session;
  end(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The pair's lock, its journal and QMP connections for one apply or failover; end() gives them back.
 * `waitUntil` (epoch ms): wait for a lock another colo process holds until then (the agent does),
 * else a held lock is LOCKED at once.
 */
export async function openSession(env: OpEnv, spec: Spec, journalOpt: string | undefined, timeoutMs: number, waitUntil = 0): Promise<OpenSession> {
  let lock: ReturnType<typeof acquireLock>;
  for (;;) {
    try {
      lock = acquireLock(spec.name);
      break;
    } catch (e) {
      if (!(e instanceof LockedError)) throw e;
      if (Date.now() > waitUntil) throw new ColoError(e.message, 1, 'LOCKED');
      await sleep(200);
    }
  }
  let journal: Journal;
  try {
    journal = new Journal(journalPath(env, spec, journalOpt));
  } catch (e) {
    lock.release();
    throw new ColoError(`cannot write the journal: ${(e as Error).message}`, 1, 'FILE_WRITE');
  }
  const session = new Session(spec, journal, timeoutMs);
  trace('session: pair locked, journal open');
  return {
    journal,
    session,
    async end() {
      await session.close();
      try {
        journal.close();
      } finally {
        lock.release();
      }
      trace('session: closed, pair unlocked');
    },
  };
}
