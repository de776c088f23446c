// The second half of `npm run build:wasm`: from what asc wrote into build/ (neurasm.wasm, and its raw bindings
// neurasm.js, whose `instantiate` is async), the two modules the core imports, so that loading it needs no
// top-level await (which CommonJS and iife bundles, Vite 5 and 6's default target and Vite's worker format refuse)
// and no file beside the bundle:
//   build/neurasm.sync.js  asc's bindings with `instantiate` synchronous (syncBindings), and its .d.ts
//   build/neurasm.hex.js   the wasm's bytes as one string of hex digits (hexModule), and its .d.ts
// Only neurasm/url (dist/index.url.js, src/backend.url.ts) fetches build/neurasm.wasm, through build/neurasm.js.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const build = (file) => fileURLToPath(new URL(`../build/${file}`, import.meta.url));

const ASYNC_HEAD = /export async function instantiate\(module, imports = \{\}\) \{\n(\s*)const \{ exports \} = await WebAssembly\.instantiate\(module, imports\);/;

/**
 * asc's raw bindings with `instantiate` returning the adapted exports (bool arguments, u32 results) instead of a
 * Promise of them: its one `await WebAssembly.instantiate(…)` made `new WebAssembly.Instance(…)`, so the
 * adaptation is asc's own. Refuses bindings of another shape rather than emit one that still returns a Promise.
 */
export function syncBindings(code) {
  if (!ASYNC_HEAD.test(code) || /\bawait\b/.test(code.replace(ASYNC_HEAD, ''))) {
    throw new Error('wasm-modules: build/neurasm.js no longer has the one `await WebAssembly.instantiate` syncBindings rewrites; update scripts/wasm-modules.mjs');
  }
  return code.replace(ASYNC_HEAD, 'export function instantiate(module, imports = {}) {\n$1const { exports } = new WebAssembly.Instance(module, imports);');
}

const PROMISED = /\): Promise<typeof __AdaptedExports>;/;

/** asc's declarations with `instantiate` returning the adapted exports themselves. */
export function syncDeclarations(text) {
  if (!PROMISED.test(text)) throw new Error('wasm-modules: build/neurasm.d.ts no longer declares `instantiate(…): Promise<typeof __AdaptedExports>`; update scripts/wasm-modules.mjs');
  return text.replace(PROMISED, '): typeof __AdaptedExports;');
}

/**
 * The JavaScript module that exports `bytes` as one string of lower-case hex digits. Hex rather than base64
 * because pages are served gzipped: each byte is two characters, so a run of bytes that repeats in the wasm repeats
 * in the text and gzip finds it, where base64's 4-for-3 packing shifts repeated bytes across different characters.
 * Measured on the 66,713-byte module: base64 35,909 B gzipped, hex 28,890, the binary itself 25,990.
 */
export function hexModule(bytes) {
  return `export default ${JSON.stringify(Buffer.from(bytes).toString('hex'))};\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(build('neurasm.sync.js'), syncBindings(readFileSync(build('neurasm.js'), 'utf8')));
  writeFileSync(build('neurasm.sync.d.ts'), syncDeclarations(readFileSync(build('neurasm.d.ts'), 'utf8')));
  writeFileSync(build('neurasm.hex.js'), hexModule(readFileSync(build('neurasm.wasm'))));
  writeFileSync(build('neurasm.hex.d.ts'), '/** build/neurasm.wasm as one string of lower-case hex digits. */\ndeclare const hex: string;\nexport default hex;\n');
}
