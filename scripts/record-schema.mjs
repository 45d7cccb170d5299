// Records a real QEMU's QMP schema as a test fixture: the offline plan's profile of a version is the
// summary of the schema recorded from that QEMU (see src/model/schema-summary.ts).
// usage: node scripts/record-schema.mjs [QEMU-BINARY]   → test/fixtures/schema/qemu-X.Y.Z.json.gz
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const binary = process.argv[2] ?? 'qemu-system-x86_64';
const dir = mkdtempSync('/tmp/colo-schema-');
const sock = join(dir, 'qmp.sock');
const qemu = spawn(binary, ['-M', 'none', '-display', 'none', '-nodefaults', '-S', '-qmp', `unix:${sock},server=on,wait=off`], { stdio: 'ignore' });
const stop = () => {
  try {
    qemu.kill('SIGKILL');
  } catch {
    /* gone */
  }
  rmSync(dir, { recursive: true, force: true });
};
const timer = setTimeout(() => {
  console.error('QEMU did not answer within 20 s');
  stop();
  process.exit(1);
}, 20_000);

async function connect() {
  for (;;) {
    try {
      return await new Promise((resolve, reject) => {
        const s = net.createConnection({ path: sock }, () => resolve(s));
        s.once('error', reject);
      });
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
const s = await connect();
let buf = '';
const replies = [];
s.setEncoding('utf8');
s.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    const m = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    if (!m.event) replies.push(m);
  }
});
const next = async (n) => {
  while (replies.length < n) await new Promise((r) => setTimeout(r, 10));
  return replies[n - 1];
};
const greeting = (await next(1)).QMP;
s.write('{"execute":"qmp_capabilities"}\n{"execute":"query-qmp-schema"}\n');
const schema = (await next(3)).return;
const v = greeting.version.qemu;
const name = `qemu-${v.major}.${v.minor}.${v.micro}.json.gz`;
writeFileSync(join('test/fixtures/schema', name), gzipSync(JSON.stringify({ version: greeting.version, schema })));
console.log(`test/fixtures/schema/${name}: ${schema.length} schema entries (${greeting.version.package})`);
clearTimeout(timer);
s.end();
stop();
