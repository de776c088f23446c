// Owns the WebAssembly.Memory's contents: hands out aligned blocks, takes them back, grows the memory.
// Callers hold offsets, never views: a view is made at the point of use (memory.grow detaches old ones).
// Everything read out through the arena is a copy. The arena defends itself: a size that is not a
// non-negative safe integer, an offset it did not hand out, or a read or write that leaves its block is a
// NeurasmError raised before the free list or the memory is touched.
import { kernels, memory, MAX_PAGES, PAGE } from './backend.js';
import { MemoryError, NeurasmError, describe } from './errors.js';

/** Every block starts on a 64-byte boundary (a cache line; f32x4 loads never straddle one). */
const ALIGN = 64;

interface FreeBlock { offset: number; size: number }

/** First-fit allocator over the wasm memory with coalescing free list. */
export class Arena {
  private readonly base: number;
  private top: number;
  private readonly free: FreeBlock[] = []; // sorted by offset, never adjacent (merged on release)
  private readonly sizes = new Map<number, number>();
  /** Offsets of live blocks, sorted: finds the block holding an address in O(log n). */
  private readonly starts: number[] = [];

  constructor(base: number) {
    this.base = Math.ceil(base / ALIGN) * ALIGN;
    this.top = this.base;
    this.ensure(this.base, 'neurasm', this.base); // the kernels' scratch lies below the base: the memory must reach it
  }

  /**
   * Reserves `bytes` (rounded up to the alignment) and returns the block's byte offset. Throws a MemoryError
   * naming `where` if the memory cannot grow that far; nothing changes then.
   */
  alloc(bytes: number, where = 'neurasm'): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new NeurasmError(`${where}: neurasm internal: cannot allocate ${describe(bytes)} bytes`);
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let offset = -1;
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i]!;
      if (block.size < size) continue;
      offset = block.offset;
      if (block.size === size) this.free.splice(i, 1);
      else { block.offset += size; block.size -= size; }
      break;
    }
    if (offset < 0) {
      offset = this.top;
      this.ensure(offset + size, where, size);
      this.top = offset + size;
    }
    this.sizes.set(offset, size);
    this.starts.splice(this.indexAfter(offset), 0, offset);
    return offset;
  }

  /** Returns a block from `alloc` to the free list. */
  release(offset: number): void {
    const size = this.sizes.get(offset);
    if (size === undefined) throw new NeurasmError(`neurasm internal: release of ${describe(offset)}, which is not a live block`);
    this.sizes.delete(offset);
    this.starts.splice(this.indexAfter(offset) - 1, 1);
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

  /** Whether `[offset, offset + bytes)` lies inside one live block. */
  holds(offset: number, bytes: number): boolean {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(bytes) || bytes < 0) return false;
    const start = this.starts[this.indexAfter(offset) - 1];
    return start !== undefined && offset + bytes <= start + this.sizes.get(start)!;
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

  /** The free list and the live blocks, for tests that check the arena stays well formed. @internal */
  layout(): { base: number; top: number; free: FreeBlock[]; blocks: FreeBlock[] } {
    return {
      base: this.base, top: this.top,
      free: this.free.map((b) => ({ ...b })),
      blocks: this.starts.map((offset) => ({ offset, size: this.sizes.get(offset)! })),
    };
  }

  /** Index of the first live block that starts after `offset`. */
  private indexAfter(offset: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private ensure(end: number, where: string, request: number): void {
    const have = memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    const outOfMemory = () => new MemoryError(
      `${where}: out of memory: a block of ${request} bytes does not fit in the ${MAX_PAGES * PAGE} bytes the wasm memory can grow to ` +
      `(${this.bytesInUse} bytes in ${this.sizes.size} blocks are in use); dispose() models you no longer need: ` +
      'unreferenced ones are freed only after the garbage collector runs, between turns of the event loop');
    if (have / PAGE + pages > MAX_PAGES) throw outOfMemory();
    try {
      memory.grow(pages);
    } catch {
      throw outOfMemory(); // the engine could not reserve the pages
    }
  }

  private check(offset: number, bytes: number, what: string): void {
    if (!this.holds(offset, bytes)) throw new NeurasmError(`neurasm internal: ${what} of ${bytes} bytes at ${describe(offset)} leaves its block`);
  }

  /** A fresh Float32Array view; use it at once and drop it (a later allocation may detach it). */
  f32(offset: number, length: number): Float32Array {
    this.check(offset, length * 4, 'a view');
    return new Float32Array(memory.buffer, offset, length);
  }

  /** A fresh Int32Array view; same rules as `f32`. */
  i32(offset: number, length: number): Int32Array {
    this.check(offset, length * 4, 'a view');
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
