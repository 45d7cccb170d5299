// The test QEMUs listen on fixed loopback ports (41000–49999, each test file a range of its own),
// inside the kernel's ephemeral range: an outgoing connection of another test could take one of
// them as its local port, and a QEMU then fails "Address already in use". While the tests run, those
// ports are reserved (ip_local_reserved_ports: never handed out as ephemeral ones); the machine's
// own setting comes back afterwards. Without root nothing is changed.
import { readFileSync, writeFileSync } from 'node:fs';

const FILE = '/proc/sys/net/ipv4/ip_local_reserved_ports';
const TEST_PORTS = '41000-49999';

export default function setup(): () => void {
  let before: string | undefined;
  try {
    before = readFileSync(FILE, 'utf8').trim();
    writeFileSync(FILE, before ? `${before},${TEST_PORTS}` : TEST_PORTS);
  } catch {
    before = undefined;
  }
  return () => {
    if (before === undefined) return;
    try {
      writeFileSync(FILE, `${before}\n`);
    } catch {
      /* the machine's setting stays as the tests left it */
    }
  };
}
