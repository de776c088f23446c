// Where the kernels' bytes come from, by default: the file beside the package (build/neurasm.wasm), read from
// disk under Node and fetched in a browser (bundlers that handle `new URL(…, import.meta.url)` ship it as an
// asset). The build swaps this module for wasm-bytes.inline.ts in the single-file browser bundle.

/** The wasm module's bytes. */
export async function wasmBytes(): Promise<BufferSource> {
  const url = new URL('../build/neurasm.wasm', import.meta.url);
  if (url.protocol === 'file:') {
    // NOTE: a non-literal specifier, so browser bundlers leave this Node-only import alone.
    const fsModule = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
    return (await fs.readFile(url)) as Uint8Array<ArrayBuffer>;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`neurasm: could not load ${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}
