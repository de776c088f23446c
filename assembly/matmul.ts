// Matrix products in the three forms backprop needs, bias add/gradient, and the Dense forward pass as one
// call. Row-major f32, pointers are byte offsets, sizes element counts. Never allocates: packed panels live
// in scratch just above the module's static data, which the host's arena never hands out (see heapBase).
// Any size works without padding the caller's buffers.
import { ld, st, ld4, st4, floor4 } from './simd';
import { applyActivation } from './activations';
import { MR, SCRATCH_BYTES, gemm, gemmRows } from './gemm';

/** First byte the host may hand out: below it are the module's static data and the GEMM's scratch. */
export function heapBase(): usize {
  return __heap_base + SCRATCH_BYTES;
}

/** C[m,n] = A[m,k]·B[k,n], or C += A·B when accumulate */
export function matmul(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool): void {
  if (m < MR) gemmRows(c, a, b, m, k, n, accumulate, 0);
  else gemm(c, a, b, m, k, n, accumulate, 0, k, 1, n, 1);
}

/** C[m,n] = A[k,m]ᵀ·B[k,n], or C += Aᵀ·B when accumulate */
export function matmulTransA(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool): void {
  gemm(c, a, b, m, k, n, accumulate, 0, 1, m, n, 1);
}

/** C[m,n] = A[m,k]·B[n,k]ᵀ, or C += A·Bᵀ when accumulate */
export function matmulTransB(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32, accumulate: bool): void {
  gemm(c, a, b, m, k, n, accumulate, 0, k, 1, 1, k);
}

/**
 * The Dense forward pass in one call: pre = x·w (+ b), bias added as each tile is written, then
 * out = activation(pre) (activation ids as in `applyActivation`; out may equal pre for linear).
 * x: [rows, inDim], w: [inDim, units], b: [units] or 0 for none, pre, out: [rows, units]
 */
export function denseForward(out: usize, pre: usize, x: usize, w: usize, b: usize, rows: i32, inDim: i32, units: i32,
  activation: i32, alpha: f32): void {
  if (rows < MR) gemmRows(pre, x, w, rows, inDim, units, false, b);
  else gemm(pre, x, w, rows, inDim, units, false, b, inDim, 1, units, 1);
  applyActivation(activation, out, pre, rows, units, alpha);
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
