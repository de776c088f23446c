// The kernels' bytes inlined into the bundle, for a single-file import that needs no asset handling and no second
// request: gzip-compressed, base64-encoded (scripts/inline-wasm.mjs), and decompressed here with the platform's
// DecompressionStream (browsers since 2023, Node 18+). Used by the browser build in place of wasm-bytes.ts.
import gzipBase64 from '../build/neurasm.wasm?gzip-base64';

/** The wasm module's bytes. */
export async function wasmBytes(): Promise<BufferSource> {
  const binary = atob(gzipBase64);
  const compressed = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) compressed[i] = binary.charCodeAt(i);
  if (typeof DecompressionStream !== 'function') {
    throw new Error('neurasm: this JavaScript engine has no DecompressionStream to unpack the inlined wasm; import neurasm/url, which fetches build/neurasm.wasm');
  }
  const stream = new Blob([compressed]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}
