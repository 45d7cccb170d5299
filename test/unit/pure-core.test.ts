// The fleet and spec-diff cores are pure like spec/ model/ diff/ plan/: no node:* module, and no
// chalk or diff (those belong to render/).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dirs = ['fleet', 'specdiff'];

describe.each(dirs)('src/%s', (dir) => {
  const base = new URL(`../../src/${dir}/`, import.meta.url);
  const files = readdirSync(base).filter((f) => f.endsWith('.ts'));
  it('has modules, and none imports node:*, chalk or diff', () => {
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) {
      const imports = [...readFileSync(new URL(f, base), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((i) => i.startsWith('node:') || i === 'chalk' || i === 'diff' || i.includes('/cli/') || i.includes('/render/')), f).toEqual([]);
    }
  });
});
