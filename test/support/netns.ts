// A private network for the guest test, inside a network namespace this test creates:
// bridge br0 192.0.2.1/24 (the client's side), one persistent tap per node, nothing leaves it.
import { execFileSync } from 'node:child_process';

export interface TestNet {
  ns: string;
  /** runs a command inside the namespace */
  exec(...argv: string[]): string;
  remove(): void;
}

const created = new Set<string>();
process.once('exit', () => {
  for (const ns of created) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
  }
});

export function createTestNet(ns: string, taps: string[]): TestNet {
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    /* was not there */
  }
  execFileSync('ip', ['netns', 'add', ns]);
  created.add(ns);
  const exec = (...argv: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' });
  exec('ip', 'link', 'set', 'lo', 'up');
  exec('ip', 'link', 'add', 'br0', 'type', 'bridge');
  exec('ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'br0');
  exec('ip', 'link', 'set', 'br0', 'up');
  taps.forEach((tap, i) => {
    exec('ip', 'tuntap', 'add', tap, 'mode', 'tap');
    // only the first node's tap faces the clients; the secondary's joins at failover
    if (i === 0) exec('ip', 'link', 'set', tap, 'master', 'br0');
    exec('ip', 'link', 'set', tap, 'up');
  });
  return {
    ns,
    exec,
    remove() {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* gone */
      }
      created.delete(ns);
    },
  };
}

/** Whether this process may create a network namespace and a tap in it (root with CAP_NET_ADMIN). */
export function canMakeNetns(): boolean {
  const probe = `colo-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'exec', probe, 'ip', 'tuntap', 'add', 'tap-probe', 'mode', 'tap'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
    } catch {
      /* never made */
    }
  }
}
