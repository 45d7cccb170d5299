import { Command, CommanderError, Option } from 'commander';
import { CliError, useColor, type Io } from './io.js';

type Handler = () => Promise<number> | number;

/** Runs `colo` with `argv` (without node and script) on the given streams; resolves to the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  let exitCode = 0;
  const program = new Command('colo')
    .description('Declarative QEMU COLO: plan and apply fault-tolerant VM pairs from YAML')
    .version('0.1.0')
    .option('--no-color', 'plain output (NO_COLOR is honoured too)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run colo help COMMAND for its options)');

  const color = () => useColor(io, program.opts().color);
  /** runs a command's handler and keeps its exit code */
  const act = async (h: Handler) => {
    exitCode = await h();
  };
  const file = new Option('-f, --file <FILE>', 'the pair spec (YAML)').makeOptionMandatory();

  program
    .command('validate')
    .description('check a spec: schema, semantic rules, every problem with file:line:column')
    .addOption(file)
    .action(function (this: Command) {
      return act(async () => (await import('./commands-offline.js')).cmdValidate(io, { file: this.opts().file, color: color() }));
    });

  program
    .command('args')
    .description("a node's QEMU command line and image preparation")
    .addOption(file)
    .requiredOption('--node <NAME>', 'node name')
    .option('--role <ROLE>', 'primary or secondary (default: the role in the spec)')
    .option('--format <FORMAT>', 'shell | json', 'shell')
    .action(function (this: Command) {
      const o: any = this.opts();
      return act(async () => (await import('./commands-offline.js')).cmdArgs(io, { file: o.file, node: o.node, role: o.role, format: o.format, color: color() }));
    });

  program
    .command('plan')
    .description('what it takes to reach the spec from the live state (or, with --offline, from fresh nodes)')
    .addOption(file)
    .option('--offline', 'do not connect: assume two fresh nodes (or --assume)')
    .option('--assume <TRANSITION>', 'offline: plan this transition (setup, steady, secondary-failover, primary-failover, secondary-resume, primary-resume)')
    .option('--format <FORMAT>', 'text | json | markdown', 'text')
    .option('--out <PLAN>', 'save the plan (JSON) for `colo apply PLAN`')
    .option('--detailed-exitcode', 'exit 0 when nothing changes, 2 when changes are pending')
    .option('--timeout <MS>', 'QMP timeout per node', '5000')
    .action(function (this: Command) {
      const o: any = this.opts();
      return act(async () => {
        if (o.offline || o.assume) return (await import('./commands-offline.js')).cmdPlanOffline(io, { ...o, color: color() });
        return (await import('./commands-live.js')).cmdPlanLive(io, { ...o, color: color() });
      });
    });

  program
    .command('apply [PLAN]')
    .description('carry out the plan (from the spec, or a saved PLAN) on the live pair')
    .option('-f, --file <FILE>', 'the pair spec (YAML)')
    .option('--auto-approve', 'do not ask for confirmation')
    .option('--allow-failover', 'let apply run a failover the plan proposes')
    .option('--timeout <MS>', 'QMP timeout per command', '10000')
    .option('--journal <FILE>', 'JSON-lines journal of every QMP command (default: $COLO_STATE_DIR or ~/.local/state/colo/NAME.journal.jsonl)')
    .option('--stop-after <N>', 'testing: stop after N steps')
    .action(function (this: Command, planFile?: string) {
      const o: any = this.opts();
      return act(async () => (await import('./commands-live.js')).cmdApply(io, { ...o, planFile, color: color() }));
    });

  program
    .command('status')
    .description('one screen per pair: versions, runstates, COLO modes, replication, filters, exports, jobs')
    .addOption(file)
    .option('--format <FORMAT>', 'text | json', 'text')
    .option('--timeout <MS>', 'QMP timeout per node', '5000')
    .option('--sample <MS>', 'also count checkpoints on the primary for MS milliseconds (STOP/RESUME events)')
    .action(function (this: Command) {
      const o: any = this.opts();
      return act(async () => (await import('./commands-live.js')).cmdStatus(io, { ...o, color: color() }));
    });

  program
    .command('failover')
    .description('the fast path: NAME takes over now (no confirmation, minimal reads)')
    .addOption(file)
    .requiredOption('--survivor <NAME>', 'the node that keeps running')
    .option('--timeout <MS>', 'QMP timeout per command', '5000')
    .option('--journal <FILE>', 'JSON-lines journal of every QMP command')
    .action(function (this: Command) {
      const o: any = this.opts();
      return act(async () => (await import('./commands-failover.js')).cmdFailover(io, { ...o, color: color() }));
    });

  program
    .command('launch')
    .description("prepare a node's images and start its QEMU daemonized (role from the live peer)")
    .addOption(file)
    .requiredOption('--node <NAME>', 'node name')
    .option('--role <ROLE>', 'primary or secondary (default: secondary when the peer runs, else the spec role)')
    .action(function (this: Command) {
      const o: any = this.opts();
      return act(async () => (await import('./commands-launch.js')).cmdLaunch(io, { ...o, color: color() }));
    });

  program
    .command('stop')
    .description("end a node's QEMU (QMP quit, then the pid)")
    .addOption(file)
    .requiredOption('--node <NAME>', 'node name')
    .action(function (this: Command) {
      const o: any = this.opts();
      return act(async () => (await import('./commands-launch.js')).cmdStop(io, { ...o, color: color() }));
    });

  program
    .command('ocf <ACTION>')
    .description('OCF resource agent for Pacemaker (meta-data, validate-all, start, stop, monitor, promote, demote, notify); install writes the wrapper')
    .option('-f, --file <FILE>', 'the pair spec (default: OCF_RESKEY_spec)')
    .option('--node <NAME>', 'this host\'s node (default: OCF_RESKEY_node, else crm_node -n)')
    .option('--dir <DIR>', 'install: the OCF resource.d directory', '/usr/lib/ocf/resource.d')
    .option('--colo <PATH>', 'install: the colo CLI the wrapper runs (default: this one)')
    .option('--spec <FILE>', 'install: the spec the wrapper passes when the resource names none')
    .action(function (this: Command, action: string) {
      const o: any = this.opts();
      return act(async () => (await import('./commands-ocf.js')).cmdOcf(io, { ...o, action, color: color() }));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    if (e instanceof CliError) {
      if (e.message) io.stderr.write(`colo: error ${e.code}: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr.write(`colo: internal error: ${(e as Error).message}\n`);
    if (io.env.COLO_DEBUG) io.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
