import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Integration tests start real QEMU processes on fixed loopback ports: one file at a time.
    fileParallelism: false,
  },
});
