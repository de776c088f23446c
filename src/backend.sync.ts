// The CommonJS build's backend (dist/index.cjs): the same exports as backend.ts, but the kernels are compiled
// and instantiated synchronously, so `require('neurasm')` needs no top-level await. Node only: the bytes are
// read from build/neurasm.wasm beside the package. scripts/sync-wasm.mjs swaps this file in for backend.ts and
// loads build/neurasm.js with its one `await WebAssembly.instantiate` replaced by `new WebAssembly.Instance`,
// so `instantiate` below returns the adapted kernels themselves (the same adaptation as the ESM build).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { instantiate } from '../build/neurasm.js';
import { linearMemory, withSharedMemory } from './shared-memory.js';
import type * as Async from './backend.js';

/** The wasm exports, the same type as backend.ts's. */
export type Kernels = Async.Kernels;

const PAGE = 65536;
/** Largest memory the host will grow to (2 GiB); the module declares the same maximum. */
export const MAX_PAGES = 32768;

const linear = linearMemory(MAX_PAGES);

/** The one linear memory: created here, imported by the kernels, grown only by the arena. */
export const memory = linear.memory;

/** Whether `memory` is shared, so that a pool of threads can run kernels on it. */
export const memoryShared = linear.shared;

/** build/neurasm.js's `instantiate` as the sync-wasm build plugin rewrites it: no Promise. */
const instantiateSync = instantiate as unknown as (module: WebAssembly.Module, imports: WebAssembly.Imports) => Kernels;

// dist/index.cjs lives in <package>/dist/, the wasm in <package>/build/.
const bytes = readFileSync(join(__dirname, '..', 'build', 'neurasm.wasm'));

/** The compiled kernels, which pool threads instantiate again on `memory` (threads.ts). */
export const wasmModule = new WebAssembly.Module(memoryShared ? withSharedMemory(bytes) : bytes);

/** The kernels, ready to call with byte offsets into `memory`. */
export const kernels: Kernels = instantiateSync(wasmModule, { env: { memory } });

export { PAGE };
