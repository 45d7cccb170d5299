import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { QmpResult } from '../qmp/client.js';

/** QMP commands that change nothing: everything else counts as mutating in the journal. */
const READ_ONLY = /^(query-|qom-list$|qom-get$|x-debug-query-|qmp_capabilities$)/;

export function isMutating(command: string, args: unknown): boolean {
  if (command === 'human-monitor-command') return !/^info\b/.test(String((args as any)?.['command-line'] ?? ''));
  return !READ_ONLY.test(command);
}

/**
 * JSON lines: time, node, command, arguments, result or error — one per QMP command sent. Each line
 * is written (O_APPEND, one write) before the command's outcome is acted on; the file stays open
 * from the first line to close() (the session's end), not opened and closed again for every line.
 */
export class Journal {
  private fd: number | undefined;

  constructor(readonly path: string | undefined) {
    if (path) mkdirSync(dirname(path), { recursive: true });
  }

  private write(entry: Record<string, unknown>): void {
    if (!this.path) return;
    this.fd ??= openSync(this.path, 'a');
    appendFileSync(this.fd, JSON.stringify({ time: new Date().toISOString(), ...entry }) + '\n');
  }

  /** Closes the file; a line written after it opens the file again. */
  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  /** Reads are journaled without their (large) answers; commands that change state with them. */
  qmp(node: string, command: string, args: unknown, result: QmpResult): void {
    const mutating = isMutating(command, args);
    this.write({
      node,
      command,
      arguments: args ?? {},
      mutating,
      ...(result.ok ? { result: mutating ? result.value : 'read' } : { error: { class: result.error.errorClass, desc: result.error.desc } }),
    });
  }

  hook(node: string, name: string, run: string[], result: { code: number | null; output: string; error?: string }): void {
    this.write({
      node,
      hook: name,
      run,
      mutating: true,
      ...(result.error ? { error: result.error } : { result: { code: result.code, output: result.output } }),
    });
  }

  note(node: string, event: string, detail: Record<string, unknown> = {}): void {
    this.write({ node, event, ...detail });
  }
}
