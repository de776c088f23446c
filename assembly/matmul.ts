// Matrix products in the three forms backprop needs, bias add/gradient, and the Dense forward pass as one
// call. Row-major f32, pointers are byte offsets, sizes element counts. Never allocates: packed panels live
// in scratch just above the module's static data, which the host's arena never hands out (see heapBase).
// Any size works without padding the caller's buffers.
import { ld, st, ld4, st4, floor4 } from './simd';
import { applyActivation } from './activations';
import { A_STRIDED, B_STRIDED, MR, NR, SCRATCH_BYTES, bandStart, chunksPerPart, gemm, gemmPacked, gemmRows, kBlocks, kStep } from './gemm';
import { partStart } from './parts';
import { gradientAccumulate } from './optimizers';
export { setChunks, useScratch } from './gemm';

/** First byte the host may hand out: below it are the module's static data and the GEMM's scratch. */
export function heapBase(): usize {
  return __heap_base + SCRATCH_BYTES;
}

/** Bytes of packing scratch one instance needs (a pool thread's own block, handed to useScratch). */
export function scratchBytes(): usize {
  return SCRATCH_BYTES;
}

// Every product and the Dense forward take (part, parts): a pool thread computes part `part` of `parts` (a band
// of whole tiles of C, the same bits as the whole call gives there); part 0 of parts ≤ 1 is the whole call.

/** C[m,n] = A[m,k]·B[k,n], or C += A·B when accumulate */
export function matmul(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, part: i32, parts: i32): void {
  if (m < MR) {
    if (part == 0) gemmRows(c, a, b, m, k, n, accumulate, 0);
  } else {
    gemm(c, a, b, m, k, n, accumulate, 0, k, 1, n, 1, part, parts);
  }
}

/** C[m,n] = A[k,m]ᵀ·B[k,n], or C += Aᵀ·B when accumulate */
export function matmulTransA(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, part: i32, parts: i32): void {
  gemm(c, a, b, m, k, n, accumulate, 0, 1, m, n, 1, part, parts);
}

/** C[m,n] = A[m,k]·B[n,k]ᵀ, or C += A·Bᵀ when accumulate */
export function matmulTransB(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool, part: i32, parts: i32): void {
  gemm(c, a, b, m, k, n, accumulate, 0, k, 1, 1, k, part, parts);
}

/**
 * pre = x·w (+ b), part `part` of `parts` of its rows; returns whether it split (else part 0 computed it all:
 * parts ≤ 1, rows < 4, or k = 0, whose product gemm's part 0 writes whole).
 */
function denseProduct(pre: usize, x: usize, w: usize, b: usize, rows: i32, inDim: i32, units: i32, part: i32, parts: i32): bool {
  if (rows < MR || parts <= 1 || inDim == 0) {
    if (part != 0) return false;
    if (rows < MR) gemmRows(pre, x, w, rows, inDim, units, false, b);
    else gemm(pre, x, w, rows, inDim, units, false, b, inDim, 1, units, 1);
    return false;
  }
  gemm(pre, x, w, rows, inDim, units, false, b, inDim, 1, units, 1, part, parts, true);
  return true;
}

/**
 * The Dense forward pass in one call: pre = x·w (+ b), bias added as each tile is written, then
 * out = activation(pre) (activation ids as in `applyActivation`; out may equal pre for linear).
 * x: [rows, inDim], w: [inDim, units], b: [units] or 0 for none, pre, out: [rows, units]
 */
export function denseForward(out: usize, pre: usize, x: usize, w: usize, b: usize, rows: i32, inDim: i32, units: i32,
  activation: i32, alpha: f32, part: i32, parts: i32): void {
  if (!denseProduct(pre, x, w, b, rows, inDim, units, part, parts)) {
    if (part == 0) applyActivation(activation, out, pre, rows, units, alpha);
    return;
  }
  // Split by rows of the output (tiles of 4 or 8 rows), so each part applies the activation to its own rows,
  // starting at a multiple of 4 elements as the whole call's vector loop does.
  const tile = units <= 12 && rows > units ? 8 : MR; // gemm's transposed form tiles output rows by 8
  const tiles = (rows + tile - 1) / tile;
  const r0 = bandStart(tiles, part, parts, tile, rows), r1 = bandStart(tiles, part + 1, parts, tile, rows);
  if (r0 < r1) {
    const at = <usize>(r0 * units) << 2;
    applyActivation(activation, out + at, pre + at, r1 - r0, units, alpha);
  }
}

// ─── The Dense forward split by depth ───
// A product deeper than one K block (inDim > 256) can be split by its K blocks instead of its rows: part p sums
// the blocks partStart(blocks, p, parts) … and so reads only those rows of w (the rows of the weight gradient and
// of the optimizer step that the same thread computes), where a split by rows reads all of w on every thread.
// Each output is the whole call's sum: part 0 writes pre = its blocks' sums in order (+ b), every other block's
// sum goes to its own slice of `scratch` ((blocks − 1) · rows · units floats, block i at slice i − 1; with fewer
// blocks than parts, "part 0" is the first part that has any), and
// denseForwardReduce adds those to pre in block order, as the whole call's later blocks add, then applies the
// activation. Two calls: the second needs every part of the first.

/** The K blocks the part whose range starts at block 0 sums straight into pre (with fewer blocks than parts, the first parts have none). */
@inline function directBlocks(blocks: i32, parts: i32): i32 {
  let q = 1;
  while (q < parts && partStart(blocks, q, parts) == 0) q++;
  return partStart(blocks, q, parts);
}

/**
 * Slices of denseForwardDepth's scratch a Dense layer needs per row of its output (0: its forward pass never
 * splits by depth): one per K block but the first, unless gemm takes the few-columns form (units ≤ 12).
 */
export function denseDepthSlices(inDim: i32, units: i32): i32 {
  return units > NR + MR ? kBlocks(inDim) - 1 : 0;
}

/**
 * Whether denseForwardDepth splits a call by K blocks: rows for the packed product (not gemm's few-columns form),
 * and blocks that share out evenly enough, the largest part at most 25 % over the mean (784 inputs: 4 blocks, so
 * 2 or 4 parts, not 3 or 8); otherwise it splits by rows as denseForward does.
 */
@inline function depthSplit(rows: i32, inDim: i32, units: i32, parts: i32): bool {
  const blocks = kBlocks(inDim);
  return parts > 1 && rows >= MR && blocks > 1 && !(units <= NR + MR && rows > units) && (blocks + parts - 1) / parts * parts * 4 <= blocks * 5;
}

/**
 * First half of a Dense forward pass split by depth: pre (and `scratch`, see above) for part `part` of `parts`;
 * a product that does not split so is split by rows (or, parts ≤ 1, whole in part 0). No activation: see
 * denseForwardReduce. In a chunked call (setChunks: c chunks a part, part and parts counted in chunks), chunk j of
 * a thread's part is its K blocks for the j-th of c bands of rows, which keeps each thread to its rows of w.
 * scratch: [kBlocks(inDim) − 1, rows, units]
 */
export function denseForwardDepth(pre: usize, scratch: usize, x: usize, w: usize, b: usize, rows: i32, inDim: i32, units: i32,
  part: i32, parts: i32): void {
  const chunks = parts > 1 && parts % chunksPerPart() == 0 ? chunksPerPart() : 1;
  const threadParts = parts / chunks;
  if (!depthSplit(rows, inDim, units, threadParts)) {
    denseProduct(pre, x, w, b, rows, inDim, units, part, parts); // by rows, as denseForward
    return;
  }
  const blocks = kBlocks(inDim);
  const thread = part / chunks, band = part % chunks;
  const first = partStart(blocks, thread, threadParts), last = partStart(blocks, thread + 1, threadParts);
  const tiles = (rows + MR - 1) / MR;
  const r0 = bandStart(tiles, band, chunks, MR, rows), r1 = bandStart(tiles, band + 1, chunks, MR, rows);
  if (first >= last || r0 >= r1) return;
  if (first == 0) {
    gemmPacked(pre, x, w, rows, inDim, units, false, b, inDim, 1, units, 1, false, units, A_STRIDED, B_STRIDED, r0, r1, 0, units, 0, last);
    return;
  }
  const slice = <usize>rows * units << 2;
  for (let block = first; block < last; block++) {
    gemmPacked(scratch + <usize>(block - 1) * slice, x, w, rows, inDim, units, false, 0, inDim, 1, units, 1, false, units,
      A_STRIDED, B_STRIDED, r0, r1, 0, units, block, block + 1);
  }
}

/**
 * Second half: adds the blocks part 0 of denseForwardDepth's `split` parts did not sum (from `scratch`, in block
 * order) to pre, then out = activation(pre), for part `part` of `parts` of the rows (bands of MR-row tiles).
 * `split` is the number of parts the first call ran in (1: it ran whole, and only the activation is left).
 */
export function denseForwardReduce(out: usize, pre: usize, scratch: usize, rows: i32, inDim: i32, units: i32, split: i32,
  activation: i32, alpha: f32, part: i32, parts: i32): void {
  const tiles = (rows + MR - 1) / MR;
  const r0 = bandStart(tiles, part, parts, MR, rows), r1 = bandStart(tiles, part + 1, parts, MR, rows);
  if (r0 >= r1) return;
  const at = <usize>(r0 * units) << 2;
  const n = (r1 - r0) * units;
  if (depthSplit(rows, inDim, units, split)) {
    const blocks = kBlocks(inDim);
    const slice = <usize>rows * units << 2;
    // (a + b is b + a to the bit: gradientAccumulate's block sum + C is gemm's C + block sum)
    for (let block = directBlocks(blocks, split); block < blocks; block++) gradientAccumulate(pre + at, scratch + <usize>(block - 1) * slice + at, n);
  }
  applyActivation(activation, out + at, pre + at, r1 - r0, units, alpha);
}

/** y[r,:] += b for every row r; y: [rows, cols], b: [cols] */
export function biasAdd(y: usize, b: usize, rows: i32, cols: i32): void {
  const c4 = floor4(cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    let j = 0;
    for (; j < c4; j += 4) st4(y, row + j, f32x4.add(ld4(y, row + j), ld4(b, j)));
    for (; j < cols; j++) st(y, row + j, ld(y, row + j) + ld(b, j));
  }
}

/** db[j] = Σ_r dy[r,j]; dy: [rows, cols], db: [cols] */
export function biasGrad(db: usize, dy: usize, rows: i32, cols: i32): void {
  const c4 = floor4(cols);
  let j = 0;
  for (; j < c4; j += 4) {
    let s = f32x4.splat(0);
    for (let r = 0; r < rows; r++) s = f32x4.add(s, ld4(dy, r * cols + j));
    st4(db, j, s);
  }
  for (; j < cols; j++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += ld(dy, r * cols + j);
    st(db, j, s);
  }
}

/** x[i] = value; x: [n] */
export function fill(x: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) st4(x, i, v);
  for (; i < n; i++) st(x, i, value);
}
