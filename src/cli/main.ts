#!/usr/bin/env node
import { run } from './cli.js';
import { guardProcess } from './stdio.js';

guardProcess();

run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }).then((code) => {
  process.exitCode = code;
});
