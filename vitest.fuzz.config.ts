// `npm run fuzz`: the property-based fuzz suite alone, with many more runs than `npm test` gives it
// (test/fuzz.test.ts reads `fuzzRuns` with inject()).
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

const config = mergeConfig(base, defineConfig({
  test: {
    provide: { fuzzRuns: 2000 },
    testTimeout: 60 * 60_000,
  },
}));
// NOTE: mergeConfig concatenates arrays; the fuzz run replaces the base's include instead of adding to it.
config.test!.include = ['test/fuzz.test.ts'];
export default config;
