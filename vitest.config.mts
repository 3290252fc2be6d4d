import { defineConfig } from 'vitest/config';

const integration = '__tests__/**/*.integration.test.ts';

export default defineConfig({
  test: {
    // cdktf's matchers look for a global `expect`.
    globals: true,
    setupFiles: ['__tests__/support/setup.ts'],
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        // In-process tests that leave no global state behind share one module graph: a third of the time.
        test: { name: 'unit', include: ['__tests__/**/*.test.ts'], exclude: [integration], isolate: false },
      },
      {
        // Real terraform and cdktf-cli runs: slower, and they need the provider mirror.
        extends: true,
        test: {
          name: 'integration',
          include: [integration],
          globalSetup: ['__tests__/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
