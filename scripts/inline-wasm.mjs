// The esbuild plugin shared by the build and the browser tests: swaps src/wasm-bytes.ts for
// src/wasm-bytes.inline.ts, so the bundle carries the wasm's bytes (needs loader { '.wasm': 'binary' }).
import { fileURLToPath } from 'node:url';

const inline = fileURLToPath(new URL('../src/wasm-bytes.inline.ts', import.meta.url));

/** esbuild options that make a bundle self-contained: the plugin and the loader it relies on. */
export const inlineWasm = {
  loader: { '.wasm': 'binary' },
  plugins: [{
    name: 'inline-wasm',
    setup(b) {
      b.onResolve({ filter: /\/wasm-bytes\.js$/ }, () => ({ path: inline }));
    },
  }],
};
