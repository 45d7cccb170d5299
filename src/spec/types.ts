/** The validated spec with every default filled in. Produced by normalize.ts, consumed by model/. */

export type Role = 'primary' | 'secondary';

export interface QemuSpec {
  version: string;
  accel: 'kvm' | 'tcg';
  /** as written */
  memory: string;
  /** memory in bytes (a whole number of MiB once validated) */
  memoryBytes: number;
  smp: number;
  cpu: string;
  binary: string;
  machine?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  extraArgs: string[];
}

export interface NodeSpec {
  name: string;
  role: Role;
  host: string;
  qmp: string;
  workdir: string;
  netns?: string;
  /** the command that guarantees this node is off, run before a failover away from it */
  fence?: { run: string[]; timeoutMs: number };
  /** per-node netdev settings by netdev id (a tap's name can differ between hosts) */
  netdevs: Record<string, { ifname?: string; bridge?: string }>;
  /** a tls: QMP address: where colo's client certificate is (spec.tls.qmp.clientDir; $COLO_QMP_TLS_DIR overrides it) */
  qmpClientDir?: string;
}

export interface DiskSpec {
  id: string;
  size: string;
  sizeBytes: number;
  format: 'qcow2' | 'raw';
  interface: 'ide' | 'virtio';
}

export interface NicPorts {
  /** colo-compare primary_in: compare0 (server) and compare0-0 (client) on the primary */
  primaryIn: number;
  /** filter-mirror outdev: mirror0 on the primary, red0 on the secondary */
  mirror: number;
  /** colo-compare secondary_in: compare1 on the primary, red1 on the secondary */
  secondaryIn: number;
  /** colo-compare outdev: compare_out (server) and compare_out0 (client) on the primary */
  compareOut: number;
}

/** Ids of every QEMU object that belongs to one NIC. */
export interface NicIds {
  mirror: string; // filter-mirror (m0)
  redirectorIn: string; // primary filter-redirector indev=compare_out (redire0)
  redirectorOut: string; // primary filter-redirector outdev=compare0 (redire1)
  compare: string; // colo-compare (comp0)
  iothread: string; // iothread (iothread1)
  mirrorChardev: string; // mirror0
  secondaryInChardev: string; // compare1
  primaryInChardev: string; // compare0
  primaryInClient: string; // compare0-0
  compareOutChardev: string; // compare_out
  compareOutClient: string; // compare_out0
  secondaryMirrorChardev: string; // red0
  secondaryOutChardev: string; // red1
  secondaryRedirectorIn: string; // f1
  secondaryRedirectorOut: string; // f2
  rewriter: string; // rew0
}

export interface ExtraFilter {
  id: string;
  type: 'filter-dump' | 'filter-buffer' | 'filter-replay';
  /** which node runs it (the key `on` is its deprecated alias) */
  side: 'primary' | 'secondary' | 'both';
  props: Record<string, string | number | boolean>;
}

export interface NetdevSpec {
  id: string;
  type: 'user' | 'tap' | 'bridge';
  model: string;
  mac?: string;
  romfile?: string;
  ifname?: string;
  script?: string;
  downscript?: string;
  bridge?: string;
  helper?: string;
  vnetHdr?: boolean;
  ports: NicPorts;
  ids: NicIds;
  vnetHdrSupport: boolean;
  compare: { timeoutMs?: number; expiredScanCycleMs?: number; maxQueueSize?: number };
  extraFilters: ExtraFilter[];
}

export interface Hook {
  name: string;
  /** argv run on the machine where colo runs; COLO_* variables describe the event */
  run: string[];
  timeoutMs: number;
}

export interface Spec {
  apiVersion: 'colo/v1';
  kind: 'ColoPair';
  name: string;
  qemu: QemuSpec;
  nodes: [NodeSpec, NodeSpec];
  disks: DiskSpec[];
  netdevs: NetdevSpec[];
  ports: { migration: number; nbd: number; base: number };
  colo: {
    checkpointDelayMs: number;
    /** downtime-limit a resume sets on the primary where it stops before the switchover (kinds/switchover.ts) */
    resumeDowntimeLimitMs: number;
    /** the primary's disk child: QEMU 11's plain NBD node, or the replication driver */
    primaryChild: 'nbd' | 'replication';
    compare: { timeoutMs?: number; expiredScanCycleMs?: number; maxQueueSize?: number; vnetHdr: boolean };
  };
  hooks: { afterFailover: Hook[]; beforeResume: Hook[] };
  /** X.509 TLS (spec/tls.ts); absent: nothing is encrypted */
  tls?: TlsSpec;
}

export interface TlsSpec {
  /** every COLO channel on TLS: migration, NBD, the mirror/compare chardevs (default on) */
  channels: boolean;
  /** per node name: the directory its tls-creds-x509 objects read */
  dirs: Record<string, string>;
  /** DNs admitted on the channels' server ends (tls-authz); empty: any certificate of the node's CA */
  allowedIdentities: string[];
  qmp: { clientDir?: string; allowedIdentities: string[] };
}
