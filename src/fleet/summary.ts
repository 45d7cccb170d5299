import { FORMAT_VERSION } from '../model/diagnostic.js';
import type { FleetReport, PairResult } from './types.js';

/** The fleet report of per-pair results. Pure. */
export function fleetReport<T>(command: FleetReport['command'], pairs: PairResult<T>[], skipped: FleetReport['skipped'] = []): FleetReport<T> {
  const count = (o: PairResult['outcome']) => pairs.filter((p) => p.outcome === o).length;
  return {
    format_version: FORMAT_VERSION,
    command,
    pairs,
    skipped,
    summary: { pairs: pairs.length, ok: count('ok'), changes: count('changes'), failed: count('failed') },
  };
}

/** 1 if any pair failed; else 2 if any has changes and `detailed` (--detailed-exitcode); else 0. */
export function fleetExitCode(report: FleetReport, detailed: boolean): number {
  if (report.summary.failed > 0) return 1;
  if (detailed && report.summary.changes > 0) return 2;
  return 0;
}
