// A read that fails after the file opened (EIO: a failing disk, a dropped network file system) is
// an error with its code and the reason in words, never a stack trace: FILE_READ for a spec,
// PLAN_READ for a saved plan. readSync is made to fail here; nothing else of node:fs is replaced.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const failing = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  const readSync = ((...args: Parameters<typeof fs.readSync>) => {
    if (failing.on) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', errno: -5, syscall: 'read' });
    return fs.readSync(...args);
  }) as typeof fs.readSync;
  return { ...fs, default: { ...fs, readSync }, readSync };
});

const { readPlanText, readSpecFileText } = await import('../../src/ops/read-spec.js');

const dir = mkdtempSync(join(tmpdir(), 'colo-read-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'pair.yaml'), 'apiVersion: colo/v1\n');
writeFileSync(join(dir, 'plan.json'), '{}');
const env = { cwd: dir, env: {} };

describe('a read that fails once the file is open (EIO)', () => {
  it('a spec: FILE_READ, in words', () => {
    failing.on = true;
    try {
      expect(() => readSpecFileText('pair.yaml', env)).toThrowError(
        expect.objectContaining({ code: 'FILE_READ', message: 'pair.yaml: cannot read the spec: input/output error (EIO)' }),
      );
    } finally {
      failing.on = false;
    }
  });
  it('a saved plan: PLAN_READ, in words', () => {
    failing.on = true;
    try {
      expect(() => readPlanText('plan.json', env)).toThrowError(
        expect.objectContaining({ code: 'PLAN_READ', message: 'plan.json: cannot read the saved plan: input/output error (EIO)' }),
      );
    } finally {
      failing.on = false;
    }
  });
  it('the same files read when nothing fails', () => {
    expect(readSpecFileText('pair.yaml', env)).toEqual({ text: 'apiVersion: colo/v1\n' });
    expect(readPlanText('plan.json', env)).toBe('{}');
  });
});
