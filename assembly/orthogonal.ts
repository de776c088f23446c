// The Orthogonal initialiser's QR step: Gram–Schmidt on a matrix of normal draws, in place, with f64 sums.
// Not a hot path (it runs once per weight at build), so it stays scalar; it never allocates.
import { ld, st } from './simd';
import { SCRATCH_BYTES } from './gemm';

// NOTE: Keras takes Q from the QR of a [max(rows, cols), min(rows, cols)] normal matrix and flips each column
// by sign(diag(R)): that is exactly the Q whose R has a positive diagonal, which is what Gram–Schmidt yields.
// Orthonormalising x's columns (rows > cols) or its rows (rows ≤ cols, Keras's transposed case) in place
// therefore gives Keras's distribution without a second buffer: the draws are i.i.d., so reading them as A
// or as Aᵀ is the same law.

// x[v·vs + e·es] is element e of vector v.
@inline function dot(x: usize, a: i32, b: i32, len: i32, vs: i32, es: i32): f64 {
  let s: f64 = 0;
  for (let e = 0; e < len; e++) s += <f64>ld(x, a * vs + e * es) * <f64>ld(x, b * vs + e * es);
  return s;
}

// NOTE: borrows the GEMM's scratch above the static data (the host never hands it out; kernels run one at a
// time and this one calls no other) for one f64 per column. A weight with more columns than fit (72 000) would
// have more rows still, far more values than the memory holds, so the strided fallback below is never slow in practice.
@inline function scratch(): usize {
  return (__heap_base + 63) & ~63;
}

/** Classical Gram–Schmidt, twice, on x's columns, reading x row by row (tall x: its columns are strided). */
function columnsByRows(x: usize, rows: i32, cols: i32): void {
  const r = scratch();
  for (let v = 0; v < cols; v++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let u = 0; u < v; u++) store<f64>(r + (<usize>u << 3), 0);
      for (let e = 0; e < rows; e++) {
        const row = e * cols;
        const xv = <f64>ld(x, row + v);
        for (let u = 0; u < v; u++) store<f64>(r + (<usize>u << 3), load<f64>(r + (<usize>u << 3)) + <f64>ld(x, row + u) * xv);
      }
      for (let e = 0; e < rows; e++) {
        const row = e * cols;
        let s: f64 = 0;
        for (let u = 0; u < v; u++) s += <f64>ld(x, row + u) * load<f64>(r + (<usize>u << 3));
        st(x, row + v, <f32>(<f64>ld(x, row + v) - s));
      }
    }
    let norm: f64 = 0;
    for (let e = 0; e < rows; e++) { const a = <f64>ld(x, e * cols + v); norm += a * a; }
    const scale: f64 = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let e = 0; e < rows; e++) st(x, e * cols + v, <f32>(<f64>ld(x, e * cols + v) * scale));
  }
}

/** Modified Gram–Schmidt, twice, on `count` vectors of `len` elements, element e of vector v at x[v·vs + e·es]. */
function vectors(x: usize, count: i32, len: i32, vs: i32, es: i32): void {
  for (let v = 0; v < count; v++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let u = 0; u < v; u++) {
        const r = dot(x, u, v, len, vs, es);
        for (let e = 0; e < len; e++) {
          const i = v * vs + e * es;
          st(x, i, <f32>(<f64>ld(x, i) - r * <f64>ld(x, u * vs + e * es)));
        }
      }
    }
    const norm = Math.sqrt(dot(x, v, v, len, vs, es));
    const scale: f64 = norm > 0 ? 1 / norm : 0;
    for (let e = 0; e < len; e++) {
      const i = v * vs + e * es;
      st(x, i, <f32>(<f64>ld(x, i) * scale));
    }
  }
}

/**
 * x = gain·(x with orthonormal columns if rows > cols, else orthonormal rows) by Gram–Schmidt, each vector
 * projected out twice (f64 sums) so the result is orthonormal to float32 precision; a vector of zeros stays
 * zero; x: [rows, cols]
 */
export function orthonormalize(x: usize, rows: i32, cols: i32, gain: f32): void {
  // A square x takes the row path too: rows are contiguous, and an orthogonal matrix's transpose has the same law.
  if (rows <= cols) vectors(x, rows, cols, cols, 1);
  else if (<usize>cols << 3 <= SCRATCH_BYTES - 64) columnsByRows(x, rows, cols);
  else vectors(x, cols, rows, 1, cols);
  // Gain last, so the vectors above are unit vectors while later ones are projected on them.
  const n = rows * cols;
  for (let i = 0; i < n; i++) st(x, i, ld(x, i) * gain);
}
