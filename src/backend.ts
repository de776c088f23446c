// Loads and instantiates the kernels once, at import (top-level await). The only place that knows whether it
// runs in Node or a browser: everything after instantiation is the same code in both.
import { instantiate } from '../build/neurasm.js';

/** The wasm exports, typed from the `.d.ts` that `asc --bindings raw` emits: a misspelt kernel does not compile. */
export type Kernels = Awaited<ReturnType<typeof instantiate>>;

const PAGE = 65536;
/** Largest memory the host will grow to (2 GiB); the module declares the same maximum. */
export const MAX_PAGES = 32768;

async function loadBytes(): Promise<BufferSource> {
  const url = new URL('../build/neurasm.wasm', import.meta.url);
  if (url.protocol === 'file:') {
    const fs = await import('node:fs/promises');
    return (await fs.readFile(url)) as Uint8Array<ArrayBuffer>;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`neurasm: could not load ${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** The one linear memory: created here, imported by the kernels, grown only by the arena. */
export const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES });

/** The kernels, ready to call with byte offsets into `memory`. */
export const kernels: Kernels = await instantiate(await WebAssembly.compile(await loadBytes()), { env: { memory } });

export { PAGE };
