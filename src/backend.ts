// Compiles and instantiates the kernels once, at import, synchronously: the bytes are inlined (wasm-bytes.ts), so
// the core has no top-level await and loads the same way as an ES module, from require(), and in any bundle
// format. neurasm/url swaps this module for backend.url.ts, which fetches the .wasm as an asset instead.
import { instantiate } from '../build/neurasm.sync.js';
import { wasmBytes } from './wasm-bytes.js';
import { linearMemory, withSharedMemory } from './shared-memory.js';

/** The wasm exports, typed from the `.d.ts` that `asc --bindings raw` emits: a misspelt kernel does not compile. */
export type Kernels = ReturnType<typeof instantiate>;

const PAGE = 65536;
/** Largest memory the host will grow to (2 GiB); the module declares the same maximum. */
export const MAX_PAGES = 32768;

const linear = linearMemory(MAX_PAGES);

/** The one linear memory: created here, imported by the kernels, grown only by the arena. */
export const memory = linear.memory;

/** Whether `memory` is shared, so that a pool of threads can run kernels on it. */
export const memoryShared = linear.shared;

const bytes = wasmBytes();

/** The compiled kernels, which pool threads instantiate again on `memory` (threads.ts). */
export const wasmModule = new WebAssembly.Module(memoryShared ? withSharedMemory(bytes) : bytes);

/** The kernels, ready to call with byte offsets into `memory`. */
export const kernels: Kernels = instantiate(wasmModule, { env: { memory } });

export { PAGE };
