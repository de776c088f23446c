// The kernels' bytes inlined into the bundle, for a single-file import that needs no asset handling and no second
// request. Used by the browser build in place of wasm-bytes.ts. The bytes come as a string of hex digits
// (scripts/inline-wasm.mjs says why: a gzipped page carries hex in 7 KiB less than base64).
import hex from 'neurasm:wasm-hex';

/** The value of the hex digit with this character code ('0'–'9', 'a'–'f'). */
const digit = (code: number): number => (code < 58 ? code - 48 : code - 87);

/** The wasm module's bytes. */
export async function wasmBytes(): Promise<BufferSource> {
  // Uint8Array.fromHex (ES2026; Chromium 140+, Firefox 133+, Safari 18.2+) decodes natively, where the loop below
  // runs cold in the interpreter.
  const fromHex = (Uint8Array as { fromHex?: (hex: string) => Uint8Array<ArrayBuffer> }).fromHex;
  if (typeof fromHex === 'function') return fromHex(hex);
  const bytes = new Uint8Array(hex.length >>> 1);
  for (let i = 0, j = 0; i < bytes.length; i++, j += 2) bytes[i] = (digit(hex.charCodeAt(j)) << 4) | digit(hex.charCodeAt(j + 1));
  return bytes;
}
