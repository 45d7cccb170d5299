// The pure core — spec/ model/ diff/ plan/, and the fleet and spec-diff cores: no node:* module, no
// chalk or diff (those belong to render/), and nothing from the edges (qmp/ observe/ apply/ cli/ render/).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dirs = ['spec', 'model', 'diff', 'plan', 'plan/kinds', 'fleet', 'specdiff'];

describe.each(dirs)('src/%s', (dir) => {
  const base = new URL(`../../src/${dir}/`, import.meta.url);
  const files = readdirSync(base).filter((f) => f.endsWith('.ts'));
  it('has modules, and none imports node:*, chalk or diff', () => {
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) {
      const imports = [...readFileSync(new URL(f, base), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(
        imports.filter(
          (i) =>
            i.startsWith('node:') ||
            i === 'chalk' ||
            i === 'diff' ||
            /\/(cli|render|qmp|observe|apply)\//.test(i) ||
            /^\.\.\/(cli|render|qmp|observe|apply)\//.test(i) ||
            /^\.\/(?:..\/)*(cli|render|qmp|observe|apply)\//.test(i),
        ),
        f,
      ).toEqual([]);
    }
  });
});
