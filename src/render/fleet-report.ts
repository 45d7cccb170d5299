// A fleet's report in the format asked for: text (each pair's block, then the summary), json, markdown.
import type { FleetReport } from '../fleet/types.js';
import { renderFleetMarkdown } from './fleet-markdown.js';
import { renderFleetText, renderPairBlock, skippedText } from './fleet-text.js';

export function renderFleetReport(report: FleetReport, fmt: string, color: boolean, bodies?: Array<string | undefined>): string {
  let out = '';
  if (fmt === 'text') out += skippedText(report);
  if (fmt === 'json') {
    const pairs = report.pairs.map(({ output: _o, ...p }) => p);
    out += JSON.stringify({ ...report, pairs }, null, 2) + '\n';
  } else if (fmt === 'markdown') out += renderFleetMarkdown(report, bodies);
  else {
    for (const p of report.pairs) out += renderPairBlock(p, color);
    out += renderFleetText(report, color);
  }
  return out;
}
