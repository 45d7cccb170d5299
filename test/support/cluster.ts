// A Pacemaker + Corosync cluster of two or more hosts on this machine, for end-to-end tests. Each emulated host
// is a network namespace (veth into a bridge in a "switch" namespace, a TEST-NET address) plus its
// own mount, IPC, UTS and PID namespaces, whose PID 1 is cluster/node-init.sh: that host's corosync,
// corosync-qdevice (with a quorum device), pacemakerd, the colo agent Pacemaker runs, and the QEMU it
// launches all live inside. Killing the init kills every process of the host (a power loss); fencing
// is a poison pill (cluster/fence_colo_ns). With `qnetd`, a third emulated host on the same switch
// (cluster/qnetd-init.sh) runs corosync-qnetd: the quorum device decides a partition, so the cluster
// needs neither two_node nor a fencing delay. With `guestLan`, each host also has a guest LAN: a
// bridge br0 with a persistent tap0 for its QEMU and a veth into a LAN switch namespace (PREFIX-lan,
// 192.0.2.1/24, where the guest's clients run), as QEMU's COLO documentation bridges both hosts' taps.
// Every wait is bounded; down() stops each host by its recorded PID and deletes the namespaces.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('./cluster/', import.meta.url));

export interface ClusterNode {
  name: string;
  /** the host's address on the cluster/replication link (TEST-NET-1) */
  addr: string;
}

/** The quorum device: corosync-qnetd on a host of its own, corosync-qdevice on each cluster host. */
export interface QnetdOptions extends ClusterNode {
  /** quorum.device.timeout, ms: qnetd drops a silent qdevice after 1.5 × 0.8 × this (a cut-off host), and ffsplit waits for that */
  timeoutMs?: number;
  /** ffsplit (the vote to the larger partition; a 1:1 split to the side that still reaches qnetd, else the tie-breaker) or lms */
  algorithm: 'ffsplit' | 'lms';
}

export interface ClusterOptions {
  root: string;
  /** the cluster's nodes: two (with a quorum device, or two_node) or more (a majority decides) */
  nodes: ClusterNode[];
  /** a third host running corosync-qnetd: the cluster's quorum device (no two_node) */
  qnetd?: QnetdOptions;
  /** a guest LAN (PREFIX-lan, 192.0.2.1/24) with a bridge br0 and a persistent tap0 on each host */
  guestLan?: boolean;
  /** namespace prefix (names: PREFIX-NODE, PREFIX-sw) */
  prefix: string;
  /** corosync token timeout, ms */
  tokenMs: number;
  /** corosync consensus timeout, ms (default 1.2 × token; a two-node ring may take less than the token, more than join) */
  consensusMs?: number;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Whether a Pacemaker cluster can run here: root, namespaces, pacemaker and corosync installed. */
export function clusterMissing(): string {
  if (process.getuid?.() !== 0) return 'needs root (network, mount and PID namespaces)';
  for (const bin of ['corosync', 'pacemakerd', 'crm_mon', 'cibadmin', 'crm_attribute', 'unshare', 'nsenter', 'ip']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed (apt-get install pacemaker corosync pacemaker-cli-utils)`;
  }
  return '';
}

/** Whether a quorum device can run here: corosync-qnetd and corosync-qdevice installed. */
export function qdeviceMissing(): string {
  for (const bin of ['corosync-qnetd', 'corosync-qdevice']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed (apt-get install corosync-qnetd corosync-qdevice)`;
  }
  return '';
}

const live = new Set<Cluster>();
process.once('exit', () => {
  for (const c of live) c.downSync();
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    for (const c of live) {
      c.downSync();
      rmSync(c.o.root, { recursive: true, force: true });
    }
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  });
}

/** The site's fence device for `hosts`: the poison pill (cluster/fence_colo_ns) the cluster under `root` installs, as a CIB primitive. */
export function fencePrimitiveXml(root: string, hosts: string[]): string {
  return `<primitive id="fence-ns" class="stonith" type="fence_colo_ns">
    <instance_attributes id="fence-ns-params">
      <nvpair id="fence-ns-hosts" name="pcmk_host_list" value="${hosts.join(' ')}"/>
      <nvpair id="fence-ns-root" name="root" value="${root}"/>
    </instance_attributes>
    <operations><op id="fence-ns-mon" name="monitor" interval="60s"/></operations>
  </primitive>`;
}

export class Cluster {
  private inits = new Map<string, number>();
  /** a process holding each network namespace (switch and hosts), so it lives while a host is down
   * and whatever removes named namespaces (`ip -all netns delete`) cannot take the links away */
  private holders = new Map<string, number>();
  readonly sw: string;
  /** the guest LAN's switch namespace, where the guest's clients run (192.0.2.1/24) */
  readonly lan: string;

  constructor(readonly o: ClusterOptions) {
    this.sw = `${o.prefix}-sw`;
    this.lan = `${o.prefix}-lan`;
  }

  /** Every emulated host: the cluster nodes, then the quorum device's host. */
  private hosts(): ClusterNode[] {
    return this.o.qnetd ? [...this.o.nodes, this.o.qnetd] : [...this.o.nodes];
  }

  private switches(): string[] {
    return this.o.guestLan ? [this.sw, this.lan] : [this.sw];
  }

  ns(node: string): string {
    return `${this.o.prefix}-${node}`;
  }

  nodeDir(node: string): string {
    return join(this.o.root, 'nodes', node);
  }

  private corosyncConf(): string {
    const t = this.o.tokenMs;
    const nodes = this.o.nodes.map((n, i) => `  node {\n    name: ${n.name}\n    nodeid: ${i + 1}\n    ring0_addr: ${n.addr}\n  }`).join('\n');
    return `totem {
  version: 2
  cluster_name: colopcmk
  transport: knet
  crypto_cipher: none
  crypto_hash: none
  token: ${t}
  consensus: ${this.o.consensusMs ?? Math.round(t * 1.2)}
  join: 50
}
quorum {
  provider: corosync_votequorum
${this.quorumDevice()}}
logging {
  to_logfile: yes
  logfile: /var/log/corosync/corosync.log
  to_syslog: no
  to_stderr: no
  timestamp: hires
}
nodelist {
${nodes}
}
`;
  }

  /** two_node without a quorum device; with one, its vote decides (ffsplit: one vote, lms: nodes - 1) */
  private quorumDevice(): string {
    const q = this.o.qnetd;
    if (!q) return this.o.nodes.length === 2 ? '  two_node: 1\n' : '';
    // tls off: the test's switch is a bridge inside namespaces nothing else reaches (README: TLS for real hosts)
    return `  device {
    model: net
    votes: 1
    timeout: ${q.timeoutMs ?? 10000}
    net {
      host: ${q.addr}
      algorithm: ${q.algorithm}
      tls: off
    }
  }
`;
  }

  private seedCib(): string {
    return `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="true"/>
        <nvpair id="opt-dc-deadtime" name="dc-deadtime" value="2s"/>
        <nvpair id="opt-recheck" name="cluster-recheck-interval" value="1min"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
`;
  }

  private prepNode(node: string): void {
    const nd = this.nodeDir(node);
    for (const d of [
      'lib/pacemaker/cib',
      'lib/pacemaker/pengine',
      'lib/pacemaker/blackbox',
      'lib/pacemaker/cores',
      'lib/corosync',
      'log/pacemaker',
      'log/corosync',
      'etc-corosync',
      'tmp',
      'state',
    ])
      mkdirSync(join(nd, d), { recursive: true });
    writeFileSync(join(nd, 'etc-corosync', 'corosync.conf'), this.corosyncConf());
    const cib = join(nd, 'lib/pacemaker/cib/cib.xml');
    if (!existsSync(cib)) writeFileSync(cib, this.seedCib());
    execFileSync('chown', ['-R', 'hacluster:haclient', join(nd, 'lib/pacemaker'), join(nd, 'log/pacemaker')]);
    for (const d of ['cib', 'pengine', 'blackbox', 'cores']) chmodSync(join(nd, 'lib/pacemaker', d), 0o750);
    chmodSync(join(nd, 'log/pacemaker'), 0o770);
    chmodSync(cib, 0o600);
  }

  /** Networks, state and the fence agent (the OCF agent is ROOT/agents/PROVIDER/TYPE, installed first); then both hosts start. */
  up(): void {
    live.add(this);
    const { root, nodes } = this.o;
    chmodSync(root, 0o755); // the controller runs agents' meta-data as hacluster
    mkdirSync(join(root, 'agents'), { recursive: true });
    mkdirSync(join(root, 'fence'), { recursive: true });
    copyFileSync(join(HERE, 'fence_colo_ns'), join(root, 'fence', 'fence_colo_ns'));
    copyFileSync(join(HERE, 'node-init.sh'), join(root, 'node-init.sh'));
    chmodSync(join(root, 'fence', 'fence_colo_ns'), 0o755);
    chmodSync(join(root, 'node-init.sh'), 0o755);
    writeFileSync(join(root, 'fence.log'), '');
    chmodSync(join(root, 'fence.log'), 0o666); // the controller reads the agent's metadata as hacluster
    copyFileSync(join(HERE, 'qnetd-init.sh'), join(root, 'qnetd-init.sh'));
    chmodSync(join(root, 'qnetd-init.sh'), 0o755);
    const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe', timeout: 10_000 });
    const all = [...this.hosts().map((x) => this.ns(x.name)), ...this.switches()];
    for (const n of all) spawnSync('ip', ['netns', 'del', n]);
    for (const n of [...this.switches(), ...this.hosts().map((x) => this.ns(x.name))]) {
      ip('netns', 'add', n);
      this.holders.set(n, this.hold(n));
    }
    const inSw = (...a: string[]) => this.nsIp(this.sw, a);
    inSw('link', 'add', 'br0', 'type', 'bridge');
    inSw('link', 'set', 'br0', 'up');
    if (this.o.guestLan) {
      this.nsIp(this.lan, ['link', 'set', 'lo', 'up']);
      this.nsIp(this.lan, ['link', 'add', 'br0', 'type', 'bridge']);
      this.nsIp(this.lan, ['addr', 'add', '192.0.2.1/24', 'dev', 'br0']);
      this.nsIp(this.lan, ['link', 'set', 'br0', 'up']);
    }
    this.hosts().forEach((n, i) => {
      const ns = this.ns(n.name);
      this.nsIp(ns, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', String(this.holders.get(this.sw))]);
      inSw('link', 'set', `p${i}`, 'master', 'br0', 'up');
      this.nsIp(ns, ['addr', 'add', `${n.addr}/24`, 'dev', 'eth0']);
      this.nsIp(ns, ['link', 'set', 'eth0', 'up']);
      this.nsIp(ns, ['link', 'set', 'lo', 'up']);
      // a COLO host's tuning: a peer gone without a reset (cut link, power off) fails its TCP
      // connections in ~3 s instead of ~15 min, so QEMU's checkpoint drain towards it ends
      execFileSync('nsenter', ['-t', String(this.holders.get(ns)), '-n', 'sysctl', '-q', '-w', 'net.ipv4.tcp_retries2=3'], { timeout: 5000 });
      if (this.o.guestLan && i < nodes.length) {
        // the host's guest LAN: lan0 (into the LAN switch) and QEMU's tap0 on a bridge br0
        this.nsIp(ns, ['link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', `l${i}`, 'netns', String(this.holders.get(this.lan))]);
        this.nsIp(this.lan, ['link', 'set', `l${i}`, 'master', 'br0', 'up']);
        this.nsIp(ns, ['link', 'add', 'br0', 'type', 'bridge']);
        this.nsIp(ns, ['link', 'set', 'lan0', 'master', 'br0', 'up']);
        this.nsIp(ns, ['tuntap', 'add', 'tap0', 'mode', 'tap']);
        this.nsIp(ns, ['link', 'set', 'tap0', 'master', 'br0', 'up']);
        this.nsIp(ns, ['link', 'set', 'br0', 'up']);
      }
    });
    writeFileSync(join(root, 'holders.pids'), [...this.holders.values()].join(' '));
    // whatever ends this process, the hosts end too
    spawn('sh', [join(HERE, 'reaper.sh'), String(process.pid), root, ...all], {
      detached: true,
      stdio: 'ignore',
    }).unref();
    for (const n of nodes) this.prepNode(n.name);
    if (this.o.qnetd) this.startSync(this.o.qnetd.name);
    for (const n of nodes) this.startSync(n.name);
  }

  /** The guest LAN switch's holder PID (its clients run in that network namespace). */
  lanPid(): number {
    const pid = this.holders.get(this.lan);
    if (!pid) throw new Error('the cluster has no guest LAN');
    return pid;
  }

  /** A sleeper inside the namespace: the namespace lives as long as it does. */
  private hold(ns: string): number {
    const child = spawn('ip', ['netns', 'exec', ns, 'sleep', '86400'], { detached: true, stdio: 'ignore' });
    child.unref();
    return child.pid!;
  }

  /** `ip ARGS` inside a held namespace (by its holder's PID, not its name). */
  private nsIp(ns: string, args: string[]): void {
    execFileSync('nsenter', ['-t', String(this.holders.get(ns)), '-n', 'ip', ...args], { stdio: 'pipe', timeout: 10_000 });
  }

  alive(node: string): boolean {
    const pid = this.inits.get(node);
    if (!pid) return false;
    try {
      return /(node|qnetd)-init\.sh/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  }

  /** Starts (or restarts: a reboot keeps the host's CIB and disks) one host. */
  startSync(node: string): void {
    if (this.alive(node)) return;
    const q = this.o.qnetd?.name === node ? this.o.qnetd : undefined;
    const nd = this.nodeDir(node);
    if (q) mkdirSync(nd, { recursive: true });
    else this.prepNode(node);
    rmSync(join(nd, 'poison'), { force: true });
    const out = join(nd, 'init.out');
    const child = spawn(
      'nsenter',
      [
        '-t',
        String(this.holders.get(this.ns(node))),
        '-n',
        'unshare',
        '--mount',
        '--ipc',
        '--uts',
        '--pid',
        '--fork',
        '--mount-proc',
        '--kill-child',
        ...(q ? [join(this.o.root, 'qnetd-init.sh'), node, this.o.root, q.addr] : [join(this.o.root, 'node-init.sh'), node, this.o.root]),
      ],
      {
        detached: true,
        stdio: ['ignore', 'ignore', 'ignore'],
      },
    );
    child.unref();
    const outer = child.pid!;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      let kids: string[] = [];
      try {
        kids = readFileSync(`/proc/${outer}/task/${outer}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      } catch {
        /* not yet */
      }
      for (const k of kids) {
        try {
          if (/(node|qnetd)-init\.sh/.test(readFileSync(`/proc/${k}/cmdline`, 'utf8'))) {
            this.inits.set(node, Number(k));
            writeFileSync(join(nd, 'init.pid'), k);
            return;
          }
        } catch {
          /* gone */
        }
      }
      spawnSync('sleep', ['0.05']);
    }
    throw new Error(`host ${node} did not start (see ${out})`);
  }

  /** Runs a command inside a host (its network, mount, IPC, UTS and PID namespaces), bounded. */
  exec(node: string, argv: string[], timeoutMs = 10_000): Promise<ExecResult> {
    const pid = this.inits.get(node);
    if (!pid || !this.alive(node)) return Promise.resolve({ code: null, stdout: '', stderr: `${node} is down` });
    return new Promise((resolve) => {
      execFile(
        'nsenter',
        ['-t', String(pid), '-n', '-m', '-i', '-u', '-p', '--', ...argv],
        { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          resolve({ code: err ? ((err as any).code ?? null) : 0, stdout, stderr });
        },
      );
    });
  }

  /** crm_mon's XML as one live host sees the cluster. */
  async monXml(node?: string): Promise<string | undefined> {
    for (const n of node ? [node] : this.o.nodes.map((x) => x.name)) {
      if (!this.alive(n)) continue;
      const r = await this.exec(n, ['crm_mon', '-1', '--output-as=xml'], 5000);
      if (r.code === 0) return r.stdout;
    }
    return undefined;
  }

  /** All hosts online and a DC, as every live host sees it. */
  async formed(): Promise<boolean> {
    for (const n of this.o.nodes) {
      if (!this.alive(n.name)) return false;
      const x = await this.monXml(n.name);
      if (!x || !/current_dc present="true"/.test(x)) return false;
      if ((x.match(/<node name="[^"]*"[^>]*online="true"/g) ?? []).length !== this.o.nodes.length) return false;
    }
    return true;
  }

  /** Nodes where an instance of `clone` is Promoted / Unpromoted, as one live host sees it. */
  async roles(rsc: string): Promise<{ promoted: string[]; unpromoted: string[] }> {
    const x = (await this.monXml()) ?? '';
    const out = { promoted: [] as string[], unpromoted: [] as string[] };
    for (const m of x.matchAll(/<resource id="([^"]+)"[^>]*role="(Promoted|Unpromoted)"[^>]*>\s*<node name="([^"]+)"/g)) {
      if (m[1] !== rsc) continue;
      (m[2] === 'Promoted' ? out.promoted : out.unpromoted).push(m[3]);
    }
    return out;
  }

  async waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Replaces the CIB's resources (and constraints) from one host. */
  async load(resourcesXml: string, constraintsXml?: string): Promise<void> {
    const n = this.o.nodes.find((x) => this.alive(x.name))!.name;
    const put = async (scope: string, xml: string) => {
      const r = await this.exec(n, ['cibadmin', '--replace', '-o', scope, '--xml-text', xml], 15_000);
      if (r.code !== 0) throw new Error(`cibadmin --replace -o ${scope} failed: ${r.stderr}`);
    };
    await put('resources', resourcesXml);
    if (constraintsXml) await put('constraints', constraintsXml);
  }

  /** Power loss: SIGKILL of the host's PID 1 kills every process of it at once. */
  kill(node: string): void {
    const pid = this.inits.get(node);
    if (pid && this.alive(node)) process.kill(pid, 'SIGKILL');
  }

  /** The host's cluster/replication link down (no FIN, no RST reaches anyone) or up again. */
  link(node: string, up: boolean): void {
    const i = this.hosts().findIndex((n) => n.name === node);
    this.nsIp(this.sw, ['link', 'set', `p${i}`, up ? 'up' : 'down']);
  }

  fenceLog(): string {
    try {
      return readFileSync(join(this.o.root, 'fence.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Pacemaker's log of a host (for a failing test's message). */
  logTail(node: string, lines = 40, grep?: RegExp): string {
    try {
      const all = readFileSync(join(this.nodeDir(node), 'log/pacemaker/pacemaker.log'), 'utf8').split('\n');
      return (grep ? all.filter((l) => grep.test(l)) : all).slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Every host killed by its recorded PID (its QEMU and daemons with it), namespaces deleted. Synchronous: safe at exit. */
  downSync(): void {
    for (const n of this.hosts()) this.kill(n.name);
    const deadline = Date.now() + 10_000;
    for (const n of this.hosts()) while (this.alive(n.name) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
    for (const pid of this.holders.values()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.holders.clear();
    writeFileSync(join(this.o.root, 'down'), ''); // the reaper's work is done
    for (const n of [...this.hosts().map((x) => this.ns(x.name)), ...this.switches()]) spawnSync('ip', ['netns', 'del', n]);
    live.delete(this);
  }
}
