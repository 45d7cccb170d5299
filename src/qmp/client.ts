// A small QMP client over node:net.
//
// Wire protocol: newline-delimited JSON. The server speaks first with a greeting
// ({"QMP": {...}}), the client must send qmp_capabilities before anything else,
// then every request gets exactly one answer ({"return"} or {"error"}), in order.
// Asynchronous events ({"event"}) may be interleaved anywhere; QEMU emits the event
// caused by a command (STOP, RESUME, ...) *before* that command's answer.
//
// Over TLS (a tls: address), QEMU 7.2's monitor reads a record only in part and leaves the rest
// inside GnuTLS until more bytes reach the socket: the answer to a command would come when the
// next one is sent. So while answers are pending the client writes a lone "\n" (whitespace, which
// QMP ignores) every few milliseconds, each its own record on a no-delay socket.
import net from 'node:net';
import { formatQmpAddress, type QmpEndpoint } from '../addr/qmp-address.js';
import { replyProblem, type QmpCommand, type QmpReplies } from './replies.js';
import { connectTls, type ClientCredentials } from './tls.js';

export interface QmpOptions {
  connectTimeoutMs?: number; // default 3000; bounds connect + greeting + capability negotiation
  /**
   * A tcp: or unix: endpoint: bounds the socket's connect alone, within connectTimeoutMs. A live
   * host's kernel completes the handshake at once whatever its QEMU does, so only a host that is off
   * or cut off reaches this bound (a phase 'connect' timeout with this value).
   */
  socketConnectTimeoutMs?: number;
  /** false: QMP events are not kept for events()/waitEvent (a client that lives as long as its QEMU and never waits on one) */
  keepEvents?: boolean;
  commandTimeoutMs?: number; // default 10000
  onSend?: (cmd: string, args: unknown) => void;
  onResult?: (cmd: string, args: unknown, result: QmpResult) => void;
  /** a tls: endpoint: the client certificate, its key and the CA (required there) */
  tls?: ClientCredentials;
  /**
   * Negotiate out-of-band execution when the monitor offers it: executeOob() then runs a command
   * that allows it (yank) in the monitor's own thread, answered even while QEMU's main loop is
   * blocked. Only a connection negotiated before the block can: qmp_capabilities itself is in-band.
   */
  oob?: boolean;
}

/** Interval of the newline records that push a TLS monitor's pending input through (ms). */
const NUDGE_MS = 5;
export interface QmpEvent {
  event: string;
  data?: any;
  timestamp: { seconds: number; microseconds: number };
}
/** The VM's pauses in a stream of events: each STOP to the next RESUME, by QEMU's clock (ms). */
export function vmPauses(events: QmpEvent[]): number[] {
  const out: number[] = [];
  let stopped: number | undefined;
  for (const e of events) {
    const t = e.timestamp.seconds * 1000 + e.timestamp.microseconds / 1000;
    if (e.event === 'STOP') stopped ??= t;
    else if (e.event === 'RESUME' && stopped !== undefined) {
      out.push(Math.round((t - stopped) * 10) / 10);
      stopped = undefined;
    }
  }
  return out;
}

export type QmpResult = { ok: true; value: unknown } | { ok: false; error: QmpError };
export interface QmpVersion {
  major: number;
  minor: number;
  micro: number;
  package: string;
}

/** QEMU answered a command with an error. */
export class QmpError extends Error {
  override readonly name = 'QmpError';
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`${command}: ${desc} (${errorClass})`);
  }
}
/** Nothing arrived in time. After a 'command' timeout the client is closed (answers would be out of step). */
export class QmpTimeoutError extends Error {
  override readonly name = 'QmpTimeoutError';
  constructor(
    readonly phase: 'connect' | 'greeting' | 'command' | 'event',
    readonly timeoutMs: number,
    readonly command?: string,
  ) {
    super(`QMP ${phase}${command ? ` ${command}` : ''} timed out after ${timeoutMs} ms`);
  }
}
/** The socket could not be opened, or was lost before the greeting (code: ENOENT, ECONNREFUSED, EAGAIN, ECONNRESET...). */
export class QmpConnectError extends Error {
  override readonly name = 'QmpConnectError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
/** The client is closed (by close(), by the peer, or after a command timeout); `cause` says why. */
export class QmpClosedError extends Error {
  override readonly name = 'QmpClosedError';
}

interface Pending {
  command: string;
  args: unknown;
  timer: NodeJS.Timeout;
  resolve(v: unknown): void;
  reject(e: Error): void;
}
interface Waiter {
  match(e: QmpEvent): boolean;
  resolve(e: QmpEvent): void;
  reject(e: Error): void;
}

export class QmpClient {
  /** Request bursts written: execute()/hmp() count 1, executeAll() counts 1 whatever its size. */
  roundTrips = 0;
  /** Individual commands sent (qmp_capabilities included). */
  commandsSent = 0;
  readonly address: string;
  private ver: QmpVersion = { major: 0, minor: 0, micro: 0, package: '' };
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>(); // insertion order == send order
  private readonly log: QmpEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private greeting?: { resolve(g: any): void; reject(e: Error): void };
  private socketError?: QmpConnectError;
  private closeReason?: Error;
  private readonly socketClosed: Promise<void>;
  private nudgeTimer?: NodeJS.Timeout;
  private readonly tls: boolean;
  private oobOn = false;

  private constructor(
    private readonly socket: net.Socket,
    endpoint: QmpEndpoint,
    private readonly opts: QmpOptions,
  ) {
    this.address = formatQmpAddress(endpoint);
    this.tls = endpoint.kind === 'tls';
    this.socketClosed = new Promise((res) => socket.once('close', () => res()));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.socketError ??= new QmpConnectError(err.code ?? 'EIO', `QMP ${this.address}: ${err.message}`);
    });
    socket.on('close', () =>
      this.fail(
        this.tls && this.greeting
          ? this.tlsFailure()
          : (this.socketError ?? new QmpConnectError('ECONNRESET', `QMP ${this.address}: connection closed by peer`)),
      ),
    );
  }

  /** Connects, reads the greeting and negotiates capabilities, all within connectTimeoutMs. */
  static async connect(endpoint: QmpEndpoint, opts: QmpOptions = {}): Promise<QmpClient> {
    const budget = opts.connectTimeoutMs ?? 3000;
    const started = Date.now();
    if (endpoint.kind === 'tls' && !opts.tls) {
      throw new QmpConnectError('TLS_CREDS', `QMP ${formatQmpAddress(endpoint)}: no client certificate (spec.tls.qmp.clientDir or COLO_QMP_TLS_DIR)`);
    }
    const socket =
      endpoint.kind === 'unix'
        ? net.createConnection({ path: endpoint.path })
        : endpoint.kind === 'tls'
          ? await connectTls(endpoint.host, endpoint.port, opts.tls!)
          : net.createConnection({ host: endpoint.host, port: endpoint.port });
    const client = new QmpClient(socket, endpoint, opts);
    let timer: NodeJS.Timeout | undefined;
    let socketTimer: NodeJS.Timeout | undefined;
    try {
      const greeting = await new Promise<any>((resolve, reject) => {
        client.greeting = { resolve, reject };
        timer = setTimeout(() => client.fail(new QmpTimeoutError(socket.connecting ? 'connect' : 'greeting', budget)), budget);
        const soc = opts.socketConnectTimeoutMs;
        if (endpoint.kind !== 'tls' && soc !== undefined && soc > 0 && soc < budget)
          socketTimer = setTimeout(() => {
            if (socket.connecting) client.fail(new QmpTimeoutError('connect', soc));
          }, soc);
      });
      clearTimeout(timer);
      clearTimeout(socketTimer);
      const v = greeting?.version ?? {};
      client.ver = { major: v.qemu?.major ?? 0, minor: v.qemu?.minor ?? 0, micro: v.qemu?.micro ?? 0, package: v.package ?? '' };
      const oob = !!opts.oob && Array.isArray(greeting?.capabilities) && greeting.capabilities.includes('oob');
      await client.execute('qmp_capabilities', oob ? { enable: ['oob'] } : undefined, { timeoutMs: Math.max(1, budget - (Date.now() - started)) });
      client.oobOn = oob;
      return client;
    } catch (err) {
      client.fail(err as Error);
      throw err;
    } finally {
      clearTimeout(timer);
      clearTimeout(socketTimer);
    }
  }

  /** Whether out-of-band execution was negotiated (QmpOptions.oob and the monitor offers it). */
  get oob(): boolean {
    return this.oobOn;
  }

  /**
   * Sends one command out of band (`exec-oob`): QEMU runs it in the monitor's thread, at once,
   * whatever the in-band commands and the main loop are doing; its answer may overtake theirs.
   */
  executeOob(command: string, args?: object, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    if (!this.oobOn) return Promise.reject(new QmpError(command, 'OobNotNegotiated', 'out-of-band execution was not negotiated on this monitor'));
    return this.send([{ execute: command, arguments: args }], opts.timeoutMs, 'exec-oob')[0];
  }

  /** QEMU version from the greeting. */
  get version(): QmpVersion {
    return this.ver;
  }
  /** Resolves once the socket is closed, whoever closed it. */
  whenClosed(): Promise<void> {
    return this.socketClosed;
  }
  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Sends one command; a command colo reads (qmp/replies.ts) answers with its type, checked on arrival. */
  execute<C extends QmpCommand>(command: C, args?: object, opts?: { timeoutMs?: number }): Promise<QmpReplies[C]>;
  execute(command: string, args?: object, opts?: { timeoutMs?: number }): Promise<unknown>;
  execute(command: string, args?: object, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    return this.send([{ execute: command, arguments: args }], opts.timeoutMs)[0];
  }

  /**
   * Pipelined: all requests are written in one burst, then the answers are collected.
   * QEMU errors become { ok: false }; a timeout or a lost connection rejects the whole call.
   */
  async executeAll(cmds: Array<{ execute: string; arguments?: object }>, opts: { timeoutMs?: number } = {}): Promise<QmpResult[]> {
    if (cmds.length === 0) return [];
    const settled = await Promise.allSettled(this.send(cmds, opts.timeoutMs));
    const fatal = settled.find((s) => s.status === 'rejected' && !(s.reason instanceof QmpError));
    if (fatal) throw (fatal as PromiseRejectedResult).reason;
    return settled.map((s) => (s.status === 'fulfilled' ? { ok: true, value: s.value } : { ok: false, error: s.reason }));
  }

  /** Runs a human-monitor command and returns its text output. */
  hmp(commandLine: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    return this.execute('human-monitor-command', { 'command-line': commandLine }, opts);
  }

  /** Copy of every event received so far; its length is a valid `since` for waitForEvent. */
  events(): QmpEvent[] {
    return [...this.log];
  }

  /**
   * Resolves with the next event called `name` (and matching `pred`) that arrives after the call.
   * With `since: n`, events already received at index >= n are considered first: take
   * `n = client.events().length` BEFORE sending the command, because QEMU emits the event
   * before the command's answer. Timeout (default commandTimeoutMs) rejects with
   * QmpTimeoutError phase 'event' and leaves the client usable.
   */
  waitForEvent(name: string, pred: (e: QmpEvent) => boolean = () => true, opts: number | { timeoutMs?: number; since?: number } = {}): Promise<QmpEvent> {
    const { timeoutMs = this.opts.commandTimeoutMs ?? 10_000, since } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
    const match = (e: QmpEvent) => e.event === name && pred(e);
    const early = since === undefined ? undefined : this.log.slice(since).find(match);
    if (early) return Promise.resolve(early);
    if (this.closeReason) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(w);
      };
      const w: Waiter = {
        match,
        resolve: (e) => {
          done();
          resolve(e);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      const timer = setTimeout(() => w.reject(new QmpTimeoutError('event', timeoutMs, name)), timeoutMs);
      timer.unref();
      this.waiters.add(w);
    });
  }

  /** Idempotent. Pending commands and event waiters reject with QmpClosedError. */
  async close(): Promise<void> {
    this.fail(new QmpClosedError(`QMP ${this.address}: closed by caller`));
    await this.socketClosed;
  }

  private send(
    cmds: Array<{ execute: string; arguments?: object }>,
    timeoutMs = this.opts.commandTimeoutMs ?? 10_000,
    verb: 'execute' | 'exec-oob' = 'execute',
  ): Promise<unknown>[] {
    if (this.closeReason) return cmds.map(() => Promise.reject(this.closedError()));
    let wire = '';
    const answers = cmds.map(({ execute: command, arguments: args }) => {
      const id = `colo-${this.nextId++}`;
      wire += JSON.stringify(args === undefined ? { [verb]: command, id } : { [verb]: command, arguments: args, id }) + '\n';
      safely(() => this.opts.onSend?.(command, args));
      return new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => this.fail(new QmpTimeoutError('command', timeoutMs, command), id), timeoutMs);
        timer.unref();
        this.pending.set(id, { command, args, timer, resolve, reject });
      });
    });
    this.roundTrips++;
    this.commandsSent += cmds.length;
    this.socket.write(wire);
    if (this.tls) this.nudge();
    return answers;
  }

  /** A TLS connection that ended before the greeting: colo refused the monitor's certificate, or QEMU refused colo's (it says nothing). */
  private tlsFailure(): QmpConnectError {
    const e = this.socketError;
    // nothing listened there (or the socket is gone): no TLS was spoken at all
    if (e && ['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(e.code)) return e;
    if (e && /^(ERR_TLS_|UNABLE_TO_|CERT_|DEPTH_ZERO|SELF_SIGNED|ERR_SSL_)/.test(e.code) && !/ALERT/.test(e.code)) {
      return new QmpConnectError(e.code, `QMP ${this.address}: colo does not trust the monitor's certificate: ${e.message.replace(/^QMP \S+: /, '')}`);
    }
    return new QmpConnectError(
      'TLS_REFUSED',
      `QMP ${this.address}: the monitor cut the TLS connection before its greeting: it refused colo's client certificate (not signed by its CA, or not among its tls-authz identities)${e ? ` [${e.code}]` : ''}`,
    );
  }

  /** TLS: newline records until every pending answer has arrived (see the top of this file). */
  private nudge(): void {
    if (this.nudgeTimer) return;
    this.nudgeTimer = setInterval(() => {
      if (this.closeReason || this.pending.size === 0) {
        clearInterval(this.nudgeTimer);
        this.nudgeTimer = undefined;
        return;
      }
      if (this.socket.writableLength === 0) this.socket.write('\n');
    }, NUDGE_MS);
    this.nudgeTimer.unref();
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    for (let nl = this.buf.indexOf('\n'); nl >= 0 && !this.closeReason; nl = this.buf.indexOf('\n')) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: any;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      } // QEMU only sends whole JSON lines; skip noise
      if (msg && typeof msg === 'object') this.dispatch(msg);
    }
  }

  private dispatch(msg: any): void {
    if ('QMP' in msg) {
      this.greeting?.resolve(msg.QMP);
      this.greeting = undefined;
    } else if (typeof msg.event === 'string') {
      if (this.opts.keepEvents !== false) this.log.push(msg as QmpEvent);
      for (const w of [...this.waiters]) if (w.match(msg)) w.resolve(msg);
    } else if ('return' in msg || 'error' in msg) {
      // An answer without id means QEMU could not parse the request: it belongs to the oldest one.
      const id = msg.id !== undefined ? String(msg.id) : this.pending.keys().next().value;
      const p = id === undefined ? undefined : this.pending.get(id);
      if (!p || id === undefined) return;
      this.pending.delete(id);
      clearTimeout(p.timer);
      if ('error' in msg) {
        const error = new QmpError(p.command, String(msg.error?.class ?? 'GenericError'), String(msg.error?.desc ?? ''));
        safely(() => this.opts.onResult?.(p.command, p.args, { ok: false, error }));
        p.reject(error);
      } else {
        // typed once, here: an answer of another shape than colo reads is QEMU's error, never a crash further in
        const bad = replyProblem(p.command, msg.return);
        if (bad) {
          const error = new QmpError(p.command, 'UnexpectedReply', `the answer is ${bad}`);
          safely(() => this.opts.onResult?.(p.command, p.args, { ok: false, error }));
          p.reject(error);
          return;
        }
        safely(() => this.opts.onResult?.(p.command, p.args, { ok: true, value: msg.return }));
        p.resolve(msg.return);
      }
    }
  }

  /** Closes for good. `culprit` (a request id) gets `cause` itself; everything else a QmpClosedError. */
  private fail(cause: Error, culprit?: string): void {
    if (this.closeReason) return;
    this.closeReason = cause;
    clearInterval(this.nudgeTimer);
    this.socket.destroy();
    this.greeting?.reject(cause);
    this.greeting = undefined;
    const closed = this.closedError();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(id === culprit ? cause : closed);
    }
    this.pending.clear();
    for (const w of [...this.waiters]) w.reject(closed);
  }

  private closedError(): QmpClosedError {
    const cause = this.closeReason;
    if (cause instanceof QmpClosedError) return cause;
    return new QmpClosedError(`QMP ${this.address}: client closed (${cause?.message ?? 'unknown reason'})`, { cause });
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    /* observer hooks must not break the protocol */
  }
}
