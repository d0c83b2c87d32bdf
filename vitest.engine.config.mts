import { defineConfig } from 'vitest/config';

// Tests on the real Temporal server (engine 'server', built with Go): `.ci/engine` runs them
// after `npm test`, so the main suite does not need Go. Each file starts its own sandbox.
export default defineConfig({
  test: {
    include: ['test/engine/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 120_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
  },
});
