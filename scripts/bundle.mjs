// Bundles the CLI into dist/bundle: the CLI alone (its live commands in lazily loaded chunks), so
// that `colo` reads only what a command needs; the library and the guest demo beside it.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist/bundle`, { recursive: true, force: true });
const common = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: `${root}/dist/bundle`,
  outExtension: { '.js': '.mjs' },
  // CommonJS dependencies inside an ES module bundle still call require()
  banner: { js: "import { createRequire as __coloRequire } from 'node:module'; const require = __coloRequire(import.meta.url);" },
  logLevel: 'warning',
};
await build({ ...common, entryPoints: { colo: `${root}/src/cli/main.ts` }, splitting: true, chunkNames: 'colo-[name]-[hash]' });
await build({
  ...common,
  entryPoints: { index: `${root}/src/index.ts`, 'demo-guest': `${root}/scripts/demo-guest.ts` },
  splitting: true,
  chunkNames: 'lib-[name]-[hash]',
});

// The start-up snapshot: one CommonJS file, then `node --build-snapshot` with this very node binary.
// bin/colo checks the stamp (node's path, size and time) and falls back to colo.mjs when it differs.
const { execFileSync } = await import('node:child_process');
const { mkdirSync, statSync, writeFileSync } = await import('node:fs');
const snap = `${root}/dist/snapshot`;
rmSync(snap, { recursive: true, force: true });
mkdirSync(snap, { recursive: true });
await build({
  ...common,
  format: 'cjs',
  banner: {},
  outdir: undefined,
  outExtension: undefined,
  outfile: `${snap}/colo.cjs`,
  entryPoints: [`${root}/src/cli/snapshot-main.ts`],
});
try {
  execFileSync(process.execPath, ['--snapshot-blob', `${snap}/colo.blob`, '--build-snapshot', `${snap}/colo.cjs`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const st = statSync(process.execPath);
  writeFileSync(`${snap}/node`, `${st.size} ${Math.floor(st.mtimeMs / 1000)}\n`);
} catch (e) {
  console.warn(`start-up snapshot not built (colo runs from the bundle): ${String(e.stderr ?? e.message).split('\n')[0]}`);
}
