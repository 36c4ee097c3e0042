import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files run in parallel workers, each with its own api server on the run's database.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
