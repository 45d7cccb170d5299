import { pacemakerConfig } from '../model/pacemaker.js';
import { runAgent } from '../ocf/agent.js';
import { fleetFiles } from '../ops/pair-files.js';
import { readPairs } from '../ops/read-pairs.js';
import { renderPacemakerCrm, renderPacemakerPcs, renderPacemakerXml } from '../render/pacemaker-config.js';
import { renderProblems } from '../render/problems.js';
import type { Spec } from '../spec/types.js';
import { CliError, type Io } from './io.js';

const RENDERS = { crm: renderPacemakerCrm, pcs: renderPacemakerPcs, xml: renderPacemakerXml } as const;

/** `colo ocf config -f DIR|FILE [--format crm|pcs|xml]`: the cluster's Pacemaker resources from its pair files. */
async function cmdOcfConfig(io: Io, o: { file?: string[]; format?: string }): Promise<number> {
  const fmt = o.format ?? 'crm';
  if (!(fmt in RENDERS)) throw new CliError(`--format must be crm, pcs or xml, not "${fmt}"`, 1, 'BAD_OPTION');
  if (!o.file?.length) throw new CliError('colo ocf config needs -f: a pair file or a directory of them', 1, 'USAGE');
  const { pairs: loaded } = await readPairs(io, fleetFiles(io, o.file));
  const bad = loaded.filter((p) => !p.spec);
  if (bad.length) {
    for (const p of bad) io.stderr.write(renderProblems(p.problems, p.lines, false, p.omitted));
    throw new CliError(
      `${bad.length} pair file(s) are not valid: no configuration written`,
      1,
      bad[0].problems.find((x) => x.severity === 'error')?.code ?? 'SCHEMA_INVALID',
    );
  }
  const r = pacemakerConfig(loaded.map((p) => ({ file: p.file, spec: p.spec as Spec })));
  if (!r.config) throw new CliError(r.conflicts.map((c) => `pair ${c.pair}: ${c.message}`).join('\n'), 1, 'CLUSTER_NODES');
  io.stdout.write(RENDERS[fmt as keyof typeof RENDERS](r.config));
  return 0;
}

/** `colo ocf ACTION`: the OCF resource agent (src/ocf/); its exit code is the OCF code. `config` writes the cluster's configuration. */
export async function cmdOcf(
  io: Io,
  o: { action: string; file?: string[]; node?: string; dir?: string; colo?: string; spec?: string; name?: string; format?: string },
): Promise<number> {
  if (o.action === 'config') return cmdOcfConfig(io, o);
  return runAgent(io, { ...o, file: o.file?.at(-1) });
}
