// Test runner configuration. The `forks` pool is required: chdb inside a worker thread
// crashes the process when the worker ends (shared notes, node-toolchain.md).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['verbose'],
    fileParallelism: true,
    maxWorkers: 2
  }
});
