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
await build({ ...common, entryPoints: { index: `${root}/src/index.ts`, 'demo-guest': `${root}/scripts/demo-guest.ts` }, splitting: true, chunkNames: 'lib-[name]-[hash]' });
