import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests sit beside the code; the suffix says where they run. Browser journeys live in e2e/ (Playwright).
    include: ['src/**/*.node.test.ts', 'scripts/**/*.node.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
  },
});
