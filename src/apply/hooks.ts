import { spawn } from 'node:child_process';
import type { FenceStep, HookStep } from '../plan/types.js';

/** Runs a hook's (or a fence's) argv with COLO_* variables, killed at its timeout. */
export function runHook(step: HookStep | FenceStep, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; error?: string }> {
  const what = step.kind === 'hook' ? `hook ${step.hook}` : `fence of ${step.node}`;
  return new Promise((resolve) => {
    // its own process group, so a timeout ends what the hook started too (a shell's children hold the pipes)
    const child = spawn(step.run[0], step.run.slice(1), { env: { ...env, ...step.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code: null, output, error: `${what} timed out after ${step.timeoutMs} ms` });
    }, step.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, output, error: `${what}: ${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? { code, output } : { code, output, error: `${what} exited with ${code}: ${output.trim().split('\n').slice(-3).join(' / ')}` });
    });
  });
}
