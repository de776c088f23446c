// The packed GEMM engine behind every matrix product and convolution: operand packing into cache-sized panels,
// the 4×8 SIMD microkernel, and the write-back with bias. Internal: matmul.ts and convolution.ts export the
// kernels; nothing here is a wasm export. Packed panels live in scratch above the module's static data, which
// the host's arena never hands out (see heapBase in matmul.ts).
import { ld, st, ld4, st4 } from './simd';
import { partStart } from './parts';

// NOTE: every path below computes each output the same way: products summed in order of p within K blocks
// (kStep: at most KC deep, split evenly), the first block's sum (+ bias) (+ the old C when accumulating),
// then each later block's sum added.
// So the packed kernel, the small-row path and ragged edge tiles give the same bits for the same output, and
// a model's prediction of a sample does not depend on the batch it came in.
export const MR = 4; // rows of C per microkernel
export const NR = 8; // columns of C per microkernel: 8 f32x4 accumulators + 2 B loads + a splat fit V8's 16 registers
const KC = 256; // depth of a K block: a packed B micro-panel (KC × NR) is 8 KiB and stays in L1
const MC = 64; // rows of A packed at once (64 KiB, L2)
const NC = 512; // columns of B packed at once (512 KiB, L2)

// NOTE: not memory.data(): with an imported memory the module cannot assume zeroed pages, so reserved
// scratch would be stored in the .wasm as 577 KB of zeros. The host keeps [__heap_base, + SCRATCH_BYTES) free.
const PACK_A_BYTES: usize = MC * KC * 4;
const PACK_B_BYTES: usize = KC * NC * 4;
const TILE_BYTES: usize = MR * NR * 4; // a ragged edge tile's accumulators
export const SCRATCH_BYTES: usize = 64 + PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES;
// Each instance on a shared memory (a pool thread) points these at its own block of SCRATCH_BYTES: useScratch.
let PACK_A: usize = (__heap_base + 63) & ~63;
let PACK_B: usize = PACK_A + PACK_A_BYTES;
let TILE: usize = PACK_B + PACK_B_BYTES;

/** Moves this instance's packing scratch to the SCRATCH_BYTES at `at` (a pool thread's own block); 0: back to its own. */
export function useScratch(at: usize): void {
  if (at == 0) at = __heap_base;
  PACK_A = (at + 63) & ~63;
  PACK_B = PACK_A + PACK_A_BYTES;
  TILE = PACK_B + PACK_B_BYTES;
  keptMask = 0;
}

// ─── Chunks of a split call ───
// A pool thread may run several chunks of one split call, each a band of rows of C over the same operand B, which
// does not change meanwhile (setChunks). Where all of B's K-block panels for the call's columns fit in PACK_B side
// by side, each is packed once, by the first chunk that needs it, and the later chunks read it where it is: the same
// floats in the same places, so the bits do not change.
let chunkCount: i32 = 1; // chunks per part of the split call being run (setChunks); 1: none
let keptMask: u64 = 0; // bit i: K block i of the kept operand is packed at PACK_B + i panels
let keptB: usize = 0;
let keptBRow: i32 = 0, keptBCol: i32 = 0, keptN: i32 = 0, keptK: i32 = 0, keptJ0: i32 = 0, keptJ1: i32 = 0, keptForm: i32 = 0;

/**
 * The chunks per part of the split call this instance runs parts of from now on (1: an ordinary call; a pool thread
 * sets it around the chunks it runs of a chunked call, and back to 1 after). Also forgets any kept panels of B.
 */
export function setChunks(chunks: i32): void {
  chunkCount = max(chunks, 1);
  keptMask = 0;
}

/** The chunks per part setChunks gave (the K-split Dense forward pass cuts its parts into bands of rows by it). */
@inline export function chunksPerPart(): i32 {
  return chunkCount;
}

/** K blocks of a product of depth k: the blocks of at most KC that every path sums separately, in order. */
@inline export function kBlocks(k: i32): i32 {
  return (k + KC - 1) / KC;
}

/** Depth of the K blocks for a product of depth k: at most KC, split evenly (784 → 4 × 196, not 3 × 256 + 16). */
@inline export function kStep(k: i32): i32 {
  const blocks = (k + KC - 1) / KC;
  return (k + blocks - 1) / blocks;
}

// A(i, p) is at a + (i·aRow + p·aCol)·4 and B(p, j) at b + (p·bRow + j·bCol)·4: the strides say which form.

/** Packs rows [i0, i0 + mc) × depth [p0, p0 + kc) of A into MR-row panels, p-major, zero-filling missing rows. */
function packA(a: usize, aRow: i32, aCol: i32, m: i32, i0: i32, p0: i32, mc: i32, kc: i32): void {
  for (let r0 = 0; r0 < mc; r0 += MR) {
    const panel = PACK_A + (<usize>(r0 * kc) << 2);
    const rows = min(MR, m - i0 - r0);
    if (rows == MR && aRow == 1) {
      // Aᵀ·B: the panel's four values at each p are contiguous in A.
      for (let p = 0; p < kc; p++) v128.store(panel + (<usize>p << 4), ld4(a, (i0 + r0) + (p0 + p) * aCol));
      continue;
    }
    for (let r = 0; r < MR; r++) {
      if (r < rows) {
        const base = (i0 + r0 + r) * aRow + p0 * aCol;
        for (let p = 0; p < kc; p++) store<f32>(panel + (<usize>(p * MR + r) << 2), ld(a, base + p * aCol));
      } else {
        for (let p = 0; p < kc; p++) store<f32>(panel + (<usize>(p * MR + r) << 2), 0);
      }
    }
  }
}

/** Packs depth [p0, p0 + kc) × columns [j0, j0 + nc) of B into NR-column panels at `to`, p-major, zero-filling missing columns. */
function packB(to: usize, b: usize, bRow: i32, bCol: i32, n: i32, p0: i32, j0: i32, kc: i32, nc: i32): void {
  for (let c0 = 0; c0 < nc; c0 += NR) {
    const panel = to + (<usize>(c0 * kc) << 2);
    const cols = min(NR, n - j0 - c0);
    if (cols == NR && bCol == 1) {
      for (let p = 0; p < kc; p++) {
        const src = (p0 + p) * bRow + j0 + c0;
        v128.store(panel + (<usize>p << 5), ld4(b, src));
        v128.store(panel + (<usize>p << 5), ld4(b, src + 4), 16);
      }
      continue;
    }
    if (cols == NR && bRow == 1) {
      // Bᵀ's rows hold B's columns (the few-columns form's Aᵀ: a batch of inputs): four depths of eight columns at
      // a time, turned by two 4×4 transposes, instead of a strided read per value.
      const k4 = kc & ~3;
      let p = 0;
      for (; p < k4; p += 4) {
        const src = p0 + p + (j0 + c0) * bCol;
        const dst = panel + (<usize>p << 5);
        transpose4(dst, ld4(b, src), ld4(b, src + bCol), ld4(b, src + 2 * bCol), ld4(b, src + 3 * bCol));
        transpose4(dst + 16, ld4(b, src + 4 * bCol), ld4(b, src + 5 * bCol), ld4(b, src + 6 * bCol), ld4(b, src + 7 * bCol));
      }
      for (; p < kc; p++) {
        for (let c = 0; c < NR; c++) store<f32>(panel + (<usize>(p * NR + c) << 2), ld(b, p0 + p + (j0 + c0 + c) * bCol));
      }
      continue;
    }
    for (let c = 0; c < NR; c++) {
      if (c < cols) {
        const base = p0 * bRow + (j0 + c0 + c) * bCol;
        for (let p = 0; p < kc; p++) store<f32>(panel + (<usize>(p * NR + c) << 2), ld(b, base + p * bRow));
      } else {
        for (let p = 0; p < kc; p++) store<f32>(panel + (<usize>(p * NR + c) << 2), 0);
      }
    }
  }
}

// A 4×4 transpose in two steps: rows a, b zipped lane by lane (zipLo: a0 b0 a1 b1, zipHi: a2 b2 a3 b3), then the
// halves of two zipped pairs joined, which gives the transposed rows (packB and storeColumns).
@inline function zipLo(a: v128, b: v128): v128 { return v128.shuffle<f32>(a, b, 0, 4, 1, 5); }
@inline function zipHi(a: v128, b: v128): v128 { return v128.shuffle<f32>(a, b, 2, 6, 3, 7); }
@inline function lowHalves(a: v128, b: v128): v128 { return v128.shuffle<f32>(a, b, 0, 1, 4, 5); }
@inline function highHalves(a: v128, b: v128): v128 { return v128.shuffle<f32>(a, b, 2, 3, 6, 7); }

/** Stores the 4×4 block whose columns are c0..c3 (lanes over rows) as four rows, NR floats apart, from dst. */
@inline function transpose4(dst: usize, c0: v128, c1: v128, c2: v128, c3: v128): void {
  const t0 = zipLo(c0, c1), t1 = zipLo(c2, c3), t2 = zipHi(c0, c1), t3 = zipHi(c2, c3);
  v128.store(dst, lowHalves(t0, t1));
  v128.store(dst + NR * 4, highHalves(t0, t1));
  v128.store(dst + NR * 8, lowHalves(t2, t3));
  v128.store(dst + NR * 12, highHalves(t2, t3));
}

// Combines one K block's sums into C: the first block sets C = sum (+ bias) (+ old C), later blocks add.
@inline function combine(cv: v128, acc: v128, bias: usize, j: i32, first: bool, accumulate: bool): v128 {
  if (!first) return f32x4.add(cv, acc);
  let v = acc;
  if (bias != 0) v = f32x4.add(v, ld4(bias, j));
  return accumulate ? f32x4.add(cv, v) : v;
}

@inline function combine1(cv: f32, acc: f32, bias: usize, j: i32, first: bool, accumulate: bool): f32 {
  if (!first) return cv + acc;
  let v = acc;
  if (bias != 0) v = v + ld(bias, j);
  return accumulate ? cv + v : v;
}

@inline function storeRow(c: usize, idx: i32, j: i32, lo: v128, hi: v128, bias: usize, first: bool, accumulate: bool): void {
  st4(c, idx, combine(ld4(c, idx), lo, bias, j, first, accumulate));
  st4(c, idx + 4, combine(ld4(c, idx + 4), hi, bias, j + 4, first, accumulate));
}

/** Writes a 4×4 block given as rows r0..r3 (lanes over q) transposed: C[(j + q)·n + i .. + 3] for q = 0..3. */
@inline function storeColumns(c: usize, n: i32, i: i32, j: i32, r0: v128, r1: v128, r2: v128, r3: v128,
  bias: usize, first: bool, accumulate: bool): void {
  const t0 = zipLo(r0, r1), t1 = zipLo(r2, r3), t2 = zipHi(r0, r1), t3 = zipHi(r2, r3);
  let idx = j * n + i;
  st4(c, idx, combine(ld4(c, idx), lowHalves(t0, t1), bias, i, first, accumulate));
  idx += n;
  st4(c, idx, combine(ld4(c, idx), highHalves(t0, t1), bias, i, first, accumulate));
  idx += n;
  st4(c, idx, combine(ld4(c, idx), lowHalves(t2, t3), bias, i, first, accumulate));
  idx += n;
  st4(c, idx, combine(ld4(c, idx), highHalves(t2, t3), bias, i, first, accumulate));
}

/**
 * The 4×8 microkernel over packed panels, then its write-back into C (row stride n): tile (i, j) of the
 * product, or, when `transposed`, of its transpose, so the tile lands at C[j.., i..] (ragged and transposed
 * tiles go through TILE).
 */
function micro(pa: usize, pb: usize, kc: i32, c: usize, n: i32, i: i32, j: i32, rows: i32, cols: i32,
  first: bool, accumulate: bool, bias: usize, transposed: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += MR << 2;
    pb += NR << 2;
  }
  if (rows == MR && cols == NR && transposed) {
    // Tile row r holds C[j + q][i + r] over q: transposed, each column q is 4 floats in a row of C.
    storeColumns(c, n, i, j, c00, c10, c20, c30, bias, first, accumulate);
    storeColumns(c, n, i, j + 4, c01, c11, c21, c31, bias, first, accumulate);
    return;
  }
  if (rows == MR && cols == NR) {
    storeRow(c, i * n + j, j, c00, c01, bias, first, accumulate);
    storeRow(c, (i + 1) * n + j, j, c10, c11, bias, first, accumulate);
    storeRow(c, (i + 2) * n + j, j, c20, c21, bias, first, accumulate);
    storeRow(c, (i + 3) * n + j, j, c30, c31, bias, first, accumulate);
    return;
  }
  v128.store(TILE, c00); v128.store(TILE, c01, 16); v128.store(TILE, c10, 32); v128.store(TILE, c11, 48);
  v128.store(TILE, c20, 64); v128.store(TILE, c21, 80); v128.store(TILE, c30, 96); v128.store(TILE, c31, 112);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const col = transposed ? i + r : j + q;
      const idx = transposed ? (j + q) * n + col : (i + r) * n + col;
      st(c, idx, combine1(ld(c, idx), ld(TILE, r * NR + q), bias, col, first, accumulate));
    }
  }
}

// k = 0: the product is all zeros, so C = bias (or 0), plus the old C when accumulating.
function emptyProduct(c: usize, m: i32, n: i32, accumulate: bool, bias: usize): void {
  for (let i = 0; i < m * n; i++) st(c, i, combine1(ld(c, i), 0, bias, i % n, true, accumulate));
}

/**
 * Rows of C one at a time, straight from B (A·B with fewer than MR rows, where packing would not pay). Each
 * pass keeps 32 columns of sums in eight registers, so every step reads two whole cache lines of a row of
 * B and B is read once per row of C. Per output the order is the packed kernel's, so the bits are too.
 */
export function gemmRows(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, bias: usize): void {
  if (k == 0) return emptyProduct(c, m, n, accumulate, bias);
  const n32 = n & ~31;
  const n8 = n & ~7;
  const step = kStep(k);
  for (let i = 0; i < m; i++) {
    const ai = a + (<usize>(i * k) << 2);
    for (let pc = 0; pc < k; pc += step) {
      const kc = min(step, k - pc);
      const first = pc == 0;
      const out = i * n;
      let j = 0;
      for (; j < n32; j += 32) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
        for (let p = pc; p < pc + kc; p++) {
          const s = v128.load32_splat(ai + (<usize>p << 2));
          const row = b + (<usize>(p * n + j) << 2);
          s0 = f32x4.add(s0, f32x4.mul(s, v128.load(row))); s1 = f32x4.add(s1, f32x4.mul(s, v128.load(row, 16)));
          s2 = f32x4.add(s2, f32x4.mul(s, v128.load(row, 32))); s3 = f32x4.add(s3, f32x4.mul(s, v128.load(row, 48)));
          s4 = f32x4.add(s4, f32x4.mul(s, v128.load(row, 64))); s5 = f32x4.add(s5, f32x4.mul(s, v128.load(row, 80)));
          s6 = f32x4.add(s6, f32x4.mul(s, v128.load(row, 96))); s7 = f32x4.add(s7, f32x4.mul(s, v128.load(row, 112)));
        }
        storeRow(c, out + j, j, s0, s1, bias, first, accumulate);
        storeRow(c, out + j + 8, j + 8, s2, s3, bias, first, accumulate);
        storeRow(c, out + j + 16, j + 16, s4, s5, bias, first, accumulate);
        storeRow(c, out + j + 24, j + 24, s6, s7, bias, first, accumulate);
      }
      for (; j < n8; j += 8) {
        let lo = f32x4.splat(0), hi = f32x4.splat(0);
        for (let p = pc; p < pc + kc; p++) {
          const s = v128.load32_splat(ai + (<usize>p << 2));
          lo = f32x4.add(lo, f32x4.mul(s, ld4(b, p * n + j)));
          hi = f32x4.add(hi, f32x4.mul(s, ld4(b, p * n + j + 4)));
        }
        storeRow(c, out + j, j, lo, hi, bias, first, accumulate);
      }
      for (; j < n; j++) {
        let s: f32 = 0;
        for (let p = pc; p < pc + kc; p++) s += ld(a, i * k + p) * ld(b, p * n + j);
        st(c, out + j, combine1(ld(c, out + j), s, bias, j, first, accumulate));
      }
    }
  }
}

export function gemm(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, bias: usize,
  aRow: i32, aCol: i32, bRow: i32, bCol: i32, part: i32 = 0, parts: i32 = 1, splitRows: bool = false): void {
  if (k == 0) {
    if (part == 0) emptyProduct(c, m, n, accumulate, bias);
    return;
  }
  // Few columns (an output layer's 10 classes) would fill 8-wide panels poorly (10 of 16); the transposed
  // product Cᵀ = Bᵀ·Aᵀ puts them in 4-row panels instead (10 of 12). Same products, same order: same bits.
  if (n <= NR + MR && m > n) gemmPart(c, b, a, n, k, m, accumulate, bias, bCol, bRow, aCol, aRow, true, n, part, parts, splitRows ? SPLIT_COLUMNS : SPLIT_ANY);
  else gemmPart(c, a, b, m, k, n, accumulate, bias, aRow, aCol, bRow, bCol, false, n, part, parts, splitRows ? SPLIT_ROWS : SPLIT_ANY);
}

/** How gemmPart may divide the product: by whichever costs less packing, or only by rows or only by columns. */
export const SPLIT_ANY = 0;
export const SPLIT_ROWS = 1;
export const SPLIT_COLUMNS = 2;

/** First row (or column) of part `part`'s band: its share of `tiles` tiles of `tile`, capped at `size`. */
@inline export function bandStart(tiles: i32, part: i32, parts: i32, tile: i32, size: i32): i32 {
  return min(size, partStart(tiles, part, parts) * tile);
}

/**
 * Part `part` of `parts` of gemmPacked's product: a band of whole MR-row or NR-column tiles of C. Every output
 * is computed as the whole product computes it (same K blocks, same order), so the bits do not depend on the
 * split; parts ≤ 1 is the whole product. Rows are split when that packs less: each part packs all of B and its
 * rows of A once per NC block of columns, or with columns, all of A per NC block and its columns of B.
 */
export function gemmPart(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, bias: usize,
  aRow: i32, aCol: i32, bRow: i32, bCol: i32, transposed: bool, ldc: i32, part: i32, parts: i32, split: i32,
  aForm: i32 = A_STRIDED, bForm: i32 = B_STRIDED): void {
  if (parts <= 1) {
    gemmPacked(c, a, b, m, k, n, accumulate, bias, aRow, aCol, bRow, bCol, transposed, ldc, aForm, bForm, 0, m, 0, n);
    return;
  }
  const rowTiles = (m + MR - 1) / MR, colTiles = (n + NR - 1) / NR;
  let byRows = split == SPLIT_ROWS;
  if (split == SPLIT_ANY) {
    const blocks = <f64>((n + NC - 1) / NC);
    const rowsCost = <f64>k * n + <f64>m / parts * k * blocks;
    const colsCost = <f64>m * k * Math.ceil(<f64>n / parts / NC) + <f64>k * n / parts;
    byRows = rowTiles >= parts && (rowsCost <= colsCost || colTiles < parts);
  }
  if (byRows) {
    const i0 = bandStart(rowTiles, part, parts, MR, m), i1 = bandStart(rowTiles, part + 1, parts, MR, m);
    if (i0 < i1) gemmPacked(c, a, b, m, k, n, accumulate, bias, aRow, aCol, bRow, bCol, transposed, ldc, aForm, bForm, i0, i1, 0, n);
  } else {
    const j0 = bandStart(colTiles, part, parts, NR, n), j1 = bandStart(colTiles, part + 1, parts, NR, n);
    if (j0 < j1) gemmPacked(c, a, b, m, k, n, accumulate, bias, aRow, aCol, bRow, bCol, transposed, ldc, aForm, bForm, 0, m, j0, j1);
  }
}

/**
 * The packed product of an m×k by a k×n operand (strides as in `gemm`), for rows [i0, i1) and columns [j0, j1)
 * of it (i0 a multiple of MR, j0 of NR); `transposed` writes it as Cᵀ, rows `ldc` apart.
 */
export function gemmPacked(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, bias: usize,
  aRow: i32, aCol: i32, bRow: i32, bCol: i32, transposed: bool, ldc: i32, aForm: i32, bForm: i32,
  i0: i32, i1: i32, j0: i32, j1: i32, block0: i32 = 0, block1: i32 = i32.MAX_VALUE): void {
  const step = kStep(k);
  const p0 = block0 * step, p1 = <i32>min(<i64>k, <i64>block1 * step);
  // In a chunked call, B's panels for columns [j0, j1) are kept side by side (see setChunks) when they fit.
  const panelBytes = <usize>step * (((min(NC, j1 - j0) + NR - 1) / NR) * NR) << 2;
  const blocks = kBlocks(k);
  const keep = chunkCount > 1 && j1 - j0 <= NC && blocks <= 64 && <usize>blocks * panelBytes <= PACK_B_BYTES;
  if (!keep || keptB != b || keptBRow != bRow || keptBCol != bCol || keptN != n || keptK != k || keptJ0 != j0 || keptJ1 != j1 || keptForm != bForm) {
    keptMask = 0; // another operand, or packing over what was kept
    keptB = b; keptBRow = bRow; keptBCol = bCol; keptN = n; keptK = k; keptJ0 = j0; keptJ1 = j1; keptForm = bForm;
  }
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = p0; pc < p1; pc += step) {
      const kc = min(step, k - pc);
      const bit: u64 = keep ? <u64>1 << <u64>(pc / step) : 0;
      const panel = keep ? PACK_B + <usize>(pc / step) * panelBytes : PACK_B;
      if ((keptMask & bit) == 0) {
        if (bForm == B_STRIDED) packB(panel, b, bRow, bCol, n, pc, jc, kc, nc);
        else packTapWeights(panel, b, n, pc, jc, kc, nc);
        keptMask |= bit;
      }
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        if (aForm == A_STRIDED) packA(a, aRow, aCol, m, ic, pc, mc, kc);
        else if (aForm == A_PATCHES_T) packPatchesT(a, m, ic, pc, mc, kc);
        else packGradPatches(a, m, ic, pc, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = panel + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            micro(PACK_A + (<usize>(ir * kc) << 2), pb, kc, c, ldc, ic + ir, jc + jr, min(MR, mc - ir), min(NR, nc - jr),
              pc == p0, accumulate, bias, transposed);
          }
        }
      }
    }
  }
}


// ─── Convolution gradients as products, packing straight from the image ───
// A convolution's filter gradient is patchesᵀ·dy, where row i of the patches is an output pixel (n, oy, ox) and
// column p a tap and input channel (ky, kx, ci); its input gradient is a product over dy's patches and the kernel.
// Nothing materialises those [pixels, taps·channels] matrices: the packers below read each panel's values from
// the image or from dy (0 outside), so the microkernel runs as on any product.
// The geometry is set once per call by `setConvGeometry` (module globals: each pool thread's instance has its own).

/** How gemmPacked packs its A operand: strided (a matrix), or the patches of the image set by setConvGeometry. */
export const A_STRIDED = 0;
/** A(p, i): the transpose, tap-and-channel p by output pixel i: the filter gradient (patchesᵀ · dy). */
export const A_PATCHES_T = 2;
/** A(i, q): input pixel i, tap-and-output-channel q of dy where that tap read pixel i: the input gradient. */
export const A_GRAD_PATCHES = 3;
/** How gemmPacked packs its B operand: strided, or the kernel w [kH, kW, inC, outC] read as [(tap, outC), inC]. */
export const B_STRIDED = 0;
export const B_TAP_WEIGHTS = 1;

let gHeight: i32 = 0, gWidth: i32 = 0, gInC: i32 = 0, gOutC: i32 = 0, gKernelH: i32 = 0, gKernelW: i32 = 0;
let gStrideH: i32 = 1, gStrideW: i32 = 1, gDilationH: i32 = 1, gDilationW: i32 = 1;
let gPadTop: i32 = 0, gPadLeft: i32 = 0, gOutH: i32 = 0, gOutW: i32 = 0;

/** The geometry the patch packers read (see convolution.ts for its meaning). */
export function setConvGeometry(height: i32, width: i32, inC: i32, outC: i32, kernelH: i32, kernelW: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): void {
  gHeight = height; gWidth = width; gInC = inC; gOutC = outC; gKernelH = kernelH; gKernelW = kernelW;
  gStrideH = strideH; gStrideW = strideW; gDilationH = dilationH; gDilationW = dilationW;
  gPadTop = padTop; gPadLeft = padLeft; gOutH = outH; gOutW = outW;
}

/** Rows [i0, i0 + mc) (taps and channels) × columns [p0, p0 + kc) (output pixels) of x's patches transposed. */
function packPatchesT(x: usize, m: i32, i0: i32, p0: i32, mc: i32, kc: i32): void {
  const pixels = gOutH * gOutW;
  for (let r0 = 0; r0 < mc; r0 += MR) {
    const panel = PACK_A + (<usize>(r0 * kc) << 2);
    const p = i0 + r0;
    if ((gInC & 3) == 0 && p + MR <= m) {
      // The panel's four rows are four channels of one tap (p is a multiple of 4, and so is inC): at each output
      // pixel they are four floats side by side in x, one vector load and store.
      const tap = p / gInC, ci = p % gInC;
      const dy = (tap / gKernelW) * gDilationH - gPadTop, dx = (tap % gKernelW) * gDilationW - gPadLeft;
      let nn = p0 / pixels, rest = p0 % pixels;
      let oy = rest / gOutW, ox = rest % gOutW;
      let out = panel;
      for (let q = 0; q < kc; q++) {
        const iy = oy * gStrideH + dy, ix = ox * gStrideW + dx;
        let v = f32x4.splat(0);
        if (<u32>iy < <u32>gHeight && <u32>ix < <u32>gWidth) v = v128.load(x + (<usize>(((nn * gHeight + iy) * gWidth + ix) * gInC + ci) << 2));
        v128.store(out, v);
        out += MR << 2;
        if (++ox == gOutW) { ox = 0; if (++oy == gOutH) { oy = 0; nn++; } }
      }
      continue;
    }
    for (let r = 0; r < MR; r++) {
      const p = i0 + r0 + r;
      let out = panel + (<usize>r << 2);
      if (p >= m) {
        for (let q = 0; q < kc; q++) { store<f32>(out, 0); out += MR << 2; }
        continue;
      }
      const tap = p / gInC, ci = p % gInC;
      const dy = (tap / gKernelW) * gDilationH - gPadTop, dx = (tap % gKernelW) * gDilationW - gPadLeft;
      let nn = p0 / pixels, rest = p0 % pixels;
      let oy = rest / gOutW, ox = rest % gOutW;
      for (let q = 0; q < kc; q++) {
        const iy = oy * gStrideH + dy, ix = ox * gStrideW + dx;
        let v: f32 = 0;
        if (<u32>iy < <u32>gHeight && <u32>ix < <u32>gWidth) v = load<f32>(x + (<usize>(((nn * gHeight + iy) * gWidth + ix) * gInC + ci) << 2));
        store<f32>(out, v);
        out += MR << 2;
        if (++ox == gOutW) { ox = 0; if (++oy == gOutH) { oy = 0; nn++; } }
      }
    }
  }
}

/**
 * Rows [i0, i0 + mc) (input pixels) × columns [p0, p0 + kc) (taps and output channels) for the input gradient:
 * the dy value of the output pixel whose tap (ky, kx) read this input pixel, or 0 where no output did.
 */
function packGradPatches(dy: usize, m: i32, i0: i32, p0: i32, mc: i32, kc: i32): void {
  const pixels = gHeight * gWidth;
  const tap0 = p0 / gOutC, co0 = p0 % gOutC;
  // Four output channels at a time when runs of them stay whole: four pixels' vectors, transposed into the panel.
  const vectors = (gOutC & 3) == 0 && (p0 & 3) == 0 && (kc & 3) == 0;
  for (let r0 = 0; r0 < mc; r0 += MR) {
    const panel = PACK_A + (<usize>(r0 * kc) << 2);
    if (vectors && i0 + r0 + MR <= m) {
      packGradPanel(dy, panel, i0 + r0, pixels, tap0, co0, kc);
      continue;
    }
    for (let r = 0; r < MR; r++) {
      const i = i0 + r0 + r;
      let out = panel + (<usize>r << 2);
      if (i >= m) {
        for (let q = 0; q < kc; q++) { store<f32>(out, 0); out += MR << 2; }
        continue;
      }
      const nn = i / pixels, rest = i % pixels;
      const sy = rest / gWidth + gPadTop, sx = rest % gWidth + gPadLeft;
      let ky = tap0 / gKernelW, kx = tap0 % gKernelW, co = co0;
      let q = 0;
      while (q < kc) {
        const run = min(gOutC - co, kc - q);
        const ny = sy - ky * gDilationH, nx = sx - kx * gDilationW;
        const oy = ny / gStrideH, ox = nx / gStrideW;
        if (ny >= 0 && nx >= 0 && oy * gStrideH == ny && ox * gStrideW == nx && oy < gOutH && ox < gOutW) {
          let src = dy + (<usize>(((nn * gOutH + oy) * gOutW + ox) * gOutC + co) << 2);
          for (let t = 0; t < run; t++) { store<f32>(out, load<f32>(src)); out += MR << 2; src += 4; }
        } else {
          for (let t = 0; t < run; t++) { store<f32>(out, 0); out += MR << 2; }
        }
        q += run;
        co = 0;
        if (++kx == gKernelW) { kx = 0; ky++; }
      }
    }
  }
}

/** Offset in dy (bytes) of output channel 0 of the pixel whose tap (ky, kx) read input pixel (sy − padTop, sx − padLeft) of image nn, or −1. */
@inline function gradSource(dy: usize, nn: i32, sy: i32, sx: i32, ky: i32, kx: i32): isize {
  const ny = sy - ky * gDilationH, nx = sx - kx * gDilationW;
  if (ny < 0 || nx < 0) return -1;
  const oy = ny / gStrideH, ox = nx / gStrideW;
  if (oy * gStrideH != ny || ox * gStrideW != nx || oy >= gOutH || ox >= gOutW) return -1;
  return <isize>(dy + (<usize>(((nn * gOutH + oy) * gOutW + ox) * gOutC) << 2));
}

/** One panel of packGradPatches for four whole pixels (i .. i + 3), four output channels per step. */
function packGradPanel(dy: usize, panel: usize, i: i32, pixels: i32, tap0: i32, co0: i32, kc: i32): void {
  const n0 = i / pixels, n1 = (i + 1) / pixels, n2 = (i + 2) / pixels, n3 = (i + 3) / pixels;
  const r0 = i % pixels, r1 = (i + 1) % pixels, r2 = (i + 2) % pixels, r3 = (i + 3) % pixels;
  const y0 = r0 / gWidth + gPadTop, x0 = r0 % gWidth + gPadLeft, y1 = r1 / gWidth + gPadTop, x1 = r1 % gWidth + gPadLeft;
  const y2 = r2 / gWidth + gPadTop, x2 = r2 % gWidth + gPadLeft, y3 = r3 / gWidth + gPadTop, x3 = r3 % gWidth + gPadLeft;
  let ky = tap0 / gKernelW, kx = tap0 % gKernelW, co = co0;
  let s0 = gradSource(dy, n0, y0, x0, ky, kx), s1 = gradSource(dy, n1, y1, x1, ky, kx);
  let s2 = gradSource(dy, n2, y2, x2, ky, kx), s3 = gradSource(dy, n3, y3, x3, ky, kx);
  const zero = f32x4.splat(0);
  let out = panel;
  for (let q = 0; q < kc; q += 4) {
    const off = <usize>co << 2;
    const v0 = s0 >= 0 ? v128.load(<usize>s0 + off) : zero, v1 = s1 >= 0 ? v128.load(<usize>s1 + off) : zero;
    const v2 = s2 >= 0 ? v128.load(<usize>s2 + off) : zero, v3 = s3 >= 0 ? v128.load(<usize>s3 + off) : zero;
    // Rows are pixels, lanes channels; the panel wants, per channel, the four pixels side by side.
    const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
    v128.store(out, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
    v128.store(out, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
    v128.store(out, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
    v128.store(out, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
    out += 64;
    co += 4;
    if (co == gOutC && q + 4 < kc) {
      co = 0;
      if (++kx == gKernelW) { kx = 0; ky++; }
      s0 = gradSource(dy, n0, y0, x0, ky, kx); s1 = gradSource(dy, n1, y1, x1, ky, kx);
      s2 = gradSource(dy, n2, y2, x2, ky, kx); s3 = gradSource(dy, n3, y3, x3, ky, kx);
    }
  }
}

/** Depth [p0, p0 + kc) (taps and output channels) × columns [j0, j0 + nc) (input channels) of w [kH, kW, inC, outC], at `to`, as packB lays out B. */
function packTapWeights(to: usize, w: usize, n: i32, p0: i32, j0: i32, kc: i32, nc: i32): void {
  for (let c0 = 0; c0 < nc; c0 += NR) {
    const panel = to + (<usize>(c0 * kc) << 2);
    for (let c = 0; c < NR; c++) {
      const j = j0 + c0 + c;
      let out = panel + (<usize>c << 2);
      if (j >= n) {
        for (let q = 0; q < kc; q++) { store<f32>(out, 0); out += NR << 2; }
        continue;
      }
      let tap = p0 / gOutC, co = p0 % gOutC;
      for (let q = 0; q < kc; q++) {
        store<f32>(out, load<f32>(w + (<usize>((tap * gInC + j) * gOutC + co) << 2)));
        out += NR << 2;
        if (++co == gOutC) { co = 0; tap++; }
      }
    }
  }
}
