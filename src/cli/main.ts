#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { useReadWorkers } from '../ops/read-pairs.js';
import { run } from './cli.js';
import { guardProcess } from './stdio.js';

guardProcess();
// the spec reader's worker entry beside the bundle (absent from source: the files are read in turn)
useReadWorkers(fileURLToPath(new URL('./read-worker.mjs', import.meta.url)));

run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }).then((code) => {
  process.exitCode = code;
});
