// Sample weights: Keras's `sample_weight` and `class_weight` reach the loss as one weight per loss row. The
// loss kernels stay unweighted; these scale a gradient's rows and sum weighted per-row values afterwards.
import { ld, ld4, st4, floor4 } from './simd';

/** x[r,:] *= w[r]; x: [rows, cols], w: [rows] */
export function scaleRows(x: usize, w: usize, rows: i32, cols: i32): void {
  const c4 = floor4(cols);
  for (let r = 0; r < rows; r++) {
    const s = ld(w, r);
    const row = x + (<usize>r * <usize>cols << 2);
    const sv = f32x4.splat(s);
    let j = 0;
    for (; j < c4; j += 4) st4(row, j, f32x4.mul(ld4(row, j), sv));
    for (; j < cols; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * s);
  }
}

/** s + Σ v[i]·w[i], added in index order in f64 (the same bits however the rows were batched); v, w: [n] */
export function weightedAccumulate(v: usize, w: usize, n: i32, s: f64): f64 {
  for (let i = 0; i < n; i++) s += <f64>ld(v, i) * <f64>ld(w, i);
  return s;
}
