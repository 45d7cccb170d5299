import { Command, CommanderError, Option } from 'commander';
import { escapeControls } from '../spec/display.js';
import { CliError, useColor, type Io } from './io.js';
import { checkNumberOptions, pathArg } from './options.js';
import { SIGPIPE_STATUS } from './stdio.js';
import { trace } from '../sys/trace.js';
import { COLO_VERSION } from '../ops/version.js';
import { exitCodes } from '../render/help-text.js';
import type {
  ApplyCommandOptions,
  ArgsOptions,
  DiffCommandOptions,
  FailoverOptions,
  NodeOptions,
  OcfOptions,
  PlanOptions,
  StatusOptions,
  ValidateOptions,
} from './options.js';

type Handler = () => Promise<number> | number;

/** Runs `colo` with `argv` (without node and script) on the given streams; resolves to the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  trace('cli: run');
  let exitCode = 0;
  const program = new Command('colo')
    .description('Declarative QEMU COLO: plan and apply fault-tolerant VM pairs from YAML')
    .version(COLO_VERSION)
    .option('--no-color', 'plain output (NO_COLOR is honoured too)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // commander's own errors (a missing option, an unknown command) in the form of every other error
      outputError: (s, write) => write(`colo: error USAGE: ${s.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(run colo help COMMAND for its options)');

  const color = () => useColor(io, program.opts().color);
  /** runs a command's handler and keeps its exit code */
  const act = async (h: Handler) => {
    exitCode = await h();
  };
  const file = new Option('-f, --file <FILE>', 'the pair spec (YAML; - reads stdin)').argParser(pathArg('-f')).makeOptionMandatory();
  /** -f repeated, or a directory: a fleet of pairs (one plain file keeps the single-pair output) */
  const files = () =>
    new Option('-f, --file <FILE|DIR>', 'a pair spec (YAML; - reads stdin), or a directory of them; repeatable').argParser((v: string, prev?: string[]) => [
      ...(prev ?? []),
      pathArg('-f')(v),
    ]);
  /** kubectl's conventions for a directory of files: -R recurses, -l key=value selects by metadata.labels */
  const fleetSelect = (c: Command) =>
    c
      .option('-R, --recursive', 'with -f DIR: the files of its subdirectories too')
      .option('-l, --selector <KEY=VALUE>', 'only the pairs whose metadata.labels has KEY=VALUE; repeatable (all must hold)', (v: string, prev?: string[]) => [
        ...(prev ?? []),
        v,
      ]);
  const parallel = () => new Option('--parallel <N>', 'with several pairs: at most N nodes observed at once').default('8');
  /** the single file, or undefined for a fleet */
  const single = async (o: { file?: string[]; selector?: string[] }) =>
    o.file && !o.selector ? (await import('../ops/pair-files.js')).singleFile(io, o.file) : undefined;
  const fleet = () => import('./commands-fleet.js');

  fleetSelect(
    program
      .command('validate')
      .description('check a spec: schema, semantic rules, every problem with file:line:column')
      .addOption(files().makeOptionMandatory()),
  )
    .option('--format <FORMAT>', 'text | json | markdown (json: every problem and warning, for tools; several files: the fleet report)')
    .addHelpText('after', exitCodes())
    .action(function (this: Command) {
      const o = this.opts<ValidateOptions>();
      return act(async () => {
        const one = await single(o);
        const format = o.format ?? 'text';
        if (one && (format === 'text' || format === 'json'))
          return (await import('./commands-offline.js')).cmdValidate(io, { file: one, format, color: color() });
        return (await fleet()).cmdFleetValidate(io, { ...o, color: color() });
      });
    });

  program
    .command('args')
    .description("a node's QEMU command line and image preparation")
    .addOption(file)
    .requiredOption('--node <NAME>', 'node name')
    .option('--role <ROLE>', 'primary or secondary (default: the role in the spec)')
    .option('--format <FORMAT>', 'shell | json', 'shell')
    .addHelpText('after', exitCodes())
    .action(function (this: Command) {
      const o = this.opts<ArgsOptions>();
      return act(async () =>
        (await import('./commands-offline.js')).cmdArgs(io, { file: o.file, node: o.node, role: o.role, format: o.format, color: color() }),
      );
    });

  fleetSelect(
    program
      .command('plan')
      .description('what it takes to reach the spec from the live state (or, with --offline, from fresh nodes)')
      .addOption(files().makeOptionMandatory()),
  )
    .option('--offline', 'do not connect: assume two fresh nodes (or --assume)')
    .option(
      '--assume <TRANSITION>',
      'with --offline: plan this transition (setup, steady, secondary-failover, primary-failover, secondary-resume, primary-resume)',
    )
    .option('--format <FORMAT>', 'text | json | markdown', 'text')
    .option('--out <PLAN>', 'save the plan (JSON) for `colo apply PLAN`; with several pairs a directory of NAME.plan.json', pathArg('--out'))
    .option('--detailed-exitcode', 'exit 0 when nothing changes, 2 when changes are pending')
    .option('--timeout <MS>', 'QMP timeout per node', '5000')
    .addOption(parallel())
    .addHelpText('after', exitCodes('with --detailed-exitcode: changes are pending'))
    .action(function (this: Command) {
      const o = this.opts<PlanOptions>();
      return act(async () => {
        checkNumberOptions(o);
        if (o.assume && !o.offline)
          throw new CliError('--assume plans an assumed state, never compared with the live pair: add --offline (or drop --assume)', 1, 'NEEDS_OFFLINE');
        const one = await single(o);
        if (!one) return (await fleet()).cmdFleetPlan(io, { ...o, color: color() });
        const p = { ...o, file: one, color: color() };
        if (o.offline) return (await import('./commands-offline.js')).cmdPlanOffline(io, p);
        return (await import('./commands-live.js')).cmdPlanLive(io, p);
      });
    });

  fleetSelect(program.command('apply [PLAN]').description('carry out the plan (from the spec, or a saved PLAN) on the live pair').addOption(files()))
    .option('--auto-approve', 'do not ask for confirmation')
    .option('--allow-failover', 'let apply run a failover the plan proposes')
    .option('--no-fence', "a failover does not run the dead node's fence command: you made sure it is off (journaled)")
    .option('--timeout <MS>', 'QMP timeout per command', '10000')
    .option(
      '--journal <FILE>',
      'JSON-lines journal of every QMP command (default: $COLO_STATE_DIR or ~/.local/state/colo/NAME.journal.jsonl)',
      pathArg('--journal'),
    )
    .option('--stop-after <N>', 'testing: stop after N steps')
    .addOption(parallel())
    .option('--format <FORMAT>', 'text | json (json needs --auto-approve) | markdown (several pairs)', 'text')
    .addHelpText('after', exitCodes())
    .action(function (this: Command, planFile?: string) {
      const o = this.opts<ApplyCommandOptions>();
      return act(async () => {
        checkNumberOptions(o);
        if (o.file && !(await single(o))) {
          if (planFile) throw new CliError('apply takes either a saved PLAN or -f, not both with several pairs', 1, 'USAGE');
          return (await fleet()).cmdFleetApply(io, { ...o, file: o.file, color: color() });
        }
        if (o.format !== 'text' && o.format !== 'json') throw new CliError(`--format must be text or json for one pair, not "${o.format}"`, 1, 'BAD_OPTION');
        return (await import('./commands-live.js')).cmdApply(io, { ...o, file: o.file?.[0], planFile, color: color() });
      });
    });

  program
    .command('diff <OLD> [NEW]')
    .description('what a spec change means for QEMU, without QEMU: two files, or one against a git revision (--base)')
    .option('--base <REF>', 'compare OLD with itself as it was at git revision REF')
    .option('--format <FORMAT>', 'text | json | markdown', 'text')
    .option('--fail-on <CLASS>', 'exit 1 when a change is of CLASS or stronger (in-place < relaunch-secondary < switchover < impossible)')
    .option('--throughput <MIBS>', 'resync throughput assumed for the expected time without a replica (MiB/s)', '100')
    .option('--detailed-exitcode', 'exit 0 when nothing changes for QEMU, 2 when something does (as plan)')
    .addHelpText('after', exitCodes('with --detailed-exitcode: the specs differ for QEMU, or the pair was added or removed'))
    .action(function (this: Command, old: string, next?: string) {
      const o = this.opts<DiffCommandOptions>();
      return act(async () => (await import('./commands-diff.js')).cmdDiff(io, { ...o, old, new: next, color: color() }));
    });

  fleetSelect(
    program
      .command('status')
      .description('one screen per pair: where colo runs, the monitors reached, versions, runstates, COLO modes, replication, filters, jobs')
      .addOption(files().makeOptionMandatory()),
  )
    .option('--format <FORMAT>', 'text | json (several pairs: also markdown)', 'text')
    .option('--timeout <MS>', 'QMP timeout per node', '5000')
    .addOption(parallel())
    .option('--detailed-exitcode', 'several pairs: exit 2 when a pair is not converged')
    .option('--sample <MS>', 'also count checkpoints on the primary for MS milliseconds (STOP/RESUME events)')
    .addHelpText('after', exitCodes('with --detailed-exitcode, several pairs: a pair is not converged'))
    .action(function (this: Command) {
      const o = this.opts<StatusOptions>();
      return act(async () => {
        checkNumberOptions(o);
        const one = await single(o);
        if (!one) {
          if (o.sample) throw new CliError('--sample counts the checkpoints of one pair: give one -f FILE', 1, 'BAD_OPTION');
          return (await fleet()).cmdFleetStatus(io, { ...o, color: color() });
        }
        return (await import('./commands-live.js')).cmdStatus(io, { ...o, file: one, color: color() });
      });
    });

  program
    .command('failover')
    .description('the fast path: NAME takes over now (no confirmation, minimal reads)')
    .addOption(file)
    .requiredOption('--survivor <NAME>', 'the node that keeps running')
    .option('--timeout <MS>', 'QMP timeout per command', '5000')
    .option('--peer-timeout <MS>', 'how long the other node may take to answer before it counts as hung', '1000')
    .option('--force', 'take over even though the other node answers as a live COLO node')
    .option('--no-fence', "do not run the other node's fence command: you made sure it is off (journaled)")
    .option('--journal <FILE>', 'JSON-lines journal of every QMP command', pathArg('--journal'))
    .option('--format <FORMAT>', 'text | json', 'text')
    .addHelpText('after', exitCodes())
    .action(function (this: Command) {
      const o = this.opts<FailoverOptions>();
      return act(async () => {
        checkNumberOptions(o);
        return (await import('./commands-failover.js')).cmdFailover(io, { ...o, color: color() });
      });
    });

  program
    .command('launch')
    .description("prepare a node's images and start its QEMU daemonized (role from the live peer)")
    .addOption(file)
    .requiredOption('--node <NAME>', 'node name')
    .option('--role <ROLE>', 'primary or secondary (default: secondary when the peer runs, else the spec role)')
    .option('--force', "start it although the node's host is not an address of this machine (NAT and the like; journaled)")
    .option('--journal <FILE>', 'where --force is journaled (default: $COLO_STATE_DIR or ~/.local/state/colo/NAME.journal.jsonl)', pathArg('--journal'))
    .option('--format <FORMAT>', 'text | json', 'text')
    .addHelpText('after', exitCodes())
    .action(function (this: Command) {
      const o = this.opts<NodeOptions>();
      return act(async () => (await import('./commands-launch.js')).cmdLaunch(io, { ...o, color: color() }));
    });

  program
    .command('stop')
    .description("end a node's QEMU (QMP quit, then the pid)")
    .addOption(file)
    .requiredOption('--node <NAME>', 'node name')
    .option('--force', "stop it although the node's host is not an address of this machine (NAT and the like; journaled)")
    .option('--journal <FILE>', 'where --force is journaled (default: $COLO_STATE_DIR or ~/.local/state/colo/NAME.journal.jsonl)', pathArg('--journal'))
    .option('--format <FORMAT>', 'text | json', 'text')
    .addHelpText('after', exitCodes())
    .action(function (this: Command) {
      const o = this.opts<NodeOptions>();
      return act(async () => (await import('./commands-launch.js')).cmdStop(io, { ...o, color: color() }));
    });

  program
    .command('ocf <ACTION>')
    .description(
      "OCF resource agent for Pacemaker (meta-data, validate-all, start, stop, monitor, promote, demote, notify); install writes the wrapper; config writes the cluster's resources from the pair files",
    )
    .addOption(
      new Option('-f, --file <FILE|DIR>', 'the pair spec (default: OCF_RESKEY_spec); config: pair files or directories of them, repeatable').argParser(
        (v: string, prev?: string[]) => [...(prev ?? []), v],
      ),
    )
    .option('--node <NAME>', "this host's node (default: OCF_RESKEY_node, else Pacemaker's OCF_RESKEY_CRM_meta_on_node, else crm_node -n)")
    .option('--dir <DIR>', 'install: the OCF resource.d directory', '/usr/lib/ocf/resource.d')
    .option('--colo <PATH>', 'install: the colo CLI the wrapper runs (default: this one)')
    .option('--spec <FILE>', 'install: the spec the wrapper passes when the resource names none')
    .option('--name <TYPE>', 'install: the agent type, ocf:colo:TYPE (default colo; one per pair: colo-PAIR)')
    .option('--format <FORMAT>', 'config: crm, pcs or xml (CIB XML for cibadmin)', 'crm')
    .addHelpText(
      'after',
      '\nExit codes: the OCF return codes (0 success, 1 generic error, 2 invalid argument, 5 not installed, 6 not configured, 7 not running, 8 running as master).',
    )
    .action(function (this: Command, action: string) {
      const o = this.opts<OcfOptions>();
      return act(async () => (await import('./commands-ocf.js')).cmdOcf(io, { ...o, action }));
    });

  program.command('yank-helper <DIR>', { hidden: true }).action((dir: string) => act(async () => (await import('../ops/yank-helper.js')).serveYank(dir)));

  program
    .command('version')
    .description("colo's version and the QEMU lines whose QMP schemas it has recorded")
    .option('--format <FORMAT>', 'text | json', 'text')
    .addHelpText('after', exitCodes())
    .action(function (this: Command) {
      const o = this.opts<{ format: string }>();
      return act(async () => (await import('./version.js')).cmdVersion(io, o));
    });

  if (!argv.length) {
    io.stderr.write(`colo: error USAGE: no command given\n${program.helpInformation()}`);
    return 1;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    if (e instanceof CliError) {
      if (e.message) io.stderr.write(`colo: error ${e.code}: ${escapeControls(e.message, true)}\n`);
      return e.exitCode;
    }
    // a reader that went away while colo wrote: quiet, as a command killed by SIGPIPE
    if ((e as NodeJS.ErrnoException)?.code === 'EPIPE') return SIGPIPE_STATUS;
    io.stderr.write(`colo: error INTERNAL: ${escapeControls(String((e as Error)?.message ?? e), true)} (a bug: COLO_DEBUG=1 shows where)\n`);
    if (io.env.COLO_DEBUG) io.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
