// The kernels' bytes inlined into the bundle (esbuild's binary loader), for a single-file import that needs
// no asset handling and no second request. Used by the browser build in place of wasm-bytes.ts.
import bytes from '../build/neurasm.wasm';

/** The wasm module's bytes. */
export async function wasmBytes(): Promise<BufferSource> {
  return bytes as Uint8Array<ArrayBuffer>;
}
