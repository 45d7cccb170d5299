import net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatQmpAddress, type QmpEndpoint } from '../../src/addr/qmp-address.js';
import { QmpClient, QmpClosedError, QmpConnectError, QmpError, QmpTimeoutError, type QmpOptions } from '../../src/qmp/client.js';
import { makeTempDir, sleep, spawnQemu, stopProcess, useQemuCleanup, waitForFile } from '../support/qemu.js';

useQemuCleanup();

const TCP_PORT = 4737;
const UNUSED_TCP_PORT = 4739;

/** Starts a paused (-S) QEMU with its QMP monitor on a unix socket or on TCP. */
async function startQemu(kind: 'unix' | 'tcp' = 'unix') {
  const dir = makeTempDir('colo-qmp');
  const endpoint: QmpEndpoint = kind === 'unix' ? { kind: 'unix', path: join(dir, 'q.qmp') } : { kind: 'tcp', host: '127.0.0.1', port: TCP_PORT };
  const qemu = spawnQemu(['-accel', 'tcg', '-m', '64', '-display', 'none', '-nodefaults', '-S', '-qmp', `${formatQmpAddress(endpoint)},server=on,wait=off`], {
    cwd: dir,
  });
  // QEMU binds the socket before it listens: the file alone is not a monitor that takes connections yet
  if (endpoint.kind === 'unix') await waitForFile(endpoint.path, 10_000);
  await waitForListen(endpoint.kind === 'unix' ? { path: endpoint.path } : { host: '127.0.0.1', port: endpoint.port }, 10_000);
  await sleep(100); // let QEMU notice the probe connection went away
  return { dir, endpoint, qemu };
}

async function waitForListen(to: net.NetConnectOpts, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createConnection(to);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${JSON.stringify(to)} not listening after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Runs `p`, returns what it rejected with and how long that took. */
async function rejection(p: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    await p;
  } catch (err) {
    return { err, ms: Date.now() - t0 };
  }
  throw new Error('expected a rejection');
}

describe('QmpClient against a real QEMU 7.2', () => {
  it('reads the greeting, negotiates capabilities and answers query-status (unix socket)', async () => {
    const { endpoint } = await startQemu('unix');
    const trace: string[] = [];
    const opts: QmpOptions = {
      onSend: (cmd) => trace.push(`send ${cmd}`),
      onResult: (cmd, _args, r) => trace.push(`${r.ok ? 'ok' : 'err'} ${cmd}`),
    };
    const c = await QmpClient.connect(endpoint, opts);
    expect(c.version).toMatchObject({ major: 7, minor: 2 });
    expect(typeof c.version.micro).toBe('number');
    expect(typeof c.version.package).toBe('string');
    expect(c.roundTrips).toBe(1); // qmp_capabilities
    const status = await c.execute('query-status');
    expect(status).toMatchObject({ status: 'prelaunch', running: false });
    expect(c.roundTrips).toBe(2);
    expect(trace).toEqual(['send qmp_capabilities', 'ok qmp_capabilities', 'send query-status', 'ok query-status']);
    await c.close();
    await c.close(); // idempotent
    expect(c.closed).toBe(true);
  });

  it('negotiates out-of-band execution only when asked, and runs yank out of band (exec-oob, answered by id)', async () => {
    const { endpoint } = await startQemu('unix');
    const plain = await QmpClient.connect(endpoint);
    expect(plain.oob).toBe(false);
    await expect(plain.executeOob('yank', { instances: [] })).rejects.toMatchObject({ errorClass: 'OobNotNegotiated' });
    await plain.close();
    const c = await QmpClient.connect(endpoint, { oob: true });
    expect(c.oob).toBe(true);
    // nothing to cut on a QEMU that migrates nothing: QEMU's own answer, by id, beside an in-band command
    const [cut, status] = await Promise.allSettled([c.executeOob('yank', { instances: [{ type: 'migration' }] }), c.execute('query-status')]);
    expect(cut).toMatchObject({ status: 'rejected', reason: { errorClass: 'DeviceNotFound' } });
    expect(status).toMatchObject({ status: 'fulfilled', value: { status: 'prelaunch' } });
    expect(await c.executeOob('yank', { instances: [] })).toEqual({});
    await c.close();
  });

  it('works over TCP too', async () => {
    const { endpoint } = await startQemu('tcp');
    const c = await QmpClient.connect(endpoint);
    expect(c.version.major).toBe(7);
    expect((await c.execute('query-status')).status).toBe('prelaunch');
    await c.close();
    // a bound on the socket's connect alone does not touch a connection that is made
    const d = await QmpClient.connect(endpoint, { connectTimeoutMs: 3000, socketConnectTimeoutMs: 50 });
    await new Promise((r) => setTimeout(r, 100));
    expect((await d.execute('query-status')).status).toBe('prelaunch');
    await d.close();
  });

  it('turns a QEMU error answer into QmpError and stays usable', async () => {
    const { endpoint } = await startQemu();
    const c = await QmpClient.connect(endpoint);
    const { err } = await rejection(c.execute('colo-no-such-command'));
    expect(err).toBeInstanceOf(QmpError);
    const e = err as QmpError;
    expect(e.errorClass).toBe('CommandNotFound');
    expect(e.desc).toBe('The command colo-no-such-command has not been found');
    expect(e.command).toBe('colo-no-such-command');
    expect(e.message).toBe('colo-no-such-command: The command colo-no-such-command has not been found (CommandNotFound)');

    const bad = await rejection(c.execute('query-block-jobs', { bogus: 1 }));
    expect(bad.err).toMatchObject({ errorClass: 'GenericError', command: 'query-block-jobs' });

    expect(c.closed).toBe(false);
    expect((await c.execute('query-status')).status).toBe('prelaunch');
    await c.close();
  });

  it('pipelines executeAll: one burst, answers in order, errors in place', async () => {
    const { endpoint } = await startQemu();
    const order: string[] = [];
    const c = await QmpClient.connect(endpoint, {
      onSend: (cmd) => order.push(`>${cmd}`),
      onResult: (cmd) => order.push(`<${cmd}`),
    });
    order.length = 0;
    const before = { rt: c.roundTrips, sent: c.commandsSent };
    const queries = ['query-status', 'query-version', 'query-name', 'query-kvm', 'query-commands'];
    const results = await c.executeAll(queries.map((q) => ({ execute: q })));
    expect(c.roundTrips - before.rt).toBe(1);
    expect(c.commandsSent - before.sent).toBe(5);
    // every request went out before the first answer was handled
    expect(order).toEqual([...queries.map((q) => `>${q}`), ...queries.map((q) => `<${q}`)]);
    expect(results).toHaveLength(5);
    expect(results.every((r) => r.ok)).toBe(true);
    const values = results.map((r) => (r.ok ? r.value : undefined));
    expect(values[0]).toMatchObject({ status: 'prelaunch' });
    expect(values[1]).toMatchObject({ qemu: { major: 7, minor: 2 } });
    expect(values[2]).toEqual({});
    expect(values[3]).toHaveProperty('present');
    expect(Array.isArray(values[4])).toBe(true);

    const mixed = await c.executeAll([{ execute: 'query-status' }, { execute: 'no-such-thing' }, { execute: 'query-name' }]);
    expect(mixed.map((r) => r.ok)).toEqual([true, false, true]);
    expect(mixed[1]).toMatchObject({ ok: false, error: { errorClass: 'CommandNotFound', command: 'no-such-thing' } });
    expect(await c.executeAll([])).toEqual([]);
    await c.close();
  });

  it('runs HMP commands and returns their text', async () => {
    const { endpoint } = await startQemu();
    const c = await QmpClient.connect(endpoint);
    const text = await c.hmp('info version');
    expect(text).toMatch(/^7\.2\.\d+/);
    expect(await c.hmp('info status')).toContain('prelaunch');
    await c.close();
  });

  it.each(['unix', 'tcp'] as const)('a second concurrent client (%s) times out at the greeting, then gets in once the first leaves', async (kind) => {
    const { endpoint } = await startQemu(kind);
    const first = await QmpClient.connect(endpoint);
    const { err, ms } = await rejection(QmpClient.connect(endpoint, { connectTimeoutMs: 500 }));
    expect(err).toBeInstanceOf(QmpTimeoutError);
    expect(err).toMatchObject({ phase: 'greeting', timeoutMs: 500 });
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(1500);
    expect((await first.execute('query-status')).status).toBe('prelaunch'); // first unaffected
    await first.close();
    const again = await QmpClient.connect(endpoint, { connectTimeoutMs: 3000 });
    expect((await again.execute('query-status')).status).toBe('prelaunch');
    await again.close();
  });

  it('bounds commands and connects to a SIGSTOPped QEMU, and recovers after SIGCONT', async () => {
    const { endpoint, qemu } = await startQemu();
    const c = await QmpClient.connect(endpoint);
    const waiter = c.waitForEvent('STOP', undefined, 60_000);
    await stopProcess(qemu.pid);
    try {
      const cmd = await rejection(c.execute('query-status', undefined, { timeoutMs: 300 }));
      expect(cmd.err).toBeInstanceOf(QmpTimeoutError);
      expect(cmd.err).toMatchObject({ phase: 'command', command: 'query-status', timeoutMs: 300 });
      expect(cmd.ms).toBeGreaterThanOrEqual(250);
      expect(cmd.ms).toBeLessThan(1300);
      // the client is broken now: everything else fails fast
      expect(c.closed).toBe(true);
      expect((await rejection(waiter)).err).toBeInstanceOf(QmpClosedError);
      const after = await rejection(c.execute('query-status'));
      expect(after.err).toBeInstanceOf(QmpClosedError);
      expect(after.ms).toBeLessThan(100);

      // connect() to the stopped process: the kernel accepts, QEMU never greets
      const conn = await rejection(QmpClient.connect(endpoint, { connectTimeoutMs: 400 }));
      expect(conn.err).toBeInstanceOf(QmpTimeoutError);
      expect(conn.err).toMatchObject({ phase: 'greeting', timeoutMs: 400 });
      expect(conn.ms).toBeLessThan(1400);
    } finally {
      process.kill(qemu.pid, 'SIGCONT');
    }
    const fresh = await QmpClient.connect(endpoint);
    expect((await fresh.execute('query-status')).status).toBe('prelaunch');
    await fresh.close();
  });

  it('a full listen backlog (QEMU listens with backlog 1): unix -> EAGAIN at once, tcp -> connect-phase timeout', async () => {
    const { endpoint: unix, qemu } = await startQemu('unix');
    const tcpPort = TCP_PORT + 1;
    // second monitor on TCP in the same process
    const q2 = spawnQemu(['-accel', 'tcg', '-m', '64', '-display', 'none', '-nodefaults', '-S', '-qmp', `tcp:127.0.0.1:${tcpPort},server=on,wait=off`]);
    await waitForListen({ host: '127.0.0.1', port: tcpPort }, 10_000);
    await sleep(100); // let QEMU notice the probe connection of waitForListen went away
    await stopProcess(qemu.pid);
    await stopProcess(q2.pid);
    const raw: net.Socket[] = [];
    const fill = async (ep: QmpEndpoint, n: number) => {
      for (let i = 0; i < n; i++) {
        const s = ep.kind === 'unix' ? net.createConnection(ep.path) : net.createConnection({ host: ep.host, port: ep.port });
        s.on('error', () => {});
        raw.push(s);
        await new Promise((r) => {
          s.once('connect', r);
          s.once('error', r);
        });
      }
    };
    try {
      await fill(unix, 2);
      const u = await rejection(QmpClient.connect(unix, { connectTimeoutMs: 2000 }));
      expect(u.err).toBeInstanceOf(QmpConnectError);
      expect((u.err as QmpConnectError).code).toBe('EAGAIN');
      expect(u.ms).toBeLessThan(200);

      const tcp: QmpEndpoint = { kind: 'tcp', host: '127.0.0.1', port: tcpPort };
      await fill(tcp, 2);
      const t = await rejection(QmpClient.connect(tcp, { connectTimeoutMs: 400 }));
      expect(t.err).toBeInstanceOf(QmpTimeoutError);
      expect(t.err).toMatchObject({ phase: 'connect', timeoutMs: 400 });
      expect(t.ms).toBeLessThan(1400);
      // the socket's connect bounded alone, inside a longer connect + greeting bound: its own timeout
      const b = await rejection(QmpClient.connect(tcp, { connectTimeoutMs: 5000, socketConnectTimeoutMs: 300 }));
      expect(b.err).toBeInstanceOf(QmpTimeoutError);
      expect(b.err).toMatchObject({ phase: 'connect', timeoutMs: 300 });
    } finally {
      for (const s of raw) s.destroy();
      process.kill(qemu.pid, 'SIGCONT');
      process.kill(q2.pid, 'SIGCONT');
    }
  });

  it('reports connection failures as QmpConnectError with the errno code', async () => {
    const dir = makeTempDir('colo-qmp');
    const missing = await rejection(QmpClient.connect({ kind: 'unix', path: join(dir, 'missing.qmp') }));
    expect(missing.err).toBeInstanceOf(QmpConnectError);
    expect((missing.err as QmpConnectError).code).toBe('ENOENT');
    expect(missing.ms).toBeLessThan(500);

    const refused = await rejection(QmpClient.connect({ kind: 'tcp', host: '127.0.0.1', port: UNUSED_TCP_PORT }));
    expect(refused.err).toBeInstanceOf(QmpConnectError);
    expect((refused.err as QmpConnectError).code).toBe('ECONNREFUSED');
  });

  it('sees RESUME/STOP events; events precede the answer of the command that caused them', async () => {
    const { endpoint } = await startQemu();
    const c = await QmpClient.connect(endpoint);
    const mark = c.events().length;
    const resumed = c.waitForEvent('RESUME', undefined, 5000);
    await c.execute('cont');
    expect((await resumed).event).toBe('RESUME');
    expect((await c.execute('query-status')).status).toBe('running');

    const stopped = c.waitForEvent('STOP', undefined, 5000); // registered before the command
    const beforeStop = c.events().length;
    await c.execute('stop');
    const ev = await stopped;
    expect(ev.event).toBe('STOP');
    expect(ev.timestamp.seconds).toBeGreaterThan(0);
    expect(typeof ev.timestamp.microseconds).toBe('number');
    // the event had already arrived when `stop` returned, so a waiter registered now misses it...
    const late = await rejection(c.waitForEvent('STOP', undefined, 200));
    expect(late.err).toMatchObject({ name: 'QmpTimeoutError', phase: 'event', command: 'STOP' });
    expect(c.closed).toBe(false); // an event timeout does not break the client
    // ...unless it looks back with `since`
    expect(await c.waitForEvent('STOP', undefined, { since: beforeStop, timeoutMs: 10 })).toEqual(ev);
    expect(
      c
        .events()
        .slice(mark)
        .map((e) => e.event),
    ).toEqual(['RESUME', 'STOP']);
    await c.close();
  });

  it('rejects pending commands and waiters when closed or when QEMU dies', async () => {
    const { endpoint, qemu } = await startQemu();
    const c = await QmpClient.connect(endpoint);
    const pending = c.execute('query-status');
    const closing = c.close();
    expect((await rejection(pending)).err).toBeInstanceOf(QmpClosedError);
    await closing;
    expect((await rejection(c.execute('query-status'))).err).toBeInstanceOf(QmpClosedError);

    const d = await QmpClient.connect(endpoint);
    const waiter = d.waitForEvent('SHUTDOWN', undefined, 10_000);
    process.kill(qemu.pid, 'SIGKILL');
    const { err, ms } = await rejection(waiter);
    expect(err).toBeInstanceOf(QmpClosedError);
    expect((err as QmpClosedError).cause).toBeInstanceOf(QmpConnectError);
    expect(ms).toBeLessThan(2000);
    expect(d.closed).toBe(true);
  });

  it('quit: SHUTDOWN event, then the connection closes', async () => {
    const { endpoint, qemu } = await startQemu();
    const c = await QmpClient.connect(endpoint);
    const mark = c.events().length;
    await c.execute('quit');
    const ev = await c.waitForEvent('SHUTDOWN', undefined, { since: mark, timeoutMs: 5000 });
    expect(ev.data).toMatchObject({ guest: false, reason: 'host-qmp-quit' });
    expect(await qemu.exited).toBe(0);
    await sleep(50);
    expect(c.closed).toBe(true);
    await c.close();
  });
});

describe('QmpClient framing (scripted QMP peer)', () => {
  const greeting = '{"QMP": {"version": {"qemu": {"micro": 1, "minor": 2, "major": 7}, "package": "x"}, "capabilities": ["oob"]}}\r\n';
  type Write = (x: string | Buffer) => Promise<void>;

  /** A fake monitor that sends its greeting one byte at a time and answers through `answer`. */
  async function fakeMonitor(answer: (req: any, write: Write) => Promise<void>) {
    const path = join(makeTempDir('colo-qmp-fake'), 'fake.qmp');
    const sockets = new Set<net.Socket>();
    const server = net.createServer(async (s) => {
      sockets.add(s);
      s.on('error', () => {});
      const write: Write = (x) => new Promise<void>((r) => s.write(x, () => r()));
      let buf = '';
      let queue = Promise.resolve();
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        buf += d;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const req = JSON.parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          queue = queue.then(() => answer(req, write)); // answer in order, like QEMU
        }
      });
      for (const ch of greeting) {
        await write(ch);
        await sleep(1);
      }
    });
    await new Promise<void>((r) => server.listen(path, r));
    const stop = () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    };
    return { endpoint: { kind: 'unix', path } as QmpEndpoint, stop };
  }

  it('handles partial chunks, several messages per chunk, split UTF-8 and answers without id', async () => {
    const fake = await fakeMonitor(async (req, write) => {
      const id = JSON.stringify(req.id);
      switch (req.execute) {
        case 'qmp_capabilities':
          return write(`{"return": {}, "id": ${id}}\r\n`);
        case 'burst': // event + answer + noise in one chunk
          return write(
            `{"event": "X", "data": {"n": 1}, "timestamp": {"seconds": 1, "microseconds": 2}}\r\n\r\n` +
              `not json\r\n{"return": ${JSON.stringify(req.arguments)}, "id": ${id}}\r\n`,
          );
        case 'utf8': {
          const bytes = Buffer.from(`{"return": "h\u00e9llo \u2713", "id": ${id}}\r\n`, 'utf8');
          const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
          await write(bytes.subarray(0, cut));
          await sleep(20);
          return write(bytes.subarray(cut));
        }
        case 'noid':
          return write('{"error": {"class": "GenericError", "desc": "JSON parse error, invalid keyword"}}\r\n');
        case 'silent':
          return;
      }
    });
    try {
      const c = await QmpClient.connect(fake.endpoint);
      expect(c.version).toEqual({ major: 7, minor: 2, micro: 1, package: 'x' });
      const all = await c.executeAll([{ execute: 'burst', arguments: { a: 1 } }, { execute: 'utf8' }, { execute: 'burst', arguments: { a: 2 } }]);
      expect(all).toEqual([
        { ok: true, value: { a: 1 } },
        { ok: true, value: 'h\u00e9llo \u2713' },
        { ok: true, value: { a: 2 } },
      ]);
      expect(c.events().map((e) => e.data)).toEqual([{ n: 1 }, { n: 1 }]);
      expect((await rejection(c.execute('noid'))).err).toMatchObject({ errorClass: 'GenericError', command: 'noid' });

      // an unanswered command times out; the client is then closed, other pending work is rejected
      const other = c.execute('silent', undefined, { timeoutMs: 5000 });
      const t = await rejection(c.executeAll([{ execute: 'silent' }, { execute: 'silent' }], { timeoutMs: 150 }));
      expect(t.err).toMatchObject({ name: 'QmpTimeoutError', phase: 'command', command: 'silent' });
      expect(t.ms).toBeLessThan(1000);
      expect((await rejection(other)).err).toBeInstanceOf(QmpClosedError);
      expect(c.closed).toBe(true);
      await c.close();
    } finally {
      await fake.stop();
    }
  });

  it('a peer that closes before greeting gives QmpConnectError', async () => {
    const path = join(makeTempDir('colo-qmp-fake'), 'eof.qmp');
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(path, r));
    try {
      const { err } = await rejection(QmpClient.connect({ kind: 'unix', path }));
      expect(err).toBeInstanceOf(QmpConnectError);
      expect((err as QmpConnectError).code).toBe('ECONNRESET');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
