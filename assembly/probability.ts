// What the cross-entropies share: Keras's epsilon and clipping, label smoothing, and the stable sigmoid and
// log-sum-exp of the fused (logits) forms. Not re-exported by index.ts: these are not kernels of the wasm.
import { ld, st } from './simd';
import { expf, expInPlace, logf } from './math';

/** Keras's backend epsilon: probabilities are clipped to [ε, 1 − ε]. */
export const EPSILON: f32 = 1e-7;

// Keras's label smoothing: t·(1 − s) + s·k, k = ½ for binary targets and 1/classes for categorical ones.
@inline export function smooth(y: f32, s: f32, k: f32): f32 {
  return y * (1 - s) + s * k;
}

@inline export function clipProb(v: f32): f32 {
  return min(max(v, EPSILON), 1 - EPSILON);
}

// σ(z) and 1 − σ(z) from one exp of −|z|, both exact at any |z|.
@inline export function sigmoidPair(z: f32): f32 {
  const e = expf(-Mathf.abs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

@inline export function logitLoss(z: f32, y: f32): f32 {
  // −(y·log σ(z) + (1 − y)·log(1 − σ(z))) rewritten so neither exp nor log can overflow.
  return max(z, 0) - z * y + Mathf.log1p(expf(-Mathf.abs(z)));
}

// A row's Σp, or (`logits`) its lse(z): what the categorical forms divide by, or subtract.
@inline export function rowShift(x: usize, o: i32, cols: i32, logits: bool): f32 {
  return logits ? logSumExp(x, o, cols) : rowSum(x, o, cols);
}

// Keras normalises each row of probabilities to sum 1 before clipping: −Σ_j t_j·log(clip(p_j / S)).
@inline export function rowSum(p: usize, o: i32, cols: i32): f32 {
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) s += ld(p, o + j);
  return s;
}

// A row's largest value (NaN if any is NaN: wasm's max).
@inline export function rowMax(x: usize, o: i32, cols: i32): f32 {
  let m = ld(x, o);
  for (let j = 1; j < cols; j++) m = max(m, ld(x, o + j));
  return m;
}

// log Σ e^z over a row, shifted by its max.
@inline export function logSumExp(z: usize, o: i32, cols: i32): f32 {
  const m = rowMax(z, o, cols);
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) s += expf(ld(z, o + j) - m);
  return m + logf(s);
}

// The fused cross-entropies' gradients take softmax(z) as e^(z − lse(z)), a row at a time. They compute it for a
// whole block in passes instead, so that the exps run four at a time (expInPlace), with the same bits:
//   e = exps(z − max) (shiftedExps); per row, lse = lseOf(e, z) and e = z − lse; e = exps(e) (expInPlace).
// e must not be z there (lseOf reads z after); softmax, which reads z no more, calls shiftedExps with e = z too.

// e[r,:] = expf(z[r,:] − max of the row) for every row (each row's max is read before the row is written, so e may
// be z); e, z: [rows, cols]
@inline export function shiftedExps(e: usize, z: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const m = rowMax(z, o, cols);
    for (let j = 0; j < cols; j++) st(e, o + j, ld(z, o + j) - m);
  }
  expInPlace(e, rows * cols);
}

// logSumExp(z, o, cols), from the row's exps shiftedExps wrote to e.
@inline export function lseOf(e: usize, z: usize, o: i32, cols: i32): f32 {
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) s += ld(e, o + j);
  return rowMax(z, o, cols) + logf(s);
}
