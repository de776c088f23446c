// Matrix products in the three forms backprop needs, bias add/gradient, and the Dense forward pass as one
// call. Row-major f32, pointers are byte offsets, sizes element counts. Never allocates: packed panels live
// in scratch just above the module's static data, which the host's arena never hands out (see heapBase).
// Any size works without padding the caller's buffers.
import { ld, st, ld4, st4, floor4 } from './simd';
import { applyActivation } from './activations';
import { MR, SCRATCH_BYTES, bandStart, gemm, gemmRows } from './gemm';
export { useScratch } from './gemm';

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
 * The Dense forward pass in one call: pre = x·w (+ b), bias added as each tile is written, then
 * out = activation(pre) (activation ids as in `applyActivation`; out may equal pre for linear).
 * x: [rows, inDim], w: [inDim, units], b: [units] or 0 for none, pre, out: [rows, units]
 */
export function denseForward(out: usize, pre: usize, x: usize, w: usize, b: usize, rows: i32, inDim: i32, units: i32,
  activation: i32, alpha: f32, part: i32, parts: i32): void {
  if (rows < MR || parts <= 1 || inDim == 0) { // (k = 0: gemm's part 0 writes all of pre, so part 0 does it all)
    if (part != 0) return;
    if (rows < MR) gemmRows(pre, x, w, rows, inDim, units, false, b);
    else gemm(pre, x, w, rows, inDim, units, false, b, inDim, 1, units, 1);
    applyActivation(activation, out, pre, rows, units, alpha);
    return;
  }
  // Split by rows of the output (tiles of 4 or 8 rows), so each part applies the activation to its own rows,
  // starting at a multiple of 4 elements as the whole call's vector loop does.
  gemm(pre, x, w, rows, inDim, units, false, b, inDim, 1, units, 1, part, parts, true);
  const tile = units <= 12 && rows > units ? 8 : MR; // gemm's transposed form tiles output rows by 8
  const tiles = (rows + tile - 1) / tile;
  const r0 = bandStart(tiles, part, parts, tile, rows), r1 = bandStart(tiles, part + 1, parts, tile, rows);
  if (r0 < r1) {
    const at = <usize>(r0 * units) << 2;
    applyActivation(activation, out + at, pre + at, r1 - r0, units, alpha);
  }
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
