// Two emulated hosts for tests: each node in its own network namespace, with its own address on a
// replication link (TEST-NET-2, 198.51.100.0/24, a bridge in a third "switch" namespace: nothing
// leaves these namespaces). QMP stays on unix sockets in the shared filesystem. A host can lose its
// link (no FIN, no RST reaches the peer), freeze (every process stopped) or lose power (links down
// and every process killed at once). Namespaces are removed after each test, even when it fails.
import { execFileSync } from 'node:child_process';
import { afterEach } from 'vitest';

export interface Host {
  ns: string;
  addr: string;
  /** the host's processes (QEMU, by `ip netns pids`) */
  pids(): number[];
  linkDown(): void;
  linkUp(): void;
  /** every process of the host stopped (SIGSTOP) / continued */
  freeze(): void;
  thaw(): void;
  /** the link down, then every process killed: the peer hears nothing */
  powerOff(): void;
}

export interface Hosts {
  a: Host;
  b: Host;
  remove(): void;
}

const live = new Set<string>();
let counter = 0;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function removeNs(ns: string): void {
  try {
    for (const pid of ip('netns', 'pids', ns).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  } catch {
    /* no such namespace */
  }
  try {
    ip('netns', 'del', ns);
  } catch {
    /* gone */
  }
  live.delete(ns);
}

process.once('exit', () => {
  for (const ns of [...live]) removeNs(ns);
});

/** afterEach: every namespace a test made is removed (its processes killed first). */
export function useHostsCleanup(): void {
  afterEach(() => {
    for (const ns of [...live]) removeNs(ns);
  });
}

function signalAll(ns: string, signal: NodeJS.Signals): void {
  for (const pid of ip('netns', 'pids', ns).split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), signal);
    } catch {
      /* gone */
    }
  }
}

export function makeHosts(): Hosts {
  const id = `${process.pid % 10000}-${counter++}`;
  const sw = `colo-sw-${id}`;
  const names = { a: `colo-ha-${id}`, b: `colo-hb-${id}` };
  const addrs = { a: '198.51.100.11', b: '198.51.100.12' };
  for (const ns of [sw, names.a, names.b]) {
    removeNs(ns);
    ip('netns', 'add', ns);
    live.add(ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  }
  ip('-n', sw, 'link', 'add', 'rep', 'type', 'bridge');
  ip('-n', sw, 'link', 'set', 'rep', 'up');
  const host = (n: 'a' | 'b'): Host => {
    const ns = names[n];
    const peer = `r${n}-${id}`.slice(0, 15);
    ip('-n', ns, 'link', 'add', 'rep0', 'type', 'veth', 'peer', 'name', peer, 'netns', sw);
    ip('-n', sw, 'link', 'set', peer, 'master', 'rep');
    ip('-n', sw, 'link', 'set', peer, 'up');
    ip('-n', ns, 'addr', 'add', `${addrs[n]}/24`, 'dev', 'rep0');
    ip('-n', ns, 'link', 'set', 'rep0', 'up');
    return {
      ns,
      addr: addrs[n],
      pids: () => ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number),
      linkDown: () => ip('-n', ns, 'link', 'set', 'rep0', 'down'),
      linkUp: () => ip('-n', ns, 'link', 'set', 'rep0', 'up'),
      freeze: () => signalAll(ns, 'SIGSTOP'),
      thaw: () => signalAll(ns, 'SIGCONT'),
      powerOff() {
        ip('-n', ns, 'link', 'set', 'rep0', 'down');
        signalAll(ns, 'SIGKILL');
      },
    };
  };
  const hosts = { a: host('a'), b: host('b') };
  return {
    ...hosts,
    remove() {
      for (const ns of [names.a, names.b, sw]) removeNs(ns);
    },
  };
}
