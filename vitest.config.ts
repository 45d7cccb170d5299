import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Test files start real QEMU processes on loopback port ranges of their own (and network
    // namespaces named after their process), so two files run at once: one per core.
    fileParallelism: true,
    // the test ports are kept out of the kernel's ephemeral range while the tests run
    globalSetup: ['test/support/global-setup.ts'],
    maxWorkers: 2,
  },
});
