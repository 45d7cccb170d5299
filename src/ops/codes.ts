// Every error and warning code colo prints, with its one line of documentation: the spec's problems
// (src/spec/errors.ts lists them for the spec layer), the operations' refusals and the commands'.
// ColoError takes only these codes; the README's table lists every one (test/unit/readme-codes.test.ts).

export const CODES = {
  // reading a spec
  FILE_READ: 'a file cannot be read: the reason in words ("no such file or directory (ENOENT)"); a FIFO or a device is refused at once',
  INPUT_LIMIT: 'the spec is over 64 KiB, 5000 values (aliases expanded) or 64 levels',
  INPUT_ENCODING: 'the spec is not UTF-8 (UTF-16, NUL bytes, invalid bytes)',
  YAML_SYNTAX: 'the file is not YAML: the first syntax error, where it is (a self-containing alias, a %YAML 1.1 directive too)',
  YAML_TAG: "a tag other than YAML 1.2's core ones (!env X, !!binary, !!set): refused rather than dropped",
  NUL_CHARACTER: 'a NUL in a value or key: no command line or file name can carry one',
  CONTROL_CHARACTER: 'a control character (ANSI escape, DEL, C1) or a bidirectional override in a value or key',
  // the schema
  SCHEMA_TYPE: 'the schema: a wrong type',
  SCHEMA_REQUIRED: 'the schema: a missing key',
  SCHEMA_UNKNOWN_KEY: 'the schema: an unknown key',
  SCHEMA_ENUM: 'the schema: a value not among those allowed',
  SCHEMA_PATTERN: 'the schema: a value not of its pattern',
  SCHEMA_RANGE: 'the schema: a value out of range',
  SCHEMA_COUNT: 'the schema: too many or too few items',
  SCHEMA_INVALID: 'the schema: none of the allowed forms',
  // the spec's semantic rules
  DUPLICATE_NODE_NAME: 'two nodes of the pair have one name',
  DUPLICATE_PAIR_NAME: 'two files of a fleet name the same pair (both positions given)',
  DUPLICATE_ID: 'two resources of the pair have one id',
  ROLE_COUNT: 'not one primary and one secondary',
  PORT_COLLISION: 'two channels on one port of one host',
  PORT_RANGE: 'a derived port beyond 65535',
  INVALID_SIZE: 'a size QEMU would refuse',
  INVALID_HOST: 'a host that is neither an IP literal nor a DNS name',
  UNSAFE_ID: 'an id that cannot reach a QEMU option safely',
  QUEUE_SIZE_CONFLICT: "two NICs' colo-compare max_queue_size differ (QEMU keeps one per process)",
  UNKNOWN_REFERENCE: 'a name that refers to nothing in the spec',
  VHOST_ON_TAP: 'vhost on a COLO NIC: the filters cannot see its packets',
  NETDEV_OPTION: 'a netdev option of another backend',
  RELATIVE_PATH: 'a path QEMU, colo or a program they run reads is not absolute (workdir, unix: QMP socket, kernel, helper, script, TLS dirs)',
  FENCE_NO_OP: 'a fence that does nothing and exits 0 (true, :, exit 0): a failover would take it for the node being off',
  // TLS
  TLS_CONFIG: 'the tls section is incomplete or contradicts itself',
  TLS_FILE: 'a credential file the tls section names is missing or unreadable',
  TLS_CERT: 'a certificate is not signed by its CA, expired, or not the key of its pair',
  TLS_NAME: 'a server certificate does not name the address its peers connect to',
  TLS_AUTHZ: "a node's own DN is not among the identities its peer admits",
  // warnings only: validate and plan still succeed
  QMP_UNAUTHENTICATED: 'warning: QMP over plain TCP off loopback has no authentication',
  CHANNELS_IN_CLEAR: 'warning: COLO channels cross the network without TLS',
  QMP_UNREACHABLE: 'warning: a unix QMP socket colo cannot reach from the host it runs on',
  HOOK_RUNS_HERE: 'warning: a hook runs on the machine colo runs on, not on the node',
  DEPRECATED_KEY: 'warning: a key of an older spelling, still read',
  UNKNOWN_VERSION: 'warning: a QEMU version colo has no recorded profile of',
  QEMU_PROFILE: 'warning: what the QEMU profile cannot do (TCG deadlocks, a missing command)',
  // files colo writes and saved plans
  FILE_WRITE: 'the journal cannot be written',
  PLAN_READ: 'a saved plan cannot be read, or is not JSON',
  PLAN_FORMAT: 'a saved plan is not a live plan of this format (checked against schemas/plan.schema.json)',
  // the command line
  BAD_OPTION: 'a command-line value',
  NEEDS_OFFLINE: 'plan --assume without --offline: an assumed state is never compared with the live pair',
  UNKNOWN_NODE: 'no node of that name in the spec',
  USAGE: 'an error of the option parser: a missing option, an unknown command or option',
  // apply and failover
  STEP_FAILED: "a QMP step failed: the node, the step and QEMU's own text; apply again continues from the live state",
  STALE_PLAN: "the saved plan's fingerprint no longer matches; what moved is listed",
  PLAN_SPEC_MISMATCH:
    'the saved plan was made for another pair or another version of the spec (name, specHash), or runs a hook or fence the spec does not write, or is not the plan colo makes now (an edited transition, gated, failover or step)',
  FAILOVER_GATED: 'the plan is a failover and --allow-failover was not given',
  BLOCKED: 'nothing apply can do: the pair is blocked (split brain, neither node answers)',
  BLOCKED_CHANGES: 'nothing apply can do in place: a change needs a relaunch',
  DEGRADED: 'nothing apply can do: the survivor runs alone and there is no secondary',
  LOCKED: 'another apply, failover or agent action holds the pair',
  NEEDS_APPROVAL: 'stdin is not a terminal and --auto-approve is missing',
  SURVIVOR_UNREACHABLE: 'colo failover cannot reach the survivor',
  NO_FAILOVER: 'the survivor is in no state to take over',
  PEER_ALIVE: 'a failover away from a node that answers as a live COLO node (or whose monitor is busy)',
  NEEDS_FENCE: 'a failover away from a hung node with no fence command',
  MIXED_QEMU: 'the nodes run different QEMU lines or machine types',
  NO_COLO: 'a QEMU built without COLO',
  // launch
  NOT_THIS_HOST: "colo launch/stop: the node's host is not an address of this machine (--force for NAT and the like, journaled)",
  ALREADY_RUNNING: 'colo launch: the node answers already',
  PREPARE_FAILED: 'colo launch: qemu-img failed',
  PARENT_SIZE: 'colo launch: an existing parent image has another size',
  LAUNCH_FAILED: 'colo launch: QEMU failed (its text and the tail of WORKDIR/qemu.log)',
  // colo diff
  CHANGE_REFUSED: 'colo diff --fail-on: a change is of that class or stronger',
  GIT_REF: 'colo diff --base: git does not know the revision, the file is in no repository, or the revision could be read as an option',
  // the OCF agent
  OCF_SPEC: 'colo ocf: the resource names no spec (OCF_RESKEY_spec)',
  OCF_NODE: 'colo ocf: no node parameter and crm_node -n gives no name',
  CLUSTER_NODES: 'colo ocf config: a node name that is two hosts across the pairs, or a host under two node names',
  OCF_NAME: 'colo ocf install --name: not a name Pacemaker takes as an agent type (a letter, then letters, digits, _ . -)',
  // a fleet, output, bugs
  NOT_CONVERGED: "in a fleet report: a pair's apply ended without converging",
  OUTPUT: 'stdout cannot be written (other than a closed pipe)',
  INTERNAL: 'a bug in colo, or an unexpected error of one pair of a fleet (the others go on); COLO_DEBUG=1 adds the stack',
} as const;

export type Code = keyof typeof CODES;

/** Whether `s` is a registered code. */
export function isCode(s: string): s is Code {
  return Object.hasOwn(CODES, s);
}
