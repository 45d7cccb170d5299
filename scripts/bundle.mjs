// Bundles the CLI into dist/bundle (one entry, lazily loaded chunks for the live commands):
// one file to read instead of hundreds of modules keeps `colo plan --offline` start-up short.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist/bundle`, { recursive: true, force: true });
await build({
  entryPoints: { colo: `${root}/src/cli/main.ts`, index: `${root}/src/index.ts`, 'demo-guest': `${root}/scripts/demo-guest.ts` },
  bundle: true,
  minify: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: `${root}/dist/bundle`,
  outExtension: { '.js': '.mjs' },
  // CommonJS dependencies inside an ES module bundle still call require()
  banner: { js: "import { createRequire as __coloRequire } from 'node:module'; const require = __coloRequire(import.meta.url);" },
  logLevel: 'warning',
});
