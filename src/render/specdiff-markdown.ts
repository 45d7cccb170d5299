import { diagnosticText } from './diagnostics.js';
import { CLASSES, type ChangeClass, type SpecDiff } from '../specdiff/types.js';
import { argvPatch } from './argv-patch.js';
import { lossText, shown } from './specdiff-text.js';

const ICON: Record<ChangeClass, string> = {
  'in-place': ':white_check_mark:',
  'relaunch-secondary': ':warning:',
  switchover: ':arrows_counterclockwise:',
  impossible: ':no_entry:',
};
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (v: unknown) => {
  const x = shown(v);
  return x === undefined ? '' : `\`${cell(typeof x === 'string' ? x : JSON.stringify(x))}\``;
};

/** The diff as a pull-request comment: the verdict, a table of changes, each node's argv diff folded. */
export function renderSpecDiffMarkdown(d: SpecDiff): string {
  const out = [`### colo diff \`${d.name}\``, '', `\`${d.old}\` → \`${d.new}\``, ''];
  if (!d.class) return out.concat('No change to what QEMU runs.').join('\n') + '\n';
  out.push(
    `**${ICON[d.class]} ${d.class}** — ${CLASSES.filter((k) => d.summary[k])
      .map((k) => `${d.summary[k]} ${k}`)
      .join(', ')}`,
  );
  const loss = lossText(d, d.class);
  if (loss) out.push('', `> ${loss}`);
  for (const w of d.warnings) out.push('', `> :warning: ${cell(diagnosticText(w))}`);
  out.push('', '| node | change | class | before | after | why |', '|---|---|---|---|---|---|');
  for (const c of d.changes)
    out.push(
      `| ${c.node === '*' ? 'pair' : c.node} | ${c.action} \`${cell(c.address)}\` | ${ICON[c.class]} ${c.class} | ${code(c.before)} | ${code(c.after)} | ${c.weakens ? `:rotating_light: ${cell(c.weakens)}. ` : ''}${cell(c.why)} |`,
    );
  for (const [name, n] of Object.entries(d.nodes)) {
    const patch = argvPatch(name, n, d.old, d.new);
    if (patch) out.push('', `<details><summary>argv of ${name} (${n.role})</summary>`, '', '```diff', patch.trimEnd(), '```', '', '</details>');
  }
  return out.join('\n') + '\n';
}
