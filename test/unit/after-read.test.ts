// What apply's read after the steps may keep from the read before them, and the journal's one open file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/apply/journal.js';
import type { NodeReading } from '../../src/observe/observe.js';
import { untouchedProps } from '../../src/ops/live.js';
import type { Step } from '../../src/plan/types.js';

const reading = (name: string, props: Record<string, Record<string, string | number>>): NodeReading => ({
  observed: { name, reach: 'ok', resources: {}, jobs: [] },
  raw: { first: {}, props },
  roundTrips: 1,
});
const qmp = (node: string, execute: string, args?: Record<string, unknown>): Step => ({
  kind: 'qmp',
  node,
  execute,
  ...(args ? { arguments: args } : {}),
  description: execute,
  precondition: '',
});
const readings = {
  a: reading('a', { comp0: { compare_timeout: 3000 }, tls0: { dir: '/x' } }),
  b: reading('b', { comp0: { compare_timeout: 500 } }),
};

describe('untouchedProps', () => {
  it('keeps every object no step names, on each node', () => {
    const steps = [qmp('a', 'migrate', { uri: 'tcp:127.0.0.1:1' }), { kind: 'wait', node: 'a', wait: 'colo-mode', until: 'primary', timeoutMs: 1000 } as Step];
    expect(untouchedProps(readings, steps)).toEqual({ a: readings.a.raw!.props, b: readings.b.raw!.props });
  });

  it('reads again an object a QMP step on that node adds or deletes, not the same id on the other node', () => {
    const steps = [qmp('a', 'object-del', { id: 'comp0' }), qmp('a', 'object-add', { 'qom-type': 'colo-compare', id: 'comp0' })];
    expect(untouchedProps(readings, steps)).toEqual({ a: { tls0: { dir: '/x' } }, b: readings.b.raw!.props });
  });

  it('keeps nothing after a hook or a fence: the monitors were let go while it ran', () => {
    const hook = { kind: 'hook', node: 'b', hook: 'afterFailover', run: ['true'], timeoutMs: 1000, env: {}, description: '' } as unknown as Step;
    expect(untouchedProps(readings, [qmp('a', 'migrate'), hook])).toEqual({});
  });
});

describe('Journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'colo-journal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes each line as it comes, and a line after close() opens the file again', () => {
    const file = join(dir, 'sub', 'p.journal.jsonl');
    const j = new Journal(file);
    j.note('a', 'one');
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).event),
    ).toEqual(['one']);
    j.note('a', 'two');
    j.close();
    j.note('a', 'three');
    j.close();
    j.close();
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).event),
    ).toEqual(['one', 'two', 'three']);
  });
});
