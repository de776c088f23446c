// The esbuild plugin shared by the build and the browser tests: swaps src/wasm-bytes.ts for
// src/wasm-bytes.inline.ts, so the bundle carries the wasm's bytes, and gives that module build/neurasm.wasm as
// a string of hex digits. Hex rather than esbuild's base64 (the binary loader) because the page is served
// gzipped: each byte is two characters, so a run of bytes that repeats in the wasm repeats in the text and gzip
// finds it, where base64's 4-for-3 packing shifts repeated bytes across different characters. Measured on the
// 66,713-byte module: base64 35,909 B gzipped, hex 28,890, the binary itself 25,990. Decoding is one pass.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const inline = fileURLToPath(new URL('../src/wasm-bytes.inline.ts', import.meta.url));
const wasm = fileURLToPath(new URL('../build/neurasm.wasm', import.meta.url));
const HEX_MODULE = 'neurasm:wasm-hex';

/** The JavaScript module that exports `bytes` as one string of lower-case hex digits. */
export function hexModule(bytes) {
  return `export default ${JSON.stringify(Buffer.from(bytes).toString('hex'))};\n`;
}

/** esbuild options that make a bundle self-contained: the plugin that swaps in the inlined bytes. */
export const inlineWasm = {
  plugins: [{
    name: 'inline-wasm',
    setup(b) {
      b.onResolve({ filter: /\/wasm-bytes\.js$/ }, () => ({ path: inline }));
      b.onResolve({ filter: /^neurasm:wasm-hex$/ }, () => ({ path: wasm, namespace: HEX_MODULE }));
      b.onLoad({ filter: /.*/, namespace: HEX_MODULE }, async (args) => ({ contents: hexModule(await readFile(args.path)), loader: 'js', watchFiles: [args.path] }));
    },
  }],
};
