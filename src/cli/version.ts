import { versionInfo } from '../ops/version.js';
import type { Io } from './io.js';
import { textOrJson, writeJson } from './json-out.js';

export function cmdVersion(io: Io, o: { format?: string }): number {
  const v = versionInfo();
  if (textOrJson(o.format) === 'json') writeJson(io, { command: 'version', ...v });
  else io.stdout.write(`colo ${v.colo}\n${v.qemu.map((q) => `QEMU ${q.line}: schema recorded from ${q.recordedFrom} (${q.package})\n`).join('')}`);
  return 0;
}
