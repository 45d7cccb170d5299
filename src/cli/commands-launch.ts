import { checkRunsHere, launchNode, stopNode } from '../ops/launch.js';
import { nodeOrFail } from '../ops/pair.js';
import type { Io } from './io.js';
import { loadSpecFile } from './load-file.js';
import { textOrJson, writeJson } from './json-out.js';

interface NodeCommand {
  file: string;
  node: string;
  color: boolean;
  force?: boolean;
  journal?: string;
  format?: string;
}

export async function cmdLaunch(io: Io, o: NodeCommand & { role?: string }): Promise<number> {
  const format = textOrJson(o.format);
  const { spec } = await loadSpecFile(o.file, io, o.color);
  const self = nodeOrFail(spec, o.node);
  const forced = checkRunsHere(io, spec, self, 'launch', o);
  const { role, why, pid, log, argv, yank } = await launchNode(spec, self, { role: o.role, env: io.env });
  const helper = yank && 'unavailable' in yank ? `; no yank helper: ${yank.unavailable} (a failover from a lost peer waits on TCP)` : '';
  const head = { command: 'launch', name: spec.name, node: self.name, host: self.host, forced, role, why };
  if (format === 'json') writeJson(io, { ...head, ...(pid ? { pid } : {}), qmp: self.qmp, log, argv, ...(yank ? { yankHelper: yank } : {}) });
  else io.stdout.write(`launched ${self.name} as ${role} (${why}): pid ${pid ?? '?'}, QMP ${self.qmp}, log ${log}${helper}\n`);
  return 0;
}

export async function cmdStop(io: Io, o: NodeCommand): Promise<number> {
  const format = textOrJson(o.format);
  const { spec } = await loadSpecFile(o.file, io, o.color);
  const self = nodeOrFail(spec, o.node);
  const forced = checkRunsHere(io, spec, self, 'stop', o);
  const how = await stopNode(self);
  const running = how !== 'not running';
  if (format === 'json') writeJson(io, { command: 'stop', name: spec.name, node: self.name, host: self.host, forced, wasRunning: running, how });
  else io.stdout.write(`${self.name}: ${running ? `stopped (${how})` : 'was not running'}\n`);
  return 0;
}
