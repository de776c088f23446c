// The one linear memory (both backends import it from here), shared with a pool of threads where it can be, and
// the module's bytes adapted to import it so.
// A wasm module that imports a shared memory cannot take an unshared one and the reverse, and the kernels use no
// atomic instruction, so the shared form of the module differs from the file in one byte: the memory import's
// limits flag (0x01, "minimum and maximum", becomes 0x03, "minimum, maximum, shared"). One .wasm serves both.
import { NeurasmError } from './errors.js';

/**
 * True where a shared WebAssembly.Memory can be made and handed to workers: Node (and Deno, Bun) always;
 * browsers only on cross-origin-isolated pages and their workers (COOP and COEP headers).
 */
function sharingAllowed(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  const scope = globalThis as { process?: { versions?: { node?: unknown } }; crossOriginIsolated?: unknown };
  return scope.crossOriginIsolated === true || typeof scope.process?.versions?.node === 'string';
}

/**
 * The one linear memory, shared where `sharingAllowed()` and the engine can reserve it (a pool of threads can then
 * run the kernels on it), else an ordinary one: 16 pages to start, growing to `maximum`.
 */
function linearMemory(maximum: number): { memory: WebAssembly.Memory; shared: boolean } {
  if (sharingAllowed()) {
    try {
      return { memory: new WebAssembly.Memory({ initial: 16, maximum, shared: true }), shared: true };
    } catch {
      // the engine could not reserve a shared memory of this maximum: one thread, as before threads
    }
  }
  return { memory: new WebAssembly.Memory({ initial: 16, maximum }), shared: false };
}

/** Bytes in a wasm page. */
export const PAGE = 65536;
/** Largest memory the host will grow to (2 GiB); the module declares the same maximum. */
export const MAX_PAGES = 32768;

const linear = linearMemory(MAX_PAGES);

/** The one linear memory: created here, imported by the kernels (either backend), grown only by the arena. */
export const memory = linear.memory;

/** Whether `memory` is shared, so that a pool of threads can run kernels on it. */
export const memoryShared = linear.shared;

/** Reads an unsigned LEB128 at `at`; returns the value and the offset after it. */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined || shift > 28) throw new NeurasmError('neurasm internal: malformed wasm module (LEB128)');
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value, at];
  }
}

/** A copy of the module's bytes whose memory import is shared (it must declare a maximum, as ours does). */
export function withSharedMemory(source: BufferSource): Uint8Array<ArrayBuffer> {
  const view = ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
  const bytes = new Uint8Array(view.byteLength);
  bytes.set(view);
  let at = 8; // magic and version
  while (at < bytes.length) {
    const id = bytes[at++];
    let size: number;
    [size, at] = leb(bytes, at);
    const end = at + size;
    if (id !== 2) { at = end; continue; } // not the import section
    let count: number;
    [count, at] = leb(bytes, at);
    for (let i = 0; i < count; i++) {
      let length: number;
      [length, at] = leb(bytes, at); at += length; // module name
      [length, at] = leb(bytes, at); at += length; // field name
      const kind = bytes[at++];
      if (kind === 0) { [, at] = leb(bytes, at); continue; } // function: type index
      if (kind === 3) { at += 2; continue; } // global: value type, mutability
      if (kind === 1) at++; // table: element type, then limits
      const flags = bytes[at]!;
      if (kind === 2) {
        if (flags !== 0x01 && flags !== 0x03) throw new NeurasmError('neurasm internal: the wasm memory import has no maximum; it cannot be shared');
        bytes[at] = 0x03;
        return bytes;
      }
      at++;
      [, at] = leb(bytes, at);
      if (flags & 1) [, at] = leb(bytes, at);
    }
    break;
  }
  throw new NeurasmError('neurasm internal: the wasm module imports no memory');
}
