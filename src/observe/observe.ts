import type { NodeSpec, Spec } from '../spec/types.js';
import type { ObservedNode, Silence } from '../model/observed.js';
import { formatQmpAddress, parseQmpAddress } from '../addr/qmp-address.js';
import { statSync } from 'node:fs';
import { lockMonitor, QmpBusyError, QmpHungMarkError, warnUnlocked } from '../qmp/monitor-lock.js';
import { clientDir, loadClientCredentials } from '../qmp/tls.js';
import type { QmpReplies } from '../qmp/replies.js';
import { QmpClient, QmpConnectError, QmpTimeoutError, type QmpOptions, type QmpResult } from '../qmp/client.js';
import { summarizeSchema, type SchemaEntry } from '../model/schema-summary.js';
import { COMPARE_PROPS, FIRST_READS, normalizeReads, readKey, TLS_CREDS_PROPS, type RawReads } from './normalize.js';
import { cachedSchema, schemaKey, storeSchema } from './schema-cache.js';
import { trace } from '../sys/trace.js';

export interface ObserveOptions {
  /** bound on connect + greeting and on each burst (ms) */
  timeoutMs?: number;
  /** how long the silent replication hang must persist to count as the silent hang (ms) */
  hangConfirmMs?: number;
  /** false: skip the second burst (colo-compare properties), as a failover does */
  objectProps?: boolean;
  /**
   * The properties of objects already read on this node (apply's read before the steps), kept for
   * objects no step added or deleted since: with every object of the second burst known, it is not sent
   */
  knownProps?: RawReads['props'];
  /** how long to queue for the monitor behind other colo processes (ms); see connectNode */
  lockWaitMs?: number;
  /** bound on a tcp:/unix: socket's connect alone (ms), within timeoutMs: QmpOptions.socketConnectTimeoutMs */
  socketConnectTimeoutMs?: number;
  /** called for every command answered (apply journals its reads with it) */
  onResult?: (node: string, command: string, args: unknown, result: QmpResult) => void;
}

export interface NodeReading {
  observed: ObservedNode;
  raw?: RawReads;
  /** QMP round trips (bursts) used */
  roundTrips: number;
}

const GONE = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** A connection failure is a state, not a crash: no socket → unreachable; no answer → hung; held by another colo process → busy. */
export function unreachableFrom(name: string, err: unknown, timeoutMs: number): ObservedNode {
  const hung = (silence: Silence, error: string): ObservedNode => ({ name, reach: 'hung', silence, error, resources: {}, jobs: [] });
  if (err instanceof QmpBusyError) return { name, reach: 'busy', error: err.message, resources: {}, jobs: [] };
  if (err instanceof QmpHungMarkError) return hung(err.silence, `${err.detail} (seen by the colo process before this one)`);
  if (err instanceof QmpTimeoutError) {
    const silence: Silence = err.phase === 'connect' || err.phase === 'greeting' ? err.phase : 'reply';
    // the bound that ran out: a connect bound shorter than the whole read says its own
    return hung(
      silence,
      `QMP ${err.phase} did not answer within ${Math.min(err.timeoutMs, timeoutMs)} ms (QEMU main loop stopped, or another client holds the monitor)`,
    );
  }
  if (err instanceof QmpConnectError && err.code === 'EAGAIN')
    return hung('backlog', 'QMP listen backlog full: QEMU accepts no connection (main loop stopped)');
  const code =
    err instanceof QmpConnectError
      ? /^(TLS_|ERR_TLS_|UNABLE_TO_|CERT_|DEPTH_ZERO|SELF_SIGNED|ERR_SSL_)/.test(err.code)
        ? err.message
        : err.code
      : (err as Error).message;
  // a socket that is not there, that nobody listens on, or that its host reset, proves this QEMU is
  // gone (its host answered for it); a route that fails (EHOSTUNREACH, ENETUNREACH, ETIMEDOUT) may be a partition
  if (err instanceof QmpConnectError && GONE.has(err.code)) return { name, reach: 'unreachable', error: `QMP socket: ${code}`, resources: {}, jobs: [] };
  return hung('path', `QMP socket: ${code} (the node may be alive behind a broken path)`);
}

export interface ConnectOptions extends QmpOptions {
  /** how long to queue for the monitor behind other colo processes (ms); default 3 × connectTimeoutMs, at least 5 s */
  lockWaitMs?: number;
}

/**
 * The one way to reach a node's monitor: queue for it behind other colo processes on this host
 * (qmp/monitor-lock.ts), then connect; the monitor is this client's until it closes.
 */
export async function connectNode(node: NodeSpec, opts: ConnectOptions): Promise<QmpClient> {
  const endpoint = parseQmpAddress(node.qmp);
  if (!endpoint) throw new QmpConnectError('EINVAL', `bad QMP address ${node.qmp}`);
  if (endpoint.kind === 'tls' && !opts.tls) {
    const dir = clientDir(node.qmpClientDir);
    if (!dir)
      throw new QmpConnectError('TLS_CREDS', `QMP ${node.qmp}: no client certificate for node ${node.name} (spec.tls.qmp.clientDir or COLO_QMP_TLS_DIR)`);
    try {
      opts = { ...opts, tls: loadClientCredentials(dir) };
    } catch (e) {
      throw new QmpConnectError('TLS_CREDS', `QMP ${node.qmp}: cannot read colo's client certificate in ${dir}: ${(e as Error).message}`);
    }
  }
  const timeoutMs = opts.connectTimeoutMs ?? 3000;
  // a unix socket that is not there: no QEMU (unreachable), known without queueing behind anyone
  if (endpoint.kind === 'unix') {
    try {
      statSync(endpoint.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new QmpConnectError('ENOENT', `QMP ${node.qmp}: no socket at ${endpoint.path}`);
    }
  }
  const lock = await lockMonitor(formatQmpAddress(endpoint), opts.lockWaitMs ?? Math.max(3 * timeoutMs, 5000), { timeoutMs });
  if (lock.warning) warnUnlocked(lock.warning);
  let client: QmpClient;
  try {
    client = await QmpClient.connect(endpoint, opts);
  } catch (e) {
    // this process held the monitor and its QEMU did not greet it in time: hung, and the queue behind may
    // say so at once (only a silence: a refused certificate or a broken route is this process's own answer)
    const seen = unreachableFrom(node.name, e, timeoutMs);
    const silence = seen.silence === 'connect' || seen.silence === 'greeting' || seen.silence === 'backlog' ? seen.silence : undefined;
    try {
      // marked with the bound this process waited (a shorter connect bound is honoured by no longer reader)
      if (silence) lock.markHung(seen.error ?? 'no answer', e instanceof QmpTimeoutError ? Math.min(e.timeoutMs, timeoutMs) : timeoutMs, silence);
      else lock.clearHung();
    } finally {
      lock.release();
    }
    throw e;
  }
  // the lock follows the connection before anything else can fail: a live monitor is never left locked
  // (and so read as busy or hung by the next process) because a step after the connect threw
  void client.whenClosed().then(
    () => lock.release(),
    () => lock.release(),
  );
  try {
    lock.greeted();
    lock.clearHung();
  } catch {
    /* never throw; a connected client is returned whatever the lock file's fate */
  }
  return client;
}

/** Reads one node's whole state in two pipelined bursts over an open client. */
export async function readNode(name: string, client: QmpClient, opts: ObserveOptions = {}): Promise<NodeReading> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const start = client.roundTrips;
  // the schema once per QEMU build: in the same burst when it is not cached yet (no extra round trip)
  const key = schemaKey(client.version);
  let schema = cachedSchema(key);
  // query-version answers what the greeting said (QEMU greets with query-version's own answer): not sent again
  const v = client.version;
  const greeted = v.major > 0;
  const wanted = greeted ? FIRST_READS.filter((r) => r.execute !== 'query-version') : FIRST_READS;
  const reads: Array<{ execute: string; arguments?: object }> = wanted.map((r) => ({ ...r }));
  if (!schema) reads.push({ execute: 'query-qmp-schema' });
  const answers = await client.executeAll(reads, { timeoutMs });
  const first: RawReads['first'] = greeted ? { 'query-version': { qemu: { major: v.major, minor: v.minor, micro: v.micro }, package: v.package } } : {};
  wanted.forEach((r, i) => {
    const a = answers[i];
    if (a.ok) (first as Record<string, unknown>)[readKey(r)] = a.value;
  });
  const schemaAnswer = answers[wanted.length];
  if (!schema && schemaAnswer?.ok && Array.isArray(schemaAnswer.value)) {
    schema = summarizeSchema(schemaAnswer.value as SchemaEntry[]);
    storeSchema(key, schema);
  }
  const objects = (first['qom-list'] ?? []) as Array<{ name: string; type: string }>;
  const compares = objects.filter((o) => o.type === 'child<colo-compare>').map((o) => o.name);
  const creds = objects.filter((o) => o.type === 'child<tls-creds-x509>').map((o) => o.name);
  const props: RawReads['props'] = {};
  const known = opts.knownProps ?? {};
  for (const id of [...compares, ...creds]) if (known[id]) props[id] = known[id];
  const unknown = (id: string) => !known[id];
  if ((compares.some(unknown) || creds.some(unknown)) && opts.objectProps !== false) {
    const reads = [
      ...compares.filter(unknown).flatMap((id) => COMPARE_PROPS.map((property) => ({ id, property }))),
      ...creds.filter(unknown).flatMap((id) => TLS_CREDS_PROPS.map((property) => ({ id, property }))),
    ];
    const got = await client.executeAll(
      reads.map(({ id, property }) => ({ execute: 'qom-get', arguments: { path: `/objects/${id}`, property } })),
      { timeoutMs },
    );
    reads.forEach(({ id, property }, i) => {
      const a = got[i];
      if (a.ok) (props[id] ??= {})[property] = a.value as QmpReplies['qom-get'];
    });
  }
  trace(`read ${name}: ${client.roundTrips - start} bursts`);
  const raw: RawReads = { first, props, package: client.version.package, ...(schema ? { schema } : {}) };
  const observed = normalizeReads(name, raw);
  // the silent replication hang: the primary stuck in finish-migrate / the secondary in inmigrate while migration says colo
  const suspect =
    first['query-migrate']?.status === 'colo' &&
    ((observed.runstate === 'finish-migrate' && observed.colo?.mode === 'primary') ||
      (observed.runstate === 'inmigrate' && observed.colo?.mode === 'secondary'));
  if (suspect) {
    await new Promise((r) => setTimeout(r, opts.hangConfirmMs ?? 1500));
    const again = await client.execute('query-status', undefined, { timeoutMs });
    observed.hangSignature = again?.status === observed.runstate;
  }
  return { observed, raw, roundTrips: client.roundTrips - start };
}

/** Connects, reads, closes. Never throws for an unreachable or hung node. */
export async function observeNode(node: NodeSpec, opts: ObserveOptions = {}): Promise<NodeReading> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  let client: QmpClient | undefined;
  try {
    const onResult = opts.onResult;
    client = await connectNode(node, {
      connectTimeoutMs: timeoutMs,
      commandTimeoutMs: timeoutMs,
      ...(opts.lockWaitMs !== undefined ? { lockWaitMs: opts.lockWaitMs } : {}),
      ...(opts.socketConnectTimeoutMs !== undefined ? { socketConnectTimeoutMs: opts.socketConnectTimeoutMs } : {}),
      ...(onResult ? { onResult: (cmd: string, args: unknown, r: QmpResult) => cmd !== 'qmp_capabilities' && onResult(node.name, cmd, args, r) } : {}),
    });
    const reading = await readNode(node.name, client, opts);
    return { ...reading, roundTrips: client.roundTrips };
  } catch (e) {
    return { observed: unreachableFrom(node.name, e, timeoutMs), roundTrips: client?.roundTrips ?? 0 };
  } finally {
    await client?.close();
  }
}

/** Both nodes in parallel. */
export async function observePair(spec: Spec, opts: ObserveOptions = {}): Promise<Record<string, NodeReading>> {
  const readings = await Promise.all(spec.nodes.map((n) => observeNode(n, opts)));
  return Object.fromEntries(readings.map((r) => [r.observed.name, r]));
}
