import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // On the real Temporal server, built with Go: run by .ci/engine (vitest.engine.config.mts).
    exclude: ['test/engine/**', '**/node_modules/**'],
    // The Temporal worker's native bridge is not safe in worker threads: use processes.
    pool: 'forks',
    poolOptions: { forks: { singleFork: false, maxForks: 2, minForks: 1 } },
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
