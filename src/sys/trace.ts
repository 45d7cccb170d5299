// COLO_TRACE=1: one line on stderr per phase of a command (start-up, spec read, locks, connects,
// reads, plan, each step, the read after), in ms since the process started, to see where a
// command's time goes (docs/performance.md). Off, it costs one environment lookup.
import { writeSync } from 'node:fs';

const on = Boolean(process.env.COLO_TRACE);

/** Writes `colo trace: <ms since the process started> <label>` to stderr when COLO_TRACE is set. */
export function trace(label: string): void {
  if (!on) return;
  try {
    writeSync(2, `colo trace: ${performance.now().toFixed(1).padStart(7)} ms ${label}\n`);
  } catch {
    /* stderr gone: nothing to trace to */
  }
}
