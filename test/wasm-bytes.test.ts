// The core's inlined kernels (src/wasm-bytes.ts, build/neurasm.hex.js from scripts/wasm-modules.mjs): the hex digits
// decode to build/neurasm.wasm byte for byte by each of the three decoders (Uint8Array.fromHex where the engine
// has it, Node's Buffer, the loop a browser without fromHex runs), and hex costs a gzipped page less than base64.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { hexModule } from '../scripts/wasm-modules.mjs';
import { wasmBytes } from '../src/wasm-bytes.js';

const wasm = readFileSync(new URL('../build/neurasm.wasm', import.meta.url));
const scope = globalThis as { Buffer?: unknown };
const hadFromHex = Object.getOwnPropertyDescriptor(Uint8Array, 'fromHex');
const hadBuffer = Object.getOwnPropertyDescriptor(globalThis, 'Buffer');

afterEach(() => {
  if (hadFromHex) Object.defineProperty(Uint8Array, 'fromHex', hadFromHex);
  else delete (Uint8Array as { fromHex?: unknown }).fromHex;
  if (hadBuffer) Object.defineProperty(globalThis, 'Buffer', hadBuffer);
});

/** `wasmBytes()` as an engine with neither Uint8Array.fromHex nor Buffer runs it (a browser before fromHex). */
function withoutNativeDecoders(): Uint8Array {
  delete (Uint8Array as { fromHex?: unknown }).fromHex;
  const buffer = scope.Buffer;
  Object.defineProperty(globalThis, 'Buffer', { configurable: true, writable: true, value: undefined });
  try {
    return wasmBytes();
  } finally {
    Object.defineProperty(globalThis, 'Buffer', { configurable: true, writable: true, value: buffer });
  }
}

describe('the inlined wasm', () => {
  it('is build/neurasm.wasm as hex digits', () => {
    expect(readFileSync(new URL('../build/neurasm.hex.js', import.meta.url), 'utf8')).toBe(hexModule(wasm));
  });

  it('decodes to the .wasm byte for byte by the loop, with no native decoder', () => {
    expect(Buffer.from(withoutNativeDecoders()).equals(wasm)).toBe(true);
  });

  it("decodes through Node's Buffer where there is no Uint8Array.fromHex", () => {
    delete (Uint8Array as { fromHex?: unknown }).fromHex;
    const bytes = wasmBytes();
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(Buffer.from(bytes).equals(wasm)).toBe(true);
  });

  it('uses Uint8Array.fromHex where the engine has it', () => {
    const seen: string[] = [];
    Object.defineProperty(Uint8Array, 'fromHex', { configurable: true, writable: true, value: (hex: string) => { seen.push(hex); return new Uint8Array(Buffer.from(hex, 'hex')); } });
    const bytes = wasmBytes();
    expect(seen).toHaveLength(1);
    expect(Buffer.from(bytes).equals(wasm)).toBe(true);
  });

  it('costs a gzipped page less as hex than as base64', () => {
    const hex = gzipSync(hexModule(wasm), { level: 9 }).length;
    const base64 = gzipSync(`export default ${JSON.stringify(wasm.toString('base64'))};\n`, { level: 9 }).length;
    expect(hex).toBeLessThan(base64 * 0.9);
  });
});
