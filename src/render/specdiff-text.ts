import { diagnosticText } from './diagnostics.js';
import { Chalk, type ChalkInstance } from 'chalk';
import { CLASSES, type ChangeClass, type SpecChange, type SpecDiff } from '../specdiff/types.js';
import { argvPatch } from './argv-patch.js';

export function paintClass(c: ChalkInstance, k: ChangeClass): string {
  return { 'in-place': c.green, 'relaunch-secondary': c.yellow, switchover: c.magenta, impossible: c.red }[k](k);
}

const SYMBOL = { create: '+', delete: '-', update: '~' };
/** A parameter's {value: N} shows as N. */
export function shown(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && 'value' in v) return (v as { value: unknown }).value;
  return v;
}
const short = (v: unknown) => (v === undefined ? '—' : typeof shown(v) === 'string' ? String(shown(v)) : JSON.stringify(shown(v)));

/** How long fault tolerance is lost for a class, in words. */
export function lossText(d: SpecDiff, k: ChangeClass): string | undefined {
  const r = d.resync;
  const one = `${r.seconds} s to resync ${Math.round(r.bytes / 1048576)} MiB (disks + memory) at an assumed ${r.throughputMiBps} MiB/s`;
  if (k === 'relaunch-secondary') return `no replica while the secondary relaunches and resyncs: about ${one}`;
  if (k === 'switchover')
    return `two resyncs (the new secondary, then the old primary after the swap): about ${2 * r.seconds} s without a replica (${one}, twice)`;
  if (k === 'impossible') return 'needs a guest restart: the pair is down, then COLO is set up again';
  return undefined;
}

function changeLine(c: ChalkInstance, ch: SpecChange): string[] {
  const head = `  ${SYMBOL[ch.action]} ${ch.node === '*' ? 'pair' : ch.node}  ${ch.address}  ${paintClass(c, ch.class)}`;
  const values =
    ch.action === 'update' && ch.area !== 'object' && ch.area !== 'chardev' && ch.area !== 'block'
      ? `      ${c.red(short(ch.before))} → ${c.green(short(ch.after))}`
      : undefined;
  return [head, ...(values ? [values] : []), ...(ch.weakens ? [`      ${c.red(`weakens fault tolerance: ${ch.weakens}`)}`] : []), `      ${c.dim(ch.why)}`];
}

/** The diff for a terminal: the verdict, each change with its class, then each node's argv as a unified diff. */
export function renderSpecDiffText(d: SpecDiff, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const out = [c.bold(`colo diff ${d.name}`) + c.dim(`  ${d.old} → ${d.new}`)];
  if (!d.class) return out.concat('No change to what QEMU runs.').join('\n') + '\n';
  out.push(
    `Class: ${paintClass(c, d.class)} — ${CLASSES.filter((k) => d.summary[k])
      .map((k) => `${d.summary[k]} ${k}`)
      .join(', ')}`,
  );
  const loss = lossText(d, d.class);
  if (loss) out.push(c.bold(loss));
  for (const w of d.warnings) out.push(c.yellow(`warning: ${diagnosticText(w)}`));
  out.push('', 'Changes:');
  for (const ch of d.changes) out.push(...changeLine(c, ch));
  for (const [name, n] of Object.entries(d.nodes)) {
    const patch = argvPatch(name, n, d.old, d.new);
    if (!patch) continue;
    out.push('', c.bold(`argv of ${name} (${n.role}):`));
    for (const l of patch.trimEnd().split('\n'))
      out.push(
        l.startsWith('+') && !l.startsWith('+++') ? c.green(l) : l.startsWith('-') && !l.startsWith('---') ? c.red(l) : l.startsWith('@@') ? c.cyan(l) : l,
      );
  }
  return out.join('\n') + '\n';
}
