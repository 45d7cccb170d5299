import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Journal } from '../apply/journal.js';
import { acquireLock, LockedError } from '../apply/lock.js';
import { Session } from '../apply/session.js';
import type { Spec } from '../spec/types.js';
import { CliError, type Io } from './io.js';

/** --journal, else $COLO_STATE_DIR or ~/.local/state/colo: NAME.journal.jsonl */
export function journalPath(io: Io, spec: Spec, opt?: string): string {
  if (opt) return resolve(io.cwd, opt);
  const dir = io.env.COLO_STATE_DIR ?? join(io.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'colo');
  return join(dir, `${spec.name}.journal.jsonl`);
}

/** The pair's lock, its journal and QMP connections for one apply or failover; end() gives them back. */
export function openSession(io: Io, spec: Spec, journalOpt: string | undefined, timeoutMs: number) {
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(spec.name);
  } catch (e) {
    if (e instanceof LockedError) throw new CliError(e.message, 1, 'LOCKED');
    throw e;
  }
  let journal: Journal;
  try {
    journal = new Journal(journalPath(io, spec, journalOpt));
  } catch (e) {
    lock.release();
    throw new CliError(`cannot write the journal: ${(e as Error).message}`, 1, 'FILE_WRITE');
  }
  const session = new Session(spec, journal, timeoutMs);
  return {
    journal,
    session,
    async end() {
      await session.close();
      lock.release();
    },
  };
}
