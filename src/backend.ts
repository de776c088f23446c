// Compiles and instantiates the kernels once, at import, synchronously: the bytes are inlined (wasm-bytes.ts), so
// the core has no top-level await and loads the same way as an ES module, from require(), and in any bundle
// format. neurasm/url swaps this module for backend.url.ts, which fetches the .wasm as an asset instead.
import { instantiate } from '../build/neurasm.sync.js';
import { wasmBytes } from './wasm-bytes.js';
import { memory, memoryShared, withSharedMemory } from './shared-memory.js';

/** The wasm exports, typed from the `.d.ts` that `asc --bindings raw` emits: a misspelt kernel does not compile. */
export type Kernels = ReturnType<typeof instantiate>;

export { memory, memoryShared, MAX_PAGES, PAGE } from './shared-memory.js';

const bytes = wasmBytes();

/** The compiled kernels, which pool threads instantiate again on `memory` (threads.ts). */
export const wasmModule = new WebAssembly.Module(memoryShared ? withSharedMemory(bytes) : bytes);

/** The kernels, ready to call with byte offsets into `memory`. */
export const kernels: Kernels = instantiate(wasmModule, { env: { memory } });

