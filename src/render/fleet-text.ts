import { Chalk } from 'chalk';
import type { FleetReport, PairResult } from '../fleet/types.js';

const WORD: Record<PairResult['outcome'], string> = { ok: 'ok', changes: 'changes', failed: 'FAILED' };

/** The fleet's closing table for a terminal: one line per pair, then the counts. */
export function renderFleetText(report: FleetReport, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const paint = { ok: c.green, changes: c.yellow, failed: c.red };
  const nameW = Math.max(4, ...report.pairs.map((p) => (p.name ?? '-').length));
  const fileW = Math.max(4, ...report.pairs.map((p) => p.file.length));
  const out = ['', c.bold(`colo ${report.command}: ${report.summary.pairs} pair(s)`)];
  out.push(c.dim(`  ${'pair'.padEnd(nameW)}  ${'file'.padEnd(fileW)}  ${'result'.padEnd(7)}  detail`));
  for (const p of report.pairs) {
    out.push(`  ${(p.name ?? '-').padEnd(nameW)}  ${p.file.padEnd(fileW)}  ${paint[p.outcome](WORD[p.outcome].padEnd(7))}  ${p.detail.split('\n')[0]}`);
  }
  const s = report.summary;
  out.push(`${s.ok} ok, ${s.changes} with changes, ${s.failed} failed`);
  return out.join('\n') + '\n';
}

/** One pair's block: a header line, then what its command printed. */
export function renderPairBlock(p: PairResult, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const head = c.bold(`── ${p.name ?? p.file} (${p.file}) ──`);
  const body = p.output ?? '';
  const err = p.error && p.error.message && !body.includes(p.error.message) ? `colo: error ${p.error.code}: ${p.error.message}\n` : '';
  if (!body && !err) return '';
  return `${head}\n${body}${body && !body.endsWith('\n') ? '\n' : ''}${err}\n`;
}

/** The notes of files left out, in text: another kind found in a directory (a selection is not noted). */
export function skippedText(report: FleetReport): string {
  return report.skipped
    .filter((x) => x.reason === 'not-a-pair')
    .map((x) => `note: ${x.message}\n`)
    .join('');
}
