import type { FleetReport, PairResult } from '../fleet/types.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const ICON: Record<PairResult['outcome'], string> = { ok: ':white_check_mark: ok', changes: ':large_orange_diamond: changes', failed: ':x: failed' };

/**
 * The fleet as one pull-request comment: a table of every pair, then each pair's own markdown
 * (`bodies`, by index) folded under its name.
 */
export function renderFleetMarkdown(report: FleetReport, bodies: Array<string | undefined> = []): string {
  const s = report.summary;
  const out = [`### colo ${report.command}: ${s.pairs} pair(s) — ${s.ok} ok, ${s.changes} with changes, ${s.failed} failed`, ''];
  out.push('| pair | file | result | detail |', '|---|---|---|---|');
  for (const p of report.pairs) out.push(`| ${p.name ? `\`${p.name}\`` : ''} | \`${cell(p.file)}\` | ${ICON[p.outcome]} | ${cell(p.detail)} |`);
  report.pairs.forEach((p, i) => {
    const body = bodies[i] ?? (p.output ? '```\n' + p.output.replace(/```/g, "'''").trimEnd() + '\n```\n' : undefined);
    const err = p.error?.message ? `\n\`${p.error.code}\`: ${cell(p.error.message)}\n` : '';
    if (!body && !err) return;
    out.push('', `<details${p.outcome === 'ok' ? '' : ' open'}><summary>${p.name ?? p.file}</summary>`, '', (body ?? '').trimEnd() + err, '', '</details>');
  });
  return out.join('\n') + '\n';
}
