// The baseline the benchmark compares colo with: the least a script can do to send a list of QMP
// commands over a socket (no spec, no reads, no checks), polling where a wait is asked for.
// usage: node scripts/raw-qmp.mjs SOCKET 'JSON array of {execute, arguments} | {wait: "query-x", field, equals} | {sleep: ms}' [...more SOCKET JSON pairs]
// (`field` is a dotted path into the reply: "status", "0.ready", "length")
import net from 'node:net';

function session(path) {
  const sock = net.createConnection({ path });
  let buf = '';
  const queue = [];
  let greeted;
  const greeting = new Promise((r) => (greeted = r));
  sock.setEncoding('utf8');
  sock.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (msg.QMP) greeted();
      else if (!msg.event) queue.shift()(msg);
    }
  });
  const send = (execute, args) =>
    new Promise((resolve) => {
      queue.push(resolve);
      sock.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
    });
  return { greeting, send, close: () => sock.end() };
}

const pairs = process.argv.slice(2);
for (let k = 0; k < pairs.length; k += 2) {
  const s = session(pairs[k]);
  await s.greeting;
  await s.send('qmp_capabilities');
  for (const c of JSON.parse(pairs[k + 1])) {
    if (c.sleep) {
      await new Promise((r) => setTimeout(r, c.sleep));
    } else if (c.wait) {
      for (;;) {
        const r = await s.send(c.wait);
        if (c.field.split('.').reduce((o, k) => o?.[k], r.return) === c.equals) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    } else {
      const r = await s.send(c.execute, c.arguments);
      if (r.error) {
        console.error(`${c.execute}: ${r.error.desc}`);
        process.exit(1);
      }
    }
  }
  s.close();
}
