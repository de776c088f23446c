import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every kernel call checks its pointer operands against test/kernels.ts before it runs (test runs only).
    setupFiles: ['test/setup.ts'],
    // One file at a time: demo.test runs `npm start`, which rebuilds dist/, while package.test packs dist/.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
