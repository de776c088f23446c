// Instantiates the kernels once, at import (top-level await). Where the bytes come from (a file, a URL, or
// inlined) is wasm-bytes.ts's business; everything after instantiation is the same code everywhere.
import { instantiate } from '../build/neurasm.js';
import { wasmBytes } from './wasm-bytes.js';
import { linearMemory, withSharedMemory } from './shared-memory.js';

/** The wasm exports, typed from the `.d.ts` that `asc --bindings raw` emits: a misspelt kernel does not compile. */
export type Kernels = Awaited<ReturnType<typeof instantiate>>;

const PAGE = 65536;
/** Largest memory the host will grow to (2 GiB); the module declares the same maximum. */
export const MAX_PAGES = 32768;

const linear = linearMemory(MAX_PAGES);

/** The one linear memory: created here, imported by the kernels, grown only by the arena. */
export const memory = linear.memory;

/** Whether `memory` is shared, so that a pool of threads can run kernels on it. */
export const memoryShared = linear.shared;

/** The compiled kernels, which pool threads instantiate again on `memory` (threads.ts). */
export const wasmModule = await WebAssembly.compile(memoryShared ? withSharedMemory(await wasmBytes()) : await wasmBytes());

/** The kernels, ready to call with byte offsets into `memory`. */
export const kernels: Kernels = await instantiate(wasmModule, { env: { memory } });

export { PAGE };
