import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Device files and servers are real; a loaded 2-core CI machine needs headroom.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The suite spawns CLI processes and opens many SQLite files: two workers is what 2 cores take.
    maxWorkers: 2,
  },
});
