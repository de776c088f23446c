// orthonormalize against Keras's recipe written independently in float64: Householder QR of the
// [max(rows, cols), min(rows, cols)] matrix, Q's columns flipped by sign(diag R), transposed when rows < cols.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { expectClose, mulberry32, randn, useWasm } from '../helpers.js';

const wasm = useWasm();

/** Reduced Q (m×n, m ≥ n, row-major) of A by Householder reflections, with Keras's sign correction. */
function kerasQ(a: Float64Array, m: number, n: number): Float64Array {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m);
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = r[k * n + k]! > 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i] = r[i * n + k]!;
    v[k]! -= alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i]! ** 2;
    if (vv > 0) {
      for (let j = k; j < n; j++) {
        let s = 0;
        for (let i = k; i < m; i++) s += v[i]! * r[i * n + j]!;
        for (let i = k; i < m; i++) r[i * n + j]! -= (2 * s / vv) * v[i]!;
      }
    }
    vs.push(vv > 0 ? v.map((x) => x / Math.sqrt(vv)) : v.fill(0));
  }
  // Q = H0·H1·…·H(n−1) applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += v[i]! * q[i * n + j]!;
      for (let i = 0; i < m; i++) q[i * n + j]! -= 2 * s * v[i]!;
    }
  }
  for (let j = 0; j < n; j++) {
    const sign = Math.sign(r[j * n + j]!);
    for (let i = 0; i < m; i++) q[i * n + j]! *= sign;
  }
  return q;
}

describe('orthonormalize', () => {
  it.each([[6, 4], [4, 6], [5, 5], [12, 1], [1, 9], [30, 17], [17, 30]])('[%d, %d]: gain·(Keras\'s sign-corrected Q) to 1e-5', (rows, cols) => {
    const gain = 1.25;
    const data = randn(rows * cols, mulberry32(rows * 100 + cols));
    const x = wasm.guarded(rows * cols, data);
    kernels.orthonormalize(x.ptr, rows, cols, gain);
    x.expectIntact();
    const [m, n] = [Math.max(rows, cols), Math.min(rows, cols)];
    // The kernel reads the draws as A [m, n] row-major when rows > cols, else (square too) as Aᵀ [rows, cols]: A's columns are x's rows.
    const a = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[i * n + j] = rows > cols ? data[i * n + j]! : data[j * cols + i]!;
    const q = kerasQ(a, m, n);
    const expected = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) expected[i * cols + j] = gain * (rows > cols ? q[i * n + j]! : q[j * n + i]!);
    expectClose(x.read(), expected, { atol: 1e-5, rtol: 0, label: `[${rows}, ${cols}]` });
  });

  it('leaves a zero vector zero and orthonormalises the rest', () => {
    const x = wasm.put([1, 0, 2, 0, 3, 0]); // [3, 2]: the second column is zero
    kernels.orthonormalize(x, 3, 2, 1);
    const n = Math.sqrt(14);
    expectClose(wasm.read(x, 6), [1 / n, 0, 2 / n, 0, 3 / n, 0], { rtol: 1e-6 });
    expect(wasm.read(x, 6).every(Number.isFinite)).toBe(true);
  });
});
