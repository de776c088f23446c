// Metrics: kernels that add a batch to a metric's state (f64 slots, zeroed = empty) row by row, in row order, so
// the state after many batches has the same bits however the rows were split. A weights offset of 0 means every
// row weighs 1. The `…Rows` kernels write one f32 value per row for the mean metrics (and the standalone functions).
import { ld, st } from './simd';
import { log } from './math';

@inline function weight(w: usize, r: i32): f64 {
  return w == 0 ? 1.0 : <f64>ld(w, r);
}
@inline function ldd(s: usize, i: i32): f64 {
  return load<f64>(s + (<usize>i << 3));
}
@inline function addd(s: usize, i: i32, v: f64): void {
  store<f64>(s + (<usize>i << 3), load<f64>(s + (<usize>i << 3)) + v);
}
@inline function divNoNan(a: f64, b: f64): f64 {
  return b == 0 ? 0 : a / b;
}

/** state[0] += Σ_r w_r·v_r, state[1] += Σ_r w_r (w = 0: weights 1); state: 2 f64, v, w: [rows] */
export function meanMetricUpdate(state: usize, v: usize, w: usize, rows: i32): void {
  let total = ldd(state, 0);
  let count = ldd(state, 1);
  for (let r = 0; r < rows; r++) {
    const wr = weight(w, r);
    total += wr * <f64>ld(v, r);
    count += wr;
  }
  store<f64>(state, total);
  store<f64>(state + 8, count);
}

/** out_r = mean_j [p_rj == t_rj]; p, t: [rows, cols], out: [rows] */
export function accuracyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    let c: f32 = 0;
    for (let j = 0; j < cols; j++) if (ld(p, r * cols + j) == ld(t, r * cols + j)) c += 1;
    st(out, r, c / <f32>cols);
  }
}

/** out_r = mean_j [(p_rj > threshold) == t_rj]; p, t: [rows, cols], out: [rows] */
export function binaryAccuracyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32, threshold: f32): void {
  for (let r = 0; r < rows; r++) {
    let c: f32 = 0;
    for (let j = 0; j < cols; j++) if ((ld(p, r * cols + j) > threshold ? <f32>1 : 0) == ld(t, r * cols + j)) c += 1;
    st(out, r, c / <f32>cols);
  }
}

// First index of the row's maximum, as argmax in Keras and TensorFlow.js breaks ties.
@inline function argmax(x: usize, o: i32, cols: i32): i32 {
  let best = 0;
  let m = ld(x, o);
  for (let j = 1; j < cols; j++) { const v = ld(x, o + j); if (v > m) { m = v; best = j; } }
  return best;
}

/** out_r = [argmax p_r = argmax t_r] (first index on ties); p, t: [rows, cols], out: [rows] */
export function categoricalAccuracyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) st(out, r, argmax(p, r * cols, cols) == argmax(t, r * cols, cols) ? 1 : 0);
}

/** out_r = [argmax p_r = t_r] (the label compared as a float); p: [rows, cols], t: [rows], out: [rows] */
export function sparseCategoricalAccuracyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) st(out, r, <f32>argmax(p, r * cols, cols) == ld(t, r) ? 1 : 0);
}

// TensorFlow's in_top_k: false for a label outside [0, cols) or a non-finite target score; otherwise true when
// fewer than k finite scores are strictly greater (ties at the boundary are all in the top k).
@inline function inTopK(p: usize, o: i32, cols: i32, label: i32, k: i32): bool {
  if (label < 0 || label >= cols) return false;
  const target = ld(p, o + label);
  if (!isFinite(target)) return false;
  let greater = 0;
  for (let j = 0; j < cols; j++) { const v = ld(p, o + j); if (isFinite(v) && v > target) greater++; }
  return greater < k;
}

/** out_r = in_top_k(p_r, argmax t_r, k); p, t: [rows, cols], out: [rows] */
export function topKCategoricalAccuracyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32, k: i32): void {
  for (let r = 0; r < rows; r++) st(out, r, inTopK(p, r * cols, cols, argmax(t, r * cols, cols), k) ? 1 : 0);
}

/** out_r = in_top_k(p_r, trunc(t_r), k); p: [rows, cols], t: [rows], out: [rows] */
export function sparseTopKCategoricalAccuracyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32, k: i32): void {
  for (let r = 0; r < rows; r++) {
    const v = ld(t, r);
    const label = isFinite(v) && Mathf.abs(v) < 2147483520 ? <i32>v : -1;
    st(out, r, inTopK(p, r * cols, cols, label, k) ? 1 : 0);
  }
}

// Keras's _filter_top_k: a score outside its row's k largest (ties to the lower index) counts as −1e10.
@inline function keptByTopK(p: usize, o: i32, cols: i32, j: i32, k: i32): bool {
  if (k <= 0) return true;
  const v = ld(p, o + j);
  let rank = 0;
  for (let i = 0; i < cols; i++) { const u = ld(p, o + i); if (u > v || (u == v && i < j)) rank++; }
  return rank < k;
}

/**
 * One threshold's confusion counts: state [tp, fp, tn, fn] += w_r over the elements with t ≠ 0 / t = 0 and
 * p > threshold / not; only column classId when classId ≥ 0; topK > 0 drops a row's other scores to −1e10
 * first. p, t: [rows, cols], w: [rows] or 0, state: 4 f64
 */
export function confusionUpdate(state: usize, p: usize, t: usize, w: usize, rows: i32, cols: i32, threshold: f32, classId: i32, topK: i32): void {
  const from = classId >= 0 ? classId : 0;
  const to = classId >= 0 ? classId + 1 : cols;
  const dropped: f32 = -1e10;
  for (let r = 0; r < rows; r++) {
    const wr = weight(w, r);
    const o = r * cols;
    for (let j = from; j < to; j++) {
      const score = keptByTopK(p, o, cols, j, topK) ? ld(p, o + j) : dropped;
      const predicted = score > threshold;
      const slot = ld(t, o + j) != 0 ? (predicted ? 0 : 3) : (predicted ? 1 : 2);
      addd(state, slot, wr);
    }
  }
}

/**
 * Keras's bucketed confusion counts for T evenly spaced thresholds: b = ceil(clip(p, 0, 1)·(T − 1)) − 1 in f32,
 * raised to 0 when `lowEpsilon` (the first threshold is −ε), skipped when negative; per label block of 2T + 2 f64
 * (one block, or one per column when `multiLabel`): [Σw·[t≠0] per bucket (T), Σw·[t=0] per bucket (T), Σw·[t≠0],
 * Σw·[t=0]]. classId and topK as in confusionUpdate. p, t: [rows, cols], w: [rows] or 0
 */
export function confusionBucketsUpdate(
  state: usize, p: usize, t: usize, w: usize, rows: i32, cols: i32, thresholds: i32, classId: i32, topK: i32,
  multiLabel: bool, lowEpsilon: bool,
): void {
  const from = classId >= 0 ? classId : 0;
  const to = classId >= 0 ? classId + 1 : cols;
  const block = 2 * thresholds + 2;
  const scale = <f32>(thresholds - 1);
  for (let r = 0; r < rows; r++) {
    const wr = weight(w, r);
    const o = r * cols;
    for (let j = from; j < to; j++) {
      const base = multiLabel ? (j - from) * block : 0;
      const positive = ld(t, o + j) != 0;
      addd(state, base + 2 * thresholds + (positive ? 0 : 1), wr);
      const score = keptByTopK(p, o, cols, j, topK) ? ld(p, o + j) : <f32>-1e10;
      if (isNaN(score)) continue;
      let b = <i32>Mathf.ceil(min(max(score, 0), 1) * scale) - 1;
      if (lowEpsilon && b < 0) b = 0;
      if (b < 0) continue;
      addd(state, base + (positive ? 0 : thresholds) + b, wr);
    }
  }
}

/**
 * Keras's AUC from confusionBucketsUpdate's state (`labels` blocks, their mean): curve 0 ROC, 1 PR; summation
 * 0 interpolation (for PR, Davis & Goadrich's), 1 minoring, 2 majoring. Riemann sum over threshold pairs in f64.
 */
export function aucResult(state: usize, thresholds: i32, labels: i32, curve: i32, summation: i32): f64 {
  const block = 2 * thresholds + 2;
  let total: f64 = 0;
  for (let l = 0; l < labels; l++) {
    const s = state + <usize>(l * block) * 8;
    const pos = ldd(s, 2 * thresholds);
    const neg = ldd(s, 2 * thresholds + 1);
    // Walk down from the last threshold: the counts at threshold i are the bucket sums from i up.
    let tpB = ldd(s, thresholds - 1);
    let fpB = ldd(s, 2 * thresholds - 1);
    let area: f64 = 0;
    for (let i = thresholds - 2; i >= 0; i--) {
      const tpA = tpB + ldd(s, i);
      const fpA = fpB + ldd(s, thresholds + i);
      area += term(tpA, fpA, pos - tpA, neg - fpA, tpB, fpB, pos - tpB, neg - fpB, curve, summation);
      tpB = tpA;
      fpB = fpA;
    }
    total += area;
  }
  return total / <f64>labels;
}

// One pair of successive thresholds (A below B) of the Riemann sum.
@inline function term(tpA: f64, fpA: f64, fnA: f64, tnA: f64, tpB: f64, fpB: f64, fnB: f64, tnB: f64, curve: i32, summation: i32): f64 {
  if (curve == 1 && summation == 0) {
    const dtp = tpA - tpB;
    const pA = tpA + fpA;
    const pB = tpB + fpB;
    const slope = divNoNan(dtp, max(pA - pB, 0));
    const intercept = tpB - slope * pB;
    const ratio = pA > 0 && pB > 0 ? divNoNan(pA, max(pB, 0)) : 1;
    return divNoNan(slope * (dtp + intercept * log(ratio)), max(tpB + fnB, 0));
  }
  const recallA = divNoNan(tpA, tpA + fnA);
  const recallB = divNoNan(tpB, tpB + fnB);
  let xA = recallA, xB = recallB, yA: f64, yB: f64;
  if (curve == 0) {
    xA = divNoNan(fpA, fpA + tnA); xB = divNoNan(fpB, fpB + tnB); yA = recallA; yB = recallB;
  } else {
    yA = divNoNan(tpA, tpA + fpA); yB = divNoNan(tpB, tpB + fpB);
  }
  const height = summation == 0 ? (yA + yB) / 2 : summation == 1 ? min(yA, yB) : max(yA, yB);
  return (xA - xB) * height;
}

/**
 * F-score counts per class, state [tp, fp, fn, Σw·t] (cols f64 each) += w_r·(ŷt, ŷ(1 − t), (1 − ŷ)t, t) with
 * ŷ = [p > threshold], or when threshold < 0, [p ≥ the row's max and |p| > 1e-9]; p, t: [rows, cols], w: [rows] or 0
 */
export function fScoreUpdate(state: usize, p: usize, t: usize, w: usize, rows: i32, cols: i32, threshold: f32): void {
  const tiny: f32 = 1e-9;
  for (let r = 0; r < rows; r++) {
    const wr = weight(w, r);
    const o = r * cols;
    let m = ld(p, o);
    for (let j = 1; j < cols; j++) m = max(m, ld(p, o + j));
    for (let j = 0; j < cols; j++) {
      const v = ld(p, o + j);
      const yp: f64 = (threshold < 0 ? v >= m && Mathf.abs(v) > tiny : v > threshold) ? 1 : 0;
      const yt = <f64>ld(t, o + j);
      addd(state, j, wr * (yp * yt));
      addd(state, cols + j, wr * (yp * (1 - yt)));
      addd(state, 2 * cols + j, wr * ((1 - yp) * yt));
      addd(state, 3 * cols + j, wr * yt);
    }
  }
}

/**
 * R² sums per column, state [Σw·t, Σw·t², Σw·(t − p)², Σw] (cols f64 each), then the count of rows whose
 * weight is not 0; p, t: [rows, cols], w: [rows] or 0, state: 4·cols + 1 f64
 */
export function r2Update(state: usize, p: usize, t: usize, w: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const wr = weight(w, r);
    const o = r * cols;
    for (let j = 0; j < cols; j++) {
      const yt = <f64>ld(t, o + j);
      const d = yt - <f64>ld(p, o + j);
      addd(state, j, wr * yt);
      addd(state, cols + j, wr * yt * yt);
      addd(state, 2 * cols + j, wr * d * d);
      addd(state, 3 * cols + j, wr);
    }
    if (wr != 0) addd(state, 4 * cols, 1);
  }
}
