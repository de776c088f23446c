// The esbuild plugin of the CommonJS build (dist/index.cjs): swaps src/backend.ts (top-level await) for
// src/backend.sync.ts, and loads build/neurasm.js (asc's raw bindings: an async `instantiate` that adapts the
// exports, e.g. bool arguments and u32 results) with its one `await WebAssembly.instantiate(…)` made
// `new WebAssembly.Instance(…)`, so the adaptation is asc's own, run synchronously.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const syncBackend = fileURLToPath(new URL('../src/backend.sync.ts', import.meta.url));
const bindings = fileURLToPath(new URL('../build/neurasm.js', import.meta.url));

const ASYNC_HEAD = /export async function instantiate\(module, imports = \{\}\) \{\n(\s*)const \{ exports \} = await WebAssembly\.instantiate\(module, imports\);/;

/** Rewrites asc's raw bindings so that `instantiate` returns the adapted exports instead of a Promise of them. */
export function syncBindings(code) {
  if (!ASYNC_HEAD.test(code) || /\bawait\b/.test(code.replace(ASYNC_HEAD, ''))) {
    throw new Error('sync-wasm: build/neurasm.js no longer has the one `await WebAssembly.instantiate` this plugin rewrites; update scripts/sync-wasm.mjs');
  }
  return code.replace(ASYNC_HEAD, 'export function instantiate(module, imports = {}) {\n$1const { exports } = new WebAssembly.Instance(module, imports);');
}

export const syncWasm = {
  name: 'sync-wasm',
  setup(b) {
    b.onResolve({ filter: /\/backend\.js$/ }, (args) => (args.importer.startsWith(src) && args.importer !== syncBackend ? { path: syncBackend } : undefined));
    b.onLoad({ filter: /[\\/]build[\\/]neurasm\.js$/ }, async (args) => (args.path === bindings ? { contents: syncBindings(await readFile(args.path, 'utf8')), loader: 'js' } : undefined));
    b.onResolve({ filter: /\/wasm-bytes\.js$/ }, () => ({ errors: [{ text: 'sync-wasm: the CommonJS build must not include src/wasm-bytes.ts (top-level await, import.meta)' }] }));
  },
};
