// Weight constraints (Keras's MaxNorm, UnitNorm, MinMaxNorm, NonNeg), applied in place after an optimizer step.
// Norms are taken in f32 as Keras does, over the middle axis of a [outer, size, inner] view of the weight.
import { ld, ld4, st, st4, floor4 } from './simd';

// Keras's backend.epsilon().
const EPSILON: f32 = 1e-7;

@inline function scaleFor(sumSquares: f32, minValue: f32, maxValue: f32, rate: f32): f32 {
  const norm = Mathf.sqrt(sumSquares);
  const desired = rate * Mathf.min(Mathf.max(norm, minValue), maxValue) + (1 - rate) * norm;
  return desired / (EPSILON + norm);
}

/** w[o,:,i] *= (rate·clip(‖w[o,:,i]‖, min, max) + (1 − rate)·‖w[o,:,i]‖) / (ε + ‖w[o,:,i]‖), ε = 1e-7; w: [outer, size, inner] */
export function normConstraint(w: usize, outer: i32, size: i32, inner: i32, minValue: f32, maxValue: f32, rate: f32): void {
  const i4 = floor4(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    let i = 0;
    for (; i < i4; i += 4) { // four columns at once, each summed in row order
      let acc = f32x4.splat(0);
      for (let r = 0; r < size; r++) { const v = ld4(w, base + r * inner + i); acc = f32x4.add(acc, f32x4.mul(v, v)); }
      const s = f32x4(
        scaleFor(f32x4.extract_lane(acc, 0), minValue, maxValue, rate), scaleFor(f32x4.extract_lane(acc, 1), minValue, maxValue, rate),
        scaleFor(f32x4.extract_lane(acc, 2), minValue, maxValue, rate), scaleFor(f32x4.extract_lane(acc, 3), minValue, maxValue, rate));
      for (let r = 0; r < size; r++) { const at = base + r * inner + i; st4(w, at, f32x4.mul(ld4(w, at), s)); }
    }
    for (; i < inner; i++) {
      let acc: f32 = 0;
      for (let r = 0; r < size; r++) { const v = ld(w, base + r * inner + i); acc += v * v; }
      const s = scaleFor(acc, minValue, maxValue, rate);
      for (let r = 0; r < size; r++) { const at = base + r * inner + i; st(w, at, ld(w, at) * s); }
    }
  }
}

/** w = max(w, 0) (Keras's NonNeg); w: [n] */
export function nonNeg(w: usize, n: i32): void {
  const n4 = floor4(n);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i < n4; i += 4) st4(w, i, f32x4.max(ld4(w, i), zero));
  for (; i < n; i++) st(w, i, Mathf.max(ld(w, i), 0));
}
