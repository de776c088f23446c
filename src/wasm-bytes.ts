// The kernels' bytes, inlined into the core as a string of hex digits (build/neurasm.hex.js, written by
// scripts/wasm-modules.mjs, which says why hex): loading needs no file beside the bundle, no request and no await.
import hex from '../build/neurasm.hex.js';

/** The value of the hex digit with this character code ('0'–'9', 'a'–'f'). */
const digit = (code: number): number => (code < 58 ? code - 48 : code - 87);

/** The wasm module's bytes, decoded from the inlined hex digits. */
export function wasmBytes(): Uint8Array<ArrayBuffer> {
  // Uint8Array.fromHex (ES2026; Chromium 140+, Firefox 133+, Safari 18.2+) and Node's Buffer decode natively, where
  // the loop below runs cold in the interpreter.
  const fromHex = (Uint8Array as { fromHex?: (hex: string) => Uint8Array<ArrayBuffer> }).fromHex;
  if (typeof fromHex === 'function') return fromHex(hex);
  const buffer = (globalThis as { Buffer?: { from(text: string, encoding: 'hex'): Uint8Array<ArrayBuffer> } }).Buffer;
  if (typeof buffer?.from === 'function') return buffer.from(hex, 'hex');
  const bytes = new Uint8Array(hex.length >>> 1);
  for (let i = 0, j = 0; i < bytes.length; i++, j += 2) bytes[i] = (digit(hex.charCodeAt(j)) << 4) | digit(hex.charCodeAt(j + 1));
  return bytes;
}
