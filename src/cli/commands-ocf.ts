import { runAgent } from '../ocf/agent.js';
import type { Io } from './io.js';

/** `colo ocf ACTION`: the OCF resource agent (src/ocf/); its exit code is the OCF code. */
export async function cmdOcf(io: Io, o: { action: string; file?: string; node?: string; dir?: string; colo?: string; spec?: string }): Promise<number> {
  return runAgent(io, o);
}
