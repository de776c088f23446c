// More of Keras's losses: a Grad (returns the batch's mean loss, writes d(mean)/dp) and a Rows form each.
// Elementwise ones are the mean over the last axis; the class-wise ones (categorical hinge, cosine similarity,
// KL divergence, categorical focal) reduce each row their own way. The mean over rows follows.
import { ld, st } from './simd';
import { EPSILON } from './probability';
import { expf, logf } from './math';

@inline function mapeOf(p: f32, t: f32): f32 {
  return <f32>100 * Mathf.abs(t - p) / max<f32>(Mathf.abs(t), EPSILON);
}
/** dp = 100·sign(p − t)/max<f32>(|t|, ε)/n; returns mean(100·|t − p|/max<f32>(|t|, ε)); p, t: [rows, cols] */
export function meanAbsolutePercentageErrorGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = ld(p, i), y = ld(t, i);
    s += <f64>mapeOf(v, y);
    const d = v - y;
    st(dp, i, d == 0 ? 0 : (d > 0 ? <f32>100 : <f32>-100) / max<f32>(Mathf.abs(y), EPSILON) / <f32>n);
  }
  return s / n;
}
/** out_r = mean_j 100·|t − p|/max<f32>(|t|, ε); p, t: [rows, cols], out: [rows] */
export function meanAbsolutePercentageErrorRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += <f64>mapeOf(ld(p, o + j), ld(t, o + j));
    st(out, r, <f32>(s / cols));
  }
}

@inline function logPlusOne(v: f32): f32 {
  return logf(max<f32>(v, EPSILON) + 1);
}
/** dp = 2(log(max<f32>(p, ε) + 1) − log(max<f32>(t, ε) + 1))/(p + 1)/n (0 where p < ε); returns the mean squared log error */
export function meanSquaredLogarithmicErrorGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = ld(p, i);
    const d = logPlusOne(v) - logPlusOne(ld(t, i));
    s += <f64>(d * d);
    st(dp, i, v >= EPSILON ? <f32>2 * d / (v + 1) / <f32>n : 0);
  }
  return s / n;
}
/** out_r = mean_j (log(max<f32>(p, ε) + 1) − log(max<f32>(t, ε) + 1))²; p, t: [rows, cols], out: [rows] */
export function meanSquaredLogarithmicErrorRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) { const d = logPlusOne(ld(p, o + j)) - logPlusOne(ld(t, o + j)); s += <f64>(d * d); }
    st(out, r, <f32>(s / cols));
  }
}

// Keras's hinge losses turn targets into ±1 (2t − 1) when every target of the call is 0 or 1.
@inline function hingeBinary(t: usize, n: i32): bool {
  for (let i = 0; i < n; i++) { const y = ld(t, i); if (y != 0 && y != 1) return false; }
  return true;
}
@inline function hingeTarget(y: f32, binary: bool): f32 {
  return binary ? 2 * y - 1 : y;
}
// The hinge losses, m = max(1 − y·p, 0) or (`squared`, a constant each caller passes) m².
@inline function hingeGradOf(dp: usize, p: usize, t: usize, rows: i32, cols: i32, squared: bool): f64 {
  const n = rows * cols;
  const binary = hingeBinary(t, n);
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const y = hingeTarget(ld(t, i), binary);
    const m = max<f32>(1 - y * ld(p, i), <f32>0);
    if (squared) {
      s += <f64>(m * m);
      st(dp, i, <f32>-2 * y * m / <f32>n);
    } else {
      s += <f64>m;
      st(dp, i, m > 0 ? -y / <f32>n : 0);
    }
  }
  return s / n;
}
@inline function hingeRowsOf(out: usize, p: usize, t: usize, rows: i32, cols: i32, squared: bool): void {
  const binary = hingeBinary(t, rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const m = max<f32>(1 - hingeTarget(ld(t, o + j), binary) * ld(p, o + j), <f32>0);
      s += <f64>(squared ? m * m : m);
    }
    st(out, r, <f32>(s / cols));
  }
}
/** dp = −y·[1 − y·p > 0]/n, y = t or 2t − 1 (0/1 targets); returns mean(max<f32>(1 − y·p, 0)); p, t: [rows, cols] */
export function hingeGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  return hingeGradOf(dp, p, t, rows, cols, false);
}
/** out_r = mean_j max<f32>(1 − y·p, 0), y as hingeGrad; p, t: [rows, cols], out: [rows] */
export function hingeRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  hingeRowsOf(out, p, t, rows, cols, false);
}

/** dp = −2y·max<f32>(1 − y·p, 0)/n, y as hingeGrad; returns mean(max<f32>(1 − y·p, 0)²); p, t: [rows, cols] */
export function squaredHingeGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  return hingeGradOf(dp, p, t, rows, cols, true);
}
/** out_r = mean_j max<f32>(1 − y·p, 0)², y as hingeGrad; p, t: [rows, cols], out: [rows] */
export function squaredHingeRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  hingeRowsOf(out, p, t, rows, cols, true);
}

// max<f32>(neg − pos + 1, 0), pos = Σ t·p, neg = max_j (1 − t_j)·p_j; the arg max is the first one.
@inline function categoricalHingeRow(p: usize, t: usize, o: i32, cols: i32): f32 {
  let pos: f32 = 0;
  let neg: f32 = -Infinity;
  for (let j = 0; j < cols; j++) {
    const y = ld(t, o + j), v = ld(p, o + j);
    pos += y * v;
    neg = max<f32>(neg, (1 - y) * v);
  }
  return max<f32>(neg - pos + 1, <f32>0);
}
/** dp_j = ((1 − t_m)·[j = m] − t_j)/rows where the row's loss is positive (m: neg's arg max); returns the loss */
export function categoricalHingeGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const k: f32 = <f32>1 / <f32>rows;
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const loss = categoricalHingeRow(p, t, o, cols);
    s += <f64>loss;
    let m = 0;
    let best: f32 = -Infinity;
    for (let j = 0; j < cols; j++) {
      const v = (<f32>1 - ld(t, o + j)) * ld(p, o + j);
      if (v > best) { best = v; m = j; }
    }
    for (let j = 0; j < cols; j++) {
      const y = ld(t, o + j);
      st(dp, o + j, loss > 0 ? k * ((j == m ? 1 - y : 0) - y) : 0);
    }
  }
  return s / rows;
}
/** out_r = max<f32>(max_j (1 − t_j)·p_j − Σ_j t_j·p_j + 1, 0); p, t: [rows, cols], out: [rows] */
export function categoricalHingeRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) st(out, r, categoricalHingeRow(p, t, r * cols, cols));
}

// NOTE: Keras's l2 normalisation is x·rsqrt(max<f32>(Σx², ε²)): a zero row stays zero, and below ε² the scale is constant.
@inline function inverseNorm(x: usize, o: i32, cols: i32): f32 {
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) { const v = ld(x, o + j); s += v * v; }
  return 1 / Mathf.sqrt(max<f32>(s, EPSILON * EPSILON));
}
@inline function rowDot(a: usize, b: usize, o: i32, cols: i32): f32 {
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) s += ld(a, o + j) * ld(b, o + j);
  return s;
}
/** dp_j = −(t_j·a − (t·p)·a³·p_j)·b/rows, a = 1/‖p‖, b = 1/‖t‖ (a constant below ε); returns mean −(t·p)·a·b */
export function cosineSimilarityGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const k: f32 = <f32>1 / <f32>rows;
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const a = inverseNorm(p, o, cols), b = inverseNorm(t, o, cols);
    const d = rowDot(p, t, o, cols);
    s -= <f64>(d * a * b);
    const live = a < 1 / EPSILON; // ‖p‖ > ε: the norm depends on p
    const c = live ? d * a * a * a : 0;
    for (let j = 0; j < cols; j++) st(dp, o + j, -k * b * (ld(t, o + j) * a - c * ld(p, o + j)));
  }
  return s / rows;
}
/** out_r = −Σ_j l2norm(t)_j·l2norm(p)_j; p, t: [rows, cols], out: [rows] */
export function cosineSimilarityRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    st(out, r, -(rowDot(p, t, o, cols) * inverseNorm(p, o, cols) * inverseNorm(t, o, cols)));
  }
}

// log cosh x = x + softplus(−2x) − log 2, softplus in its overflow-free form.
@inline function logCoshOf(x: f32): f32 {
  const y: f32 = <f32>-2 * x;
  return x + max<f32>(y, <f32>0) + Mathf.log1p(expf(-Mathf.abs(y))) - <f32>Math.LN2;
}
/** dp = tanh(p − t)/n; returns mean(log cosh(p − t)); p, t: [rows, cols] */
export function logCoshGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const x = ld(p, i) - ld(t, i);
    s += <f64>logCoshOf(x);
    st(dp, i, Mathf.tanh(x) / <f32>n);
  }
  return s / n;
}
/** out_r = mean_j log cosh(p − t); p, t: [rows, cols], out: [rows] */
export function logCoshRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += <f64>logCoshOf(ld(p, o + j) - ld(t, o + j));
    st(out, r, <f32>(s / cols));
  }
}

@inline function clipUnit(v: f32): f32 {
  return min<f32>(max<f32>(v, EPSILON), 1);
}
/** dp = −clip(t)/p/rows inside [ε, 1], 0 outside; returns mean over rows of Σ_j clip(t)·log(clip(t)/clip(p)) */
export function klDivergenceGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const k: f32 = <f32>1 / <f32>rows;
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) {
      const v = ld(p, o + j);
      const q = clipUnit(v), y = clipUnit(ld(t, o + j));
      s += <f64>(y * logf(y / q));
      st(dp, o + j, v == q ? -k * y / q : 0);
    }
  }
  return s / rows;
}
/** out_r = Σ_j clip(t)·log(clip(t)/clip(p)), clip to [ε, 1]; p, t: [rows, cols], out: [rows] */
export function klDivergenceRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const y = clipUnit(ld(t, o + j));
      s += <f64>(y * logf(y / clipUnit(ld(p, o + j))));
    }
    st(out, r, <f32>s);
  }
}

/** dp = (1 − t/(p + ε))/n; returns mean(p − t·log(p + ε)); p, t: [rows, cols] */
export function poissonGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = ld(p, i), y = ld(t, i);
    s += <f64>(v - y * logf(v + EPSILON));
    st(dp, i, (1 - y / (v + EPSILON)) / <f32>n);
  }
  return s / n;
}
/** out_r = mean_j p − t·log(p + ε); p, t: [rows, cols], out: [rows] */
export function poissonRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) { const v = ld(p, o + j); s += <f64>(v - ld(t, o + j) * logf(v + EPSILON)); }
    st(out, r, <f32>(s / cols));
  }
}
