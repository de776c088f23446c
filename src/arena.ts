// Owns the WebAssembly.Memory's contents: hands out aligned blocks, takes them back, grows the memory.
// Callers hold offsets, never views: a view is made at the point of use (memory.grow detaches old ones).
// Everything read out through the arena is a copy.
import { kernels, memory, MAX_PAGES, PAGE } from './backend.js';

/** Every block starts on a 64-byte boundary (a cache line; f32x4 loads never straddle one). */
const ALIGN = 64;

interface FreeBlock { offset: number; size: number }

/** First-fit allocator over the wasm memory with coalescing free list. */
export class Arena {
  private readonly base: number;
  private top: number;
  private readonly free: FreeBlock[] = []; // sorted by offset, never adjacent (merged on release)
  private readonly sizes = new Map<number, number>();

  constructor(base: number) {
    this.base = Math.ceil(base / ALIGN) * ALIGN;
    this.top = this.base;
    this.ensure(this.base); // the kernels' scratch lies below the base: the memory must reach it
  }

  /** Reserves `bytes` (rounded up to the alignment) and returns the block's byte offset. */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i]!;
      if (block.size < size) continue;
      const offset = block.offset;
      if (block.size === size) this.free.splice(i, 1);
      else { block.offset += size; block.size -= size; }
      this.sizes.set(offset, size);
      return offset;
    }
    const offset = this.top;
    this.ensure(offset + size);
    this.top = offset + size;
    this.sizes.set(offset, size);
    return offset;
  }

  /** Returns a block from `alloc` to the free list. */
  release(offset: number): void {
    const size = this.sizes.get(offset);
    if (size === undefined) throw new Error(`neurasm internal: release of unknown block ${offset}`);
    this.sizes.delete(offset);
    let i = 0;
    while (i < this.free.length && this.free[i]!.offset < offset) i++;
    this.free.splice(i, 0, { offset, size });
    // Merge with the right and then the left neighbour.
    const next = this.free[i + 1];
    if (next && offset + size === next.offset) { this.free[i]!.size += next.size; this.free.splice(i + 1, 1); }
    const prev = this.free[i - 1];
    if (prev && prev.offset + prev.size === offset) { prev.size += this.free[i]!.size; this.free.splice(i, 1); i--; }
    // A free block at the top goes back to the unused tail.
    const last = this.free[this.free.length - 1];
    if (last && last.offset + last.size === this.top) { this.top = last.offset; this.free.pop(); }
  }

  /** Bytes currently handed out. */
  get bytesInUse(): number {
    let total = 0;
    for (const size of this.sizes.values()) total += size;
    return total;
  }

  /** Bytes of wasm memory, used or not. */
  get memoryBytes(): number {
    return memory.buffer.byteLength;
  }

  private ensure(end: number): void {
    const have = memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new RangeError(`neurasm: out of memory: needs ${end} bytes, the limit is ${MAX_PAGES * PAGE} bytes`);
    }
    memory.grow(pages);
  }

  /** A fresh Float32Array view; use it at once and drop it (a later allocation may detach it). */
  f32(offset: number, length: number): Float32Array {
    return new Float32Array(memory.buffer, offset, length);
  }

  /** A fresh Int32Array view; same rules as `f32`. */
  i32(offset: number, length: number): Int32Array {
    return new Int32Array(memory.buffer, offset, length);
  }

  /** A copy of `length` floats at `offset`. */
  read(offset: number, length: number): Float32Array {
    return this.f32(offset, length).slice();
  }

  /** Copies `data` into the memory at `offset`. */
  write(offset: number, data: ArrayLike<number>): void {
    this.f32(offset, data.length).set(data);
  }
}

/** The process-wide arena over the one memory. */
export const arena = new Arena(kernels.heapBase());
