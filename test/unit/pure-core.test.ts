// The pure core — spec/ model/ diff/ plan/, and the fleet and spec-diff cores: no node:* module, no
// chalk or diff (those belong to render/), and nothing from the edges (qmp/ observe/ apply/ cli/ render/).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const dirs = ['addr', 'spec', 'model', 'diff', 'plan', 'plan/kinds', 'fleet', 'specdiff'];

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
            /\/(cli|render|qmp|observe|apply|ops|ocf)\//.test(i) ||
            /^\.\.\/(cli|render|qmp|observe|apply|ops|ocf)\//.test(i) ||
            /^\.\/(?:..\/)*(cli|render|qmp|observe|apply|ops|ocf)\//.test(i),
        ),
        f,
      ).toEqual([]);
    }
  });
});

// The pipeline, bottom to top: a module imports only from its own folder or from a lower layer; no
// import runs up the pipeline, and no chain of imports comes back to where it started.
const LAYERS: Record<string, number> = {
  addr: 0,
  sys: 0,
  spec: 1,
  qmp: 1,
  model: 2,
  diff: 3,
  fleet: 3,
  observe: 3,
  plan: 4,
  specdiff: 5,
  apply: 5,
  ops: 6,
  render: 7,
  ocf: 8,
  cli: 9,
  '.': 10,
};

const src = new URL('../../src/', import.meta.url).pathname;
const sources = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
const folderOf = (f: string) => (f.includes('/') ? f.split('/')[0] : '.');
const graph = new Map(
  sources.map((f) => {
    const text = readFileSync(join(src, f), 'utf8');
    const deps = [...text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((m) => normalize(join(dirname(f), m[1])).replace(/\.js$/, '.ts'));
    return [f, deps] as const;
  }),
);

describe('the import graph', () => {
  it('knows every folder of src/', () => {
    for (const f of sources) expect(LAYERS, f).toHaveProperty(folderOf(f));
  });

  it('runs one way: nothing imports a layer above its own', () => {
    const up: string[] = [];
    for (const [f, deps] of graph)
      for (const d of deps)
        if (LAYERS[folderOf(d)] > LAYERS[folderOf(f)] || (folderOf(d) !== folderOf(f) && LAYERS[folderOf(d)] === LAYERS[folderOf(f)])) up.push(`${f} → ${d}`);
    expect(up).toEqual([]);
  });

  it('has no circle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const visit = (f: string, path: string[]) => {
      state.set(f, 'open');
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === 'open') circles.push([...path.slice(path.indexOf(d)), d].join(' → '));
        else if (!state.has(d)) visit(d, [...path, d]);
      }
      state.set(f, 'done');
    };
    for (const f of sources) if (!state.has(f)) visit(f, [f]);
    expect(circles).toEqual([]);
  });

  it('keeps the command layer small: options and rendering, the operations live in src/ops', () => {
    const cli = sources.filter((f) => folderOf(f) === 'cli');
    const lines = cli.reduce((n, f) => n + readFileSync(join(src, f), 'utf8').split('\n').length, 0);
    // 2412 lines before the operations moved to src/ops; 1250 until the JSON contract (json-out,
    // version, -R/-l, --format on every command) met the option checks (checkNumberOptions, pathArg)
    expect(lines).toBeLessThan(1350);
    // the start-up snapshot warms the offline plan's code paths itself
    for (const f of cli.filter((x) => !x.endsWith('snapshot-main.ts'))) {
      const text = readFileSync(join(src, f), 'utf8');
      expect(text, f).not.toMatch(/spawnSync\('crm_|crm_attribute'|executeSteps\(|buildPlan\(|observeNode\(|openSession\(/);
    }
  });
});
