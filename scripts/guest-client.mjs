// A client of the test guest, run inside the test network namespace: an HTTP request every
// 1/rate s (each with its own timeout, never waiting for the previous one) and one long-lived TCP
// stream of counter lines. Prints events as JSON lines; on SIGTERM or after --duration, a summary.
// --records: also GET /rec once a second, the last record the guest's writer made durable on its
// disk (guest/init), printed as {rec: N, at: ms since the epoch when the answer arrived}.
// usage: node guest-client.mjs --host 192.0.2.10 [--duration S (0: until SIGTERM)] [--rate 2] [--timeout 2000] [--wait-ready S] [--records]
import http from 'node:http';
import net from 'node:net';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const host = arg('host', '192.0.2.10');
const duration = Number(arg('duration', '0')) * 1000;
const rate = Number(arg('rate', '2'));
const timeout = Number(arg('timeout', '2000'));
const waitReady = Number(arg('wait-ready', '0')) * 1000;
const records = process.argv.includes('--records');
const t0 = Date.now();
const emit = (o) => process.stdout.write(JSON.stringify({ t: Date.now() - t0, ...o }) + '\n');

function get(path = '/') {
  return new Promise((resolve) => {
    const start = Date.now();
    const req = http.get({ host, port: 80, path, timeout, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ ok: res.statusCode === 200 && (path !== '/' || body.includes('hello from colo guest')), ms: Date.now() - start, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ ok: false, ms: Date.now() - start, error: e.message }));
  });
}

if (waitReady) {
  const deadline = Date.now() + waitReady;
  for (;;) {
    const r = await get();
    if (r.ok) {
      emit({ ready: true });
      process.exit(0);
    }
    if (Date.now() > deadline) {
      emit({ ready: false, error: r.error });
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const requests = [];
const answers = [];
// connections: those that delivered lines; drops: such a connection closed while the client ran;
// attempts: every connect (a refused one before the guest's server is up is retried after 1 s)
const stream = { attempts: 0, connections: 0, drops: 0, lines: 0, jumps: 0, last: undefined, lastAt: undefined, maxGapMs: 0 };
let current;

function connectStream() {
  stream.attempts++;
  const sock = net.createConnection({ host, port: 8080 });
  current = sock;
  let buf = '';
  let delivered = false;
  sock.setEncoding('utf8');
  sock.on('data', (d) => {
    if (!delivered) stream.connections++;
    delivered = true;
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const n = Number(buf.slice(0, i).trim());
      buf = buf.slice(i + 1);
      const now = Date.now();
      if (stream.last !== undefined && n !== stream.last + 1) {
        stream.jumps++;
        emit({ stream: 'jump', from: stream.last, to: n });
      }
      if (stream.lastAt !== undefined) stream.maxGapMs = Math.max(stream.maxGapMs, now - stream.lastAt);
      stream.last = n;
      stream.lastAt = now;
      stream.lines++;
    }
  });
  sock.on('error', (e) => emit({ stream: 'error', error: e.message }));
  sock.on('close', () => {
    if (done) return;
    if (delivered) stream.drops++;
    emit({ stream: delivered ? 'dropped' : 'closed' });
    setTimeout(connectStream, 1000);
  });
}

let done = false;
connectStream();
const timer = setInterval(async () => {
  const sent = Date.now();
  const r = await get();
  requests.push({ sent: sent - t0, ...r });
  if (r.ok) answers.push(Date.now());
  // at: when the request was sent (ms since the epoch), so a caller can place it among its own events
  emit({ http: r.ok ? 'ok' : 'failed', at: sent, ms: r.ms, ...(r.error ? { error: r.error } : {}) });
}, 1000 / rate);
// the record number: its own requests (not counted among the HTTP requests above), one at a time
const rec = { polled: 0, answered: 0, last: undefined };
const recTimer = records
  ? setInterval(async () => {
      if (rec.busy) return;
      rec.busy = true;
      rec.polled++;
      const r = await get('/rec');
      rec.busy = false;
      const n = r.ok && /^\d+\s*$/.test(r.body) ? Number(r.body) : undefined;
      if (n === undefined) return;
      rec.answered++;
      rec.last = n;
      emit({ rec: n, at: Date.now() });
    }, 1000)
  : undefined;

function finish() {
  if (done) return;
  done = true;
  clearInterval(timer);
  if (recTimer) clearInterval(recTimer);
  // let requests in flight end (each is bounded by its timeout)
  setTimeout(() => {
    current?.destroy();
    answers.sort((a, b) => a - b);
    let longestGapMs = 0;
    for (let i = 1; i < answers.length; i++) longestGapMs = Math.max(longestGapMs, answers[i] - answers[i - 1]);
    const failures = requests.filter((r) => !r.ok);
    const failed = failures.length;
    const errors = {};
    for (const f of failures) errors[f.error ?? 'bad reply'] = (errors[f.error ?? 'bad reply'] ?? 0) + 1;
    emit({
      summary: {
        total: requests.length,
        failed,
        longestGapMs,
        latencyMedianMs: requests.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(requests.length / 2)] ?? null,
        latencyMaxMs: requests.reduce((m, r) => Math.max(m, r.ms), 0),
        errors,
        failedAtMs: failures.slice(0, 20).map((f) => f.sent),
        stream: {
          attempts: stream.attempts,
          connections: stream.connections,
          drops: stream.drops,
          lines: stream.lines,
          jumps: stream.jumps,
          maxGapMs: stream.maxGapMs,
        },
        ...(records ? { records: { polled: rec.polled, answered: rec.answered, last: rec.last ?? null } } : {}),
      },
    });
    process.exit(0);
  }, timeout + 200);
}
process.on('SIGTERM', finish);
if (duration) setTimeout(finish, duration);
