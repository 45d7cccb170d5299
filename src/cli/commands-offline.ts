import { nodeArgs } from '../model/argv.js';
import { shellQuote } from '../model/shell-quote.js';
import { argvLines, prepareShell } from '../render/args-shell.js';
import { diagnostic, FORMAT_VERSION, mergeDiagnostics } from '../model/diagnostic.js';
import { offlinePlan as planOffline } from '../ops/offline.js';
import { TRANSITIONS, type Plan, type Transition } from '../plan/types.js';
import { renderPlanMarkdown } from '../render/plan-markdown.js';
import { renderPlanText } from '../render/plan-text.js';
import type { Role, Spec } from '../spec/types.js';
import { CliError, type Io } from './io.js';
import { loadSpecFile, nodeOrFail, readSpec, specProfile, specWarnings } from './load-file.js';
import { validateJson } from '../render/validate-json.js';
import { writeJson } from './json-out.js';

export { nodeOrFail };

export async function cmdValidate(io: Io, opts: { file: string; color: boolean; format?: string }): Promise<number> {
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new CliError(`--format must be text or json, not "${format}"`, 1, 'BAD_OPTION');
  if (format === 'json') {
    let report;
    try {
      report = validateJson(await readSpec(opts.file, io));
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      report = {
        format_version: FORMAT_VERSION,
        valid: false,
        errorCount: 1,
        warningCount: 0,
        omitted: 0,
        diagnostics: [diagnostic('error', e.code, e.message, { file: opts.file })],
      };
    }
    io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return report.valid ? 0 : 1;
  }
  const { spec, warnings } = await loadSpecFile(opts.file, io, opts.color);
  const profile = specProfile(spec);
  io.stdout.write(
    `${opts.file}: valid (pair ${spec.name}: ${spec.nodes.map((n) => `${n.name} ${n.role}`).join(', ')}; ${spec.disks.length} disk(s), ${spec.netdevs.length} NIC(s); QEMU ${spec.qemu.version}, forms ${profile.schemaFrom})\n`,
  );
  // then its warnings, on stdout as the fleet prints them: the validation's result, not a failure
  if (warnings) io.stdout.write(warnings);
  for (const w of profile.warnings) io.stdout.write(`warning QEMU_PROFILE: ${w}\n`);
  return 0;
}

export async function cmdArgs(io: Io, opts: { file: string; node: string; format: string; role?: string; color: boolean }): Promise<number> {
  if (opts.format !== 'json' && opts.format !== 'shell') throw new CliError(`--format must be shell or json, not "${opts.format}"`, 1, 'BAD_OPTION');
  const { spec } = await loadSpecFile(opts.file, io, opts.color);
  const self = nodeOrFail(spec, opts.node);
  if (opts.role && opts.role !== 'primary' && opts.role !== 'secondary')
    throw new CliError(`--role must be primary or secondary, not "${opts.role}"`, 1, 'BAD_OPTION');
  const role = (opts.role as Role | undefined) ?? self.role;
  const { argv, prepare } = nodeArgs(spec, specProfile(spec), self, role);
  if (opts.format === 'json') {
    // every command says whether it may empty a file: a parent image holds the guest's data
    const steps = [
      { argv: ['mkdir', '-p', self.workdir], creates: self.workdir, ifMissing: false, overwrites: false },
      ...prepare.map((p) => ({ argv: p.argv, creates: p.creates, ifMissing: !p.overwrite, overwrites: p.overwrite })),
    ];
    writeJson(io, { command: 'args', name: spec.name, node: self.name, role, argv, prepare: steps });
  } else if (opts.format === 'shell') {
    io.stdout.write(`# ${spec.name}/${self.name} as ${role}: prepare the images, then start QEMU\n`);
    io.stdout.write(`mkdir -p ${shellQuote(self.workdir)}\n`);
    for (const p of prepare) io.stdout.write(prepareShell(p) + '\n');
    io.stdout.write(argvLines(argv).join(' \\\n  ') + '\n');
  } else throw new CliError(`--format must be shell or json, not "${opts.format}"`, 1, 'BAD_OPTION');
  return 0;
}

export function writePlan(io: Io, plan: Plan, format: string, color: boolean): void {
  if (format === 'json') io.stdout.write(JSON.stringify(plan, null, 2) + '\n');
  else if (format === 'markdown') io.stdout.write(renderPlanMarkdown(plan));
  else if (format === 'text') io.stdout.write(renderPlanText(plan, color));
  else throw new CliError(`--format must be text, json or markdown, not "${format}"`, 1, 'BAD_OPTION');
}

function checkAssume(assume: string | undefined): Transition {
  const t = (assume ?? 'setup') as Transition;
  if (!TRANSITIONS.includes(t)) throw new CliError(`--assume must be one of ${TRANSITIONS.join(', ')}, not "${assume}"`, 1, 'BAD_OPTION');
  return t;
}

/** The offline plan of --assume (setup by default). */
export function offlinePlan(spec: Spec, assume: string | undefined): Plan {
  return planOffline(spec, checkAssume(assume));
}

export function checkPlanFormat(format: string): void {
  if (!['text', 'json', 'markdown'].includes(format)) throw new CliError(`--format must be text, json or markdown, not "${format}"`, 1, 'BAD_OPTION');
}

export async function cmdPlanOffline(
  io: Io,
  o: { file: string; assume?: string; format: string; out?: string; detailedExitcode?: boolean; color: boolean },
): Promise<number> {
  if (o.out) throw new CliError('--out saves live plans only (a saved plan carries the fingerprint of what was read); drop --offline', 1, 'BAD_OPTION');
  checkPlanFormat(o.format);
  checkAssume(o.assume);
  const { spec, problems } = await loadSpecFile(o.file, io, o.color);
  const plan = offlinePlan(spec, o.assume);
  plan.warnings = mergeDiagnostics(plan.warnings, specWarnings(problems));
  writePlan(io, plan, o.format, o.color);
  return o.detailedExitcode && plan.steps.length > 0 ? 2 : 0;
}
