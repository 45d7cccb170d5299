import { launchNode, stopNode } from '../ops/launch.js';
import { nodeOrFail } from '../ops/pair.js';
import type { Io } from './io.js';
import { loadSpecFile } from './load-file.js';

export async function cmdLaunch(io: Io, o: { file: string; node: string; role?: string; color: boolean }): Promise<number> {
  const { spec } = await loadSpecFile(o.file, io, o.color);
  const self = nodeOrFail(spec, o.node);
  const { role, why, pid, log } = await launchNode(spec, self, { role: o.role });
  io.stdout.write(`launched ${self.name} as ${role} (${why}): pid ${pid ?? '?'}, QMP ${self.qmp}, log ${log}\n`);
  return 0;
}

export async function cmdStop(io: Io, o: { file: string; node: string; color: boolean }): Promise<number> {
  const { spec } = await loadSpecFile(o.file, io, o.color);
  const self = nodeOrFail(spec, o.node);
  const how = await stopNode(self);
  io.stdout.write(`${self.name}: ${how === 'not running' ? 'was not running' : `stopped (${how})`}\n`);
  return 0;
}
