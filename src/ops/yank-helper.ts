// The yank helper: a small long-lived process per QEMU (`colo yank-helper DIR`, a hidden command, started
// detached by launch, killed by stop). It connects to the QEMU's yank monitor (DIR/qmp.sock) at once,
// negotiates out-of-band execution while the main loop still answers, and serves DIR/ctl.sock (0600,
// in the 0700 DIR) with exactly two requests, one JSON line each, one per connection:
//   {"op":"query-yank"}                  → {"ok":true,"instances":[...]}   (QEMU's query-yank, out of band)
//   {"op":"yank","instances":[...]}      → {"ok":true} | {"ok":false,"error":"QEMU's text"}
// It decides nothing: which instances to cut is the failover's (src/ops/yank.ts). It ends when QEMU
// closes the monitor (QEMU ended), on SIGTERM or SIGINT.
import { appendFileSync, chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import { isYankInstance, yankFiles, type YankPaths } from '../model/yank-monitor.js';
import type { YankInstance } from '../model/observed.js';
import { QmpClient, QmpError } from '../qmp/client.js';

/** Bounds of the control socket: a request line, the time to send it, connections at once, instances per yank. */
export const HELPER_LIMITS = { lineBytes: 8192, requestMs: 5000, connections: 4, instances: 64, oobMs: 3000, connectMs: 10_000 } as const;

export type HelperRequest = { op: 'query-yank' } | { op: 'yank'; instances: YankInstance[] };
export type HelperReply = { ok: true; instances?: YankInstance[] } | { ok: false; error: string };

/** A request line as the helper reads it: anything but the two requests is refused. */
export function parseRequest(line: string): HelperRequest | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { error: 'not JSON' };
  }
  if (!v || typeof v !== 'object') return { error: 'not an object' };
  const o = v as Record<string, unknown>;
  if (o.op === 'query-yank' && Object.keys(o).length === 1) return { op: 'query-yank' };
  if (o.op === 'yank' && Object.keys(o).length === 2 && Array.isArray(o.instances)) {
    if (o.instances.length > HELPER_LIMITS.instances) return { error: `more than ${HELPER_LIMITS.instances} instances` };
    if (!o.instances.every(isYankInstance)) return { error: 'an instance is not a yank instance' };
    return { op: 'yank', instances: o.instances };
  }
  return { error: 'unknown request (query-yank or yank)' };
}

function logTo(paths: YankPaths): (s: string) => void {
  return (s) => {
    try {
      appendFileSync(paths.log, `${new Date().toISOString()} ${s}\n`);
    } catch {
      /* the log is for people only */
    }
  };
}

/** Connects to the yank monitor, retrying while QEMU creates it (bounded). */
async function connectMonitor(paths: YankPaths): Promise<QmpClient> {
  const deadline = Date.now() + HELPER_LIMITS.connectMs;
  for (;;) {
    try {
      return await QmpClient.connect(
        { kind: 'unix', path: paths.qmp },
        { oob: true, connectTimeoutMs: 3000, commandTimeoutMs: HELPER_LIMITS.oobMs, keepEvents: false },
      );
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function answer(qmp: QmpClient, req: HelperRequest): Promise<HelperReply> {
  try {
    if (req.op === 'query-yank') {
      const list = await qmp.executeOob('query-yank', undefined, { timeoutMs: HELPER_LIMITS.oobMs });
      if (!Array.isArray(list) || !list.every(isYankInstance)) return { ok: false, error: 'query-yank answered something else than yank instances' };
      return { ok: true, instances: list };
    }
    await qmp.executeOob('yank', { instances: req.instances }, { timeoutMs: HELPER_LIMITS.oobMs });
    return { ok: true };
  } catch (e) {
    return { ok: false, error: e instanceof QmpError ? e.desc : (e as Error).message };
  }
}

/** Runs the helper for the node whose yank directory is `dir`; resolves to its exit code when it ends. */
export async function serveYank(dir: string): Promise<number> {
  const paths = yankFiles(dir.replace(/\/+$/, ''));
  const log = logTo(paths);
  process.umask(0o077);
  let qmp: QmpClient;
  try {
    qmp = await connectMonitor(paths);
  } catch (e) {
    log(`cannot reach the yank monitor ${paths.qmp}: ${(e as Error).message}`);
    return 1;
  }
  if (!qmp.oob) {
    log(`the monitor ${paths.qmp} offers no out-of-band execution: nothing to serve`);
    await qmp.close();
    return 1;
  }
  // the commands must exist before anyone counts on them (a QEMU without yank)
  const probe = await answer(qmp, { op: 'query-yank' });
  if (!probe.ok) {
    log(`query-yank out of band failed: ${probe.error}`);
    await qmp.close();
    return 1;
  }
  rmSync(paths.ctl, { force: true });
  let open = 0;
  const server = net.createServer((sock) => {
    if (open >= HELPER_LIMITS.connections) {
      sock.end(JSON.stringify({ ok: false, error: 'busy' }) + '\n');
      return;
    }
    open++;
    let buf = '';
    let done = false;
    const timer = setTimeout(() => sock.destroy(), HELPER_LIMITS.requestMs);
    sock.setEncoding('utf8');
    sock.on('close', () => {
      open--;
      clearTimeout(timer);
    });
    sock.on('error', () => undefined);
    sock.on('data', (chunk: string) => {
      if (done) return;
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > HELPER_LIMITS.lineBytes) sock.destroy();
        return;
      }
      done = true;
      const req = parseRequest(buf.slice(0, nl));
      if ('error' in req) {
        sock.end(JSON.stringify({ ok: false, error: req.error }) + '\n');
        return;
      }
      void answer(qmp, req).then((reply) => {
        if (req.op === 'yank') log(`yank ${JSON.stringify(req.instances)}: ${reply.ok ? 'ok' : reply.error}`);
        sock.end(JSON.stringify(reply) + '\n');
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(paths.ctl, () => resolve());
  });
  chmodSync(paths.ctl, 0o600);
  log(`serving ${paths.ctl} for ${paths.qmp} (QEMU ${qmp.version.major}.${qmp.version.minor}.${qmp.version.micro}, pid ${process.pid})`);
  const ended = await new Promise<string>((resolve) => {
    void qmp.whenClosed().then(() => resolve('the monitor closed (QEMU ended)'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log(`ending: ${ended}`);
  server.close();
  rmSync(paths.ctl, { force: true });
  await qmp.close();
  return 0;
}
