import type { Code } from './codes.js';

/**
 * An error a person can act on: printed as `colo: error` CODE`: message` without a stack, exit code
 * `exitCode` (1; the OCF agent uses its OCF codes). Every operation throws this for a refusal; every
 * code is documented in src/ops/codes.ts.
 */
export class ColoError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code: Code,
  ) {
    super(message);
  }
}

/** Where an operation runs: the working directory relative names resolve against, and the environment. */
export interface OpEnv {
  cwd: string;
  env: NodeJS.ProcessEnv;
}
