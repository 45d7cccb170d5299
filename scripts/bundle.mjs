// Bundles the CLI into dist/bundle: the CLI alone (its live commands in lazily loaded chunks), so
// that `colo` reads only what a command needs; the library and the guest demo beside it.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist/bundle`, { recursive: true, force: true });
/**
 * What the start-up does not load (each costs a few ms of a command's start): node:child_process,
 * node:crypto and node:os are required when a command first uses them, not when the modules that
 * import them are evaluated (commander requires node:child_process at load for executable
 * subcommands, which colo has none of; the agent's monitor spawns nothing). esbuild calls an
 * imported function through the module object (`(0, m.spawnSync)(…)`), so a module object that
 * requires on first property read changes nothing else. chalk sniffs the terminal at load
 * (node:tty, which loads node:net, and node:os) for its default instance, which colo never uses:
 * every Chalk colo makes is given the level colo decided (cli/io.ts useColor), so chalk's sniffing
 * is left out (its default instance has no colour).
 */
const LAZY = ['node:child_process', 'node:crypto', 'node:os'];
const lean = {
  name: 'colo-lean-start',
  setup(b) {
    // static imports only: an import() stays node's own module (it is loaded on first use already)
    b.onResolve({ filter: /^node:(child_process|crypto|os)$/ }, (a) =>
      a.namespace === 'colo-lazy' || a.kind === 'dynamic-import' ? undefined : { path: a.path, namespace: 'colo-lazy' },
    );
    b.onResolve({ filter: /^#supports-color$/ }, (a) =>
      /chalk[\\/]source[\\/]/.test(a.importer) ? { path: 'supports-color', namespace: 'colo-lazy' } : undefined,
    );
    b.onLoad({ filter: /^node:/, namespace: 'colo-lazy' }, (a) => {
      if (!LAZY.includes(a.path)) throw new Error(`${a.path} is not lazily loaded`);
      // a getter per export (the names of this node's module), which esbuild's interop copies as getters
      const names = Object.keys(createRequire(import.meta.url)(a.path));
      return {
        contents: `let m; const load = () => (m ??= require(${JSON.stringify(a.path)}));
for (const k of ${JSON.stringify(names)}) Object.defineProperty(module.exports, k, { enumerable: true, get: () => load()[k] });`,
        loader: 'js',
      };
    });
    b.onLoad({ filter: /^supports-color$/, namespace: 'colo-lazy' }, () => ({
      contents: 'export default { stdout: false, stderr: false };',
      loader: 'js',
    }));
  },
};
const common = {
  plugins: [lean],
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
await build({
  ...common,
  entryPoints: { colo: `${root}/src/cli/main.ts`, 'read-worker': `${root}/src/ops/read-worker.ts` },
  splitting: true,
  chunkNames: 'colo-[name]-[hash]',
});
await build({
  ...common,
  entryPoints: { index: `${root}/src/index.ts`, 'demo-guest': `${root}/scripts/demo-guest.ts` },
  splitting: true,
  chunkNames: 'lib-[name]-[hash]',
});

// The start-up file: the CLI as one CommonJS file (dist/start/colo.cjs) and V8's code cache of it
// (colo.cache), made in a child node with the flags bin/colo runs it with, after the fast commands
// ran once (snapshot-main.ts warm()). start.cjs compiles the file with the cache: V8 checks the cache
// against the source, its own version and the flags, and compiles from source when it does not fit.
const { execFileSync } = await import('node:child_process');
const { mkdirSync, writeFileSync } = await import('node:fs');
const start = `${root}/dist/start`;
rmSync(`${root}/dist/snapshot`, { recursive: true, force: true });
rmSync(start, { recursive: true, force: true });
mkdirSync(start, { recursive: true });
/**
 * One CommonJS file of `entry` at `outfile`, written as the function the loader calls (CommonJS's
 * wrapper around it), so that the loader hands V8 the file's text as it is read: no 600 KB string
 * joined and flattened before the compile. ASCII only (esbuild escapes the rest), read as latin1: a
 * one-byte string made without decoding. V8 runs it as a vm.Script, where import() has no loader
 * ("A dynamic import callback was not specified"): the lazily loaded built-in modules (node:tls,
 * node:os, node:worker_threads…) are required there instead, still only when first reached.
 */
async function startFile(outfile, entry) {
  await build({ ...common, format: 'cjs', banner: {}, outdir: undefined, outExtension: undefined, outfile, entryPoints: [entry] });
  const code = readFileSync(outfile, 'utf8').replace(/\bimport\(("node:[a-z_/]+")\)/g, 'Promise.resolve().then(()=>require($1))');
  if (/[^\x00-\x7f]/.test(code)) throw new Error(`${outfile} is not ASCII: the loader reads it as latin1`);
  writeFileSync(outfile, `(function (exports, require, module, __filename, __dirname) {${code}\n})`);
}

/** The lines of a loader that compiles `code` (beside it) with V8's code cache `cache` and runs it as a module `mod`. */
const loadWithCache = (code, cache) => `const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');
const file = __dirname + '/${code}';
const cacheFile = __dirname + '/${cache}';
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {}
const script = new Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
const mod = { exports: {} };
script.runInThisContext()(mod.exports, require, mod, file, __dirname);
`;

await startFile(`${start}/colo.cjs`, `${root}/src/cli/snapshot-main.ts`);
// the spec reader's worker thread (colo plan/validate -f DIR of many files), beside colo.cjs, started
// as colo.cjs is: read-worker.cjs compiles read-worker-code.cjs with V8's code cache of it
await startFile(`${start}/read-worker-code.cjs`, `${root}/src/ops/read-worker.ts`);
writeFileSync(
  `${start}/read-worker.cjs`,
  `'use strict';
// the spec reader's worker thread: compiles read-worker-code.cjs with V8's code cache of it (npm run build)
const { workerData } = require('node:worker_threads');
${loadWithCache('read-worker-code.cjs', 'read-worker.cache')}if (workerData.warm) mod.exports.readBatch(workerData.warm, workerData).then(() => writeFileSync(cacheFile, script.createCachedData()));
`,
);
writeFileSync(
  `${start}/start.cjs`,
  `'use strict';
// colo's start-up: compiles colo.cjs with V8's code cache of it (npm run build), then runs the CLI.
// Without the cache, or with one V8 refuses (another node), the file is compiled from source.
${loadWithCache('colo.cjs', 'colo.cache')}if (process.env.COLO_START_WARM) {
  // npm run build: run the fast commands, then keep what V8 compiled
  mod.exports.warm(JSON.parse(process.env.COLO_START_WARM), process.cwd()).then(() => writeFileSync(cacheFile, script.createCachedData()));
} else {
  if (process.env.COLO_DEBUG && cachedData && script.cachedDataRejected) process.stderr.write('colo: the code cache does not fit this node; compiled from source\\n');
  // nothing is left to run when the loop empties (the output is written synchronously): exit there,
  // as node would, without freeing the heap and the environment first
  process.once('beforeExit', () => process.exit());
  mod.exports.main(process.argv.slice(2));
}
`,
);
// the warm-up spec: both nodes' monitors absent, so status answers at once
const warmSpec = `${start}/warm.yaml`;
writeFileSync(warmSpec, readFileSync(`${root}/examples/pair.yaml`, 'utf8').replaceAll('/tmp/colo-demo', '/nonexistent/colo-warm'));
try {
  execFileSync(process.execPath, [`${start}/start.cjs`], {
    cwd: root,
    env: { ...process.env, COLO_START_WARM: JSON.stringify(warmSpec) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
} catch (e) {
  console.warn(`code cache not built (colo compiles from source): ${String(e.stderr ?? e.message).split('\n')[0]}`);
} finally {
  rmSync(warmSpec, { force: true });
}
// the worker's code cache: one worker reads the examples and plans them offline
{
  const { Worker } = await import('node:worker_threads');
  const { readdirSync } = await import('node:fs');
  const warm = readdirSync(`${root}/examples`)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `${root}/examples/${f}`);
  const w = new Worker(`${start}/read-worker.cjs`, {
    workerData: { env: { cwd: root, env: { NO_COLOR: '1' } }, transition: 'setup', warm },
    stdout: true,
    stderr: true,
  });
  await new Promise((done) => w.on('exit', done).on('error', (e) => (console.warn(`the reader's code cache not built: ${e.message}`), done())));
}
