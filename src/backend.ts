// Instantiates the kernels once, at import (top-level await). Where the bytes come from (a file, a URL, or
// inlined) is wasm-bytes.ts's business; everything after instantiation is the same code everywhere.
import { instantiate } from '../build/neurasm.js';
import { wasmBytes } from './wasm-bytes.js';

/** The wasm exports, typed from the `.d.ts` that `asc --bindings raw` emits: a misspelt kernel does not compile. */
export type Kernels = Awaited<ReturnType<typeof instantiate>>;

const PAGE = 65536;
/** Largest memory the host will grow to (2 GiB); the module declares the same maximum. */
export const MAX_PAGES = 32768;

/** The one linear memory: created here, imported by the kernels, grown only by the arena. */
export const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES });

/** The kernels, ready to call with byte offsets into `memory`. */
export const kernels: Kernels = await instantiate(await WebAssembly.compile(await wasmBytes()), { env: { memory } });

export { PAGE };
