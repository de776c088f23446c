// neurasm/url's backend (dist/index.url.js), in place of backend.ts: the kernels' bytes are not inlined but loaded
// from build/neurasm.wasm beside the package, read from disk under Node and fetched in a browser (bundlers that
// handle `new URL(…, import.meta.url)`, as Vite does, ship it as an asset the server compresses and caches). The
// fetch is async, so this build instantiates at import with top-level await: ES module output only.
import { instantiate } from '../build/neurasm.js';
import { IOError } from './errors.js';
import { memory, memoryShared, withSharedMemory } from './shared-memory.js';
import type * as Inlined from './backend.js';

/** The wasm exports, the same type as backend.ts's. */
export type Kernels = Inlined.Kernels;

export { memory, memoryShared, MAX_PAGES, PAGE } from './shared-memory.js';

/** The wasm module's bytes, from the file beside the package. */
async function wasmBytes(): Promise<BufferSource> {
  const url = new URL('../build/neurasm.wasm', import.meta.url);
  if (url.protocol === 'file:') {
    // NOTE: a non-literal specifier, so browser bundlers leave this Node-only import alone.
    const fsModule = 'node:fs/promises';
    const fs = (await import(/* webpackIgnore: true */ /* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
    try {
      return (await fs.readFile(url)) as Uint8Array<ArrayBuffer>;
    } catch (e) {
      throw new IOError(`neurasm/url: could not read the kernels from ${url.href} (${e instanceof Error ? e.message : String(e)}); a bundle must have build/neurasm.wasm there, or import 'neurasm' instead (the kernels inlined)`);
    }
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new IOError(`neurasm/url: could not fetch the kernels from ${url.href} (${e instanceof Error ? e.message : String(e)}); a bundler must ship build/neurasm.wasm beside the bundle, or import 'neurasm' instead (the kernels inlined)`);
  }
  if (!response.ok) {
    throw new IOError(`neurasm/url: could not load the kernels from ${url.href}: HTTP ${response.status}; a bundler must ship build/neurasm.wasm there (esbuild does not copy files named by new URL(…, import.meta.url)), or import 'neurasm' instead (the kernels inlined)`);
  }
  return response.arrayBuffer();
}

const bytes = await wasmBytes();

/** The compiled kernels, which pool threads instantiate again on `memory` (threads.ts). */
export const wasmModule = await WebAssembly.compile(memoryShared ? withSharedMemory(bytes) : bytes);

/** The kernels, ready to call with byte offsets into `memory`. */
export const kernels: Kernels = await instantiate(wasmModule, { env: { memory } });

