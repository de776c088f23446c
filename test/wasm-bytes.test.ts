// The browser build's inlined kernels (src/wasm-bytes.inline.ts, scripts/inline-wasm.mjs): the hex digits decode to
// build/neurasm.wasm byte for byte, by the loop (Node 20 has no Uint8Array.fromHex) and through fromHex where the
// engine has it.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { hexModule, inlineWasm } from '../scripts/inline-wasm.mjs';

const wasm = readFileSync(new URL('../build/neurasm.wasm', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'neurasm-wasm-bytes-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function inlined(name: string): Promise<() => Promise<BufferSource>> {
  const file = join(out, `${name}.mjs`);
  const entry = join(out, 'entry.js'); // imports wasm-bytes.js as backend.ts does, which the plugin swaps
  writeFileSync(entry, `export { wasmBytes } from ${JSON.stringify(fileURLToPath(new URL('../src/wasm-bytes.js', import.meta.url)))};\n`);
  await build({ entryPoints: [entry], outfile: file, bundle: true, format: 'esm', target: 'es2022', platform: 'neutral', logLevel: 'error', ...inlineWasm });
  return ((await import(pathToFileURL(file).href)) as { wasmBytes: () => Promise<BufferSource> }).wasmBytes;
}

describe('the inlined wasm', () => {
  it('decodes to the .wasm byte for byte without Uint8Array.fromHex', async () => {
    const fromHex = (Uint8Array as { fromHex?: unknown }).fromHex;
    delete (Uint8Array as { fromHex?: unknown }).fromHex;
    try {
      const bytes = await (await inlined('loop'))();
      expect(Buffer.from(bytes as Uint8Array).equals(wasm)).toBe(true);
    } finally {
      if (fromHex !== undefined) (Uint8Array as { fromHex?: unknown }).fromHex = fromHex;
    }
  });

  it('uses Uint8Array.fromHex where the engine has it', async () => {
    const had = Object.getOwnPropertyDescriptor(Uint8Array, 'fromHex');
    const seen: string[] = [];
    Object.defineProperty(Uint8Array, 'fromHex', { configurable: true, writable: true, value: (hex: string) => { seen.push(hex); return new Uint8Array(Buffer.from(hex, 'hex')); } });
    try {
      const bytes = await (await inlined('native'))();
      expect(seen).toHaveLength(1);
      expect(Buffer.from(bytes as Uint8Array).equals(wasm)).toBe(true);
    } finally {
      if (had) Object.defineProperty(Uint8Array, 'fromHex', had);
      else delete (Uint8Array as { fromHex?: unknown }).fromHex;
    }
  });

  it('costs a gzipped page less as hex than as base64', () => {
    const hex = gzipSync(hexModule(wasm), { level: 9 }).length;
    const base64 = gzipSync(`export default ${JSON.stringify(wasm.toString('base64'))};\n`, { level: 9 }).length;
    expect(hex).toBeLessThan(base64 * 0.9);
  });
});
