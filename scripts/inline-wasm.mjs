// The esbuild plugin shared by the build and the browser tests: swaps src/wasm-bytes.ts for
// src/wasm-bytes.inline.ts, so the bundle carries the wasm itself, gzip-compressed and base64-encoded (the
// `?gzip-base64` import below). Inlined as plain base64 (esbuild's binary loader) the wasm cost 33.2 KiB of a
// gzipped bundle; compressed first, 24.3 KiB: the page's gzip cannot compress base64 of a binary well.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const inline = fileURLToPath(new URL('../src/wasm-bytes.inline.ts', import.meta.url));
const wasm = fileURLToPath(new URL('../build/neurasm.wasm', import.meta.url));

/** esbuild options that make a bundle self-contained: the plugins (and the binary loader older callers pass on). */
export const inlineWasm = {
  loader: { '.wasm': 'binary' },
  plugins: [{
    name: 'inline-wasm',
    setup(b) {
      b.onResolve({ filter: /\/wasm-bytes\.js$/ }, () => ({ path: inline }));
      b.onResolve({ filter: /\.wasm\?gzip-base64$/ }, () => ({ path: wasm, namespace: 'gzip-base64' }));
      b.onLoad({ filter: /.*/, namespace: 'gzip-base64' }, (args) => ({
        // NOTE: mtime 0 and a fixed level in the gzip header: the same wasm gives the same bundle.
        contents: gzipSync(readFileSync(args.path), { level: 9 }).toString('base64'),
        loader: 'text',
        watchFiles: [args.path],
      }));
    },
  }],
};
