import type { Io } from './io.js';

/** A one-line progress bar on a terminal; an empty label clears it. */
export function progressPrinter(io: Io) {
  let shown = false;
  return (label: string, done: number, total: number) => {
    if (!label) {
      if (shown) io.stderr.write('\r\x1b[K');
      shown = false;
      return;
    }
    const width = 30;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    io.stderr.write(`\r\x1b[K${label} [${bar}] ${Math.floor(frac * 100)}%`);
    shown = true;
  };
}
