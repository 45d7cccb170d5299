import type { QmpClient } from '../qmp/client.js';
import { parseChardevFilename } from '../observe/normalize.js';
import type { WaitStep } from '../plan/types.js';

export interface Progress {
  (label: string, done: number, total: number): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** QEMU's events at the moments a wait watches for: the next poll goes out as one arrives, not at the end of the interval. */
const WAKE: Record<WaitStep['wait'], string[]> = {
  'migration-status': ['MIGRATION', 'STOP', 'RESUME'],
  'colo-mode': ['RESUME', 'COLO_EXIT'],
  'block-job-ready': ['BLOCK_JOB_READY', 'BLOCK_JOB_ERROR', 'BLOCK_JOB_COMPLETED', 'BLOCK_JOB_CANCELLED'],
  'block-job-gone': ['BLOCK_JOB_COMPLETED', 'BLOCK_JOB_CANCELLED'],
  'chardevs-connected': [],
};

/** The interval, cut short by one of `names` arriving since event number `since`. */
function pause(client: QmpClient, names: string[], since: number, ms: number): Promise<unknown> {
  return Promise.race([sleep(ms), ...names.map((n) => client.waitForEvent(n, () => true, { timeoutMs: ms, since }).catch(() => undefined))]);
}

/**
 * Polls the node's state until the wait's condition holds (never a fixed sleep), failing early when
 * the state shows it cannot hold (migration failed, job gone). QEMU's events only wake the next
 * poll early: the answer to a query decides, as before.
 */
export async function waitFor(client: QmpClient, step: WaitStep, progress?: Progress): Promise<string> {
  const deadline = Date.now() + step.timeoutMs;
  let last = '';
  const start = Date.now();
  for (;;) {
    const since = client.events().length;
    // poll closely at first (a migration or a mode change usually lands within a second), then ease off
    const interval = Date.now() - start < 2000 ? 15 : 200;
    switch (step.wait) {
      case 'migration-status': {
        const m = await client.execute('query-migrate');
        last = `migration ${m.status ?? 'none'}`;
        if (m.status === step.until) return last;
        if (m.status === 'failed' || m.status === 'cancelled')
          throw new Error(`migration ${m.status}${m['error-desc'] ? `: ${m['error-desc']}` : ''}${step.hint ? `. ${step.hint}` : ''}`);
        if (m.ram?.total && progress) progress('migration', m.ram.transferred ?? 0, m.ram.total);
        break;
      }
      case 'colo-mode': {
        const c = await client.execute('query-colo-status');
        last = `COLO mode ${c.mode}`;
        if (c.mode === step.until) return last;
        break;
      }
      case 'block-job-ready': {
        const jobs = await client.execute('query-block-jobs');
        const j = jobs.find((x) => x.device === step.until);
        if (!j) throw new Error(`block job ${step.until} is gone before it was ready`);
        last = `job ${j.device} ${j.status} ${j.offset}/${j.len}`;
        if (progress) progress(`resync ${j.device}`, j.offset, j.len);
        if (j.ready || j.status === 'ready') return last;
        if (j.status === 'concluded' || j.status === 'aborting')
          throw new Error(`block job ${j.device} ended (${j.status}) before ready${j.error ? `: ${j.error}` : ''}`);
        break;
      }
      case 'block-job-gone': {
        const jobs = await client.execute('query-block-jobs');
        const j = jobs.find((x) => x.device === step.until);
        if (!j) return `job ${step.until} ended`;
        last = `job ${j.device} ${j.status}`;
        break;
      }
      case 'chardevs-connected': {
        const list = await client.execute('query-chardev');
        const want = step.until as string[];
        const down = want.filter((id) => {
          const c = list.find((x) => x.label === id);
          return !c || !parseChardevFilename(c.filename)?.connected;
        });
        if (down.length === 0) return `${want.join(', ')} connected`;
        last = `not connected: ${down.join(', ')}`;
        break;
      }
    }
    if (Date.now() + interval > deadline)
      throw new Error(`timed out after ${step.timeoutMs} ms waiting for ${step.wait} ${step.until} (last seen: ${last})${step.hint ? `. ${step.hint}` : ''}`);
    await pause(client, WAKE[step.wait], since, interval);
  }
}
