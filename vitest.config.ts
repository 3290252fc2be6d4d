import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // cdktf's matchers look for a global `expect`.
    globals: true,
    include: ['__tests__/**/*.test.ts'],
    setupFiles: ['__tests__/support/setup.ts'],
    globalSetup: ['__tests__/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 180_000,
  },
});
