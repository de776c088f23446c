// Metrics: each kernel returns a count or sum over the batch (f64) so the host can keep a running mean
// over the epoch weighted by samples, as Keras's stateful metrics do.
import { ld } from './simd';

/** Σ [(p > threshold) == t] over all elements; p, t: [n] */
export function binaryAccuracyCount(p: usize, t: usize, n: i32, threshold: f32): f64 {
  let c: f64 = 0;
  for (let i = 0; i < n; i++) if ((ld(p, i) > threshold ? <f32>1 : 0) == ld(t, i)) c += 1;
  return c;
}

// First index of the row's maximum, as argmax in Keras and TensorFlow.js breaks ties.
@inline function argmax(x: usize, o: i32, cols: i32): i32 {
  let best = 0;
  let m = ld(x, o);
  for (let j = 1; j < cols; j++) { const v = ld(x, o + j); if (v > m) { m = v; best = j; } }
  return best;
}

/** Σ_rows [argmax p = argmax t]; p, t: [rows, cols] */
export function categoricalAccuracyCount(p: usize, t: usize, rows: i32, cols: i32): f64 {
  let c: f64 = 0;
  for (let r = 0; r < rows; r++) if (argmax(p, r * cols, cols) == argmax(t, r * cols, cols)) c += 1;
  return c;
}

/** Σ_rows [argmax p = t]; p: [rows, cols], t: class indices [rows] */
export function sparseCategoricalAccuracyCount(p: usize, t: usize, rows: i32, cols: i32): f64 {
  let c: f64 = 0;
  for (let r = 0; r < rows; r++) if (<f32>argmax(p, r * cols, cols) == ld(t, r)) c += 1;
  return c;
}
