// Keras's focal cross-entropies, binary and categorical, each in a plain and a fused (logits) form.
import { ld, st } from './simd';
import { EPSILON, smooth, clipProb, sigmoidPair, logitLoss, rowShift } from './probability';
import { expf, logf, powf } from './math';

// γ·u^(γ−1) is the derivative of u^γ; at u = 0 it is taken as its limit for γ ≥ 1 and 0 below (where it is
// infinite: the loss has a cusp there).
@inline function focalSlope(u: f32, gamma: f32): f32 {
  if (u > 0) return gamma * powf(u, gamma - 1);
  return gamma == 1 ? 1 : 0;
}

// The binary focal terms take the weights w1 (target 1) and w0 (target 0): α and 1 − α with class balancing,
// 1 and 1 without; t is smoothed first. u = 1 − p_t uses the unclipped p, the cross-entropy the clipped one.
// With `logits` (a constant each caller passes, so the branches fold away), both come overflow-free from z.
@inline function binaryFocalOf(v: f32, y: f32, gamma: f32, w1: f32, w0: f32, logits: bool): f32 {
  let u: f32, bce: f32;
  if (logits) {
    u = y * sigmoidPair(-v) + (1 - y) * sigmoidPair(v);
    bce = logitLoss(v, y);
  } else {
    const q = clipProb(v);
    bce = -(y * logf(q) + (1 - y) * logf(1 - q));
    u = y * (1 - v) + (1 - y) * v;
  }
  return (y * w1 + (1 - y) * w0) * powf(u, gamma) * bce;
}
@inline function binaryFocalRowsOf(
  out: usize, x: usize, t: usize, rows: i32, cols: i32, gamma: f32, w1: f32, w0: f32, smoothing: f32, logits: bool,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += <f64>binaryFocalOf(ld(x, o + j), smooth(ld(t, o + j), smoothing, 0.5), gamma, w1, w0, logits);
    st(out, r, <f32>(s / cols));
  }
}
// The gradient: w·(γu^(γ−1)·du·bce + u^γ·dbce)/n, du = (1 − 2y), or (1 − 2y)σ(z)σ(−z) with logits.
@inline function binaryFocalGradOf(
  dx: usize, x: usize, t: usize, rows: i32, cols: i32, gamma: f32, w1: f32, w0: f32, smoothing: f32, logits: bool,
): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    const y = smooth(ld(t, i), smoothing, 0.5);
    const w = y * w1 + (1 - y) * w0;
    let f: f32, bce: f32, d: f32;
    if (logits) {
      const sp = sigmoidPair(v), sn = sigmoidPair(-v);
      const u = y * sn + (1 - y) * sp;
      bce = logitLoss(v, y);
      f = powf(u, gamma);
      d = focalSlope(u, gamma) * (1 - 2 * y) * sp * sn * bce + f * (sp - y);
    } else {
      const q = clipProb(v);
      bce = -(y * logf(q) + (1 - y) * logf(1 - q));
      const u = y * (1 - v) + (1 - y) * v;
      f = powf(u, gamma);
      const dbce: f32 = v == q ? (q - y) / (q * (1 - q)) : 0;
      d = focalSlope(u, gamma) * (1 - 2 * y) * bce + f * dbce;
    }
    s += <f64>(w * f * bce);
    st(dx, i, w * d / <f32>n);
  }
  return s / n;
}
/** dp = w·(γu^(γ−1)(1 − 2y)·bce + u^γ·dbce)/n, u = 1 − p_t; returns mean(w·u^γ·bce); p, t: [rows, cols] */
export function binaryFocalCrossentropyGrad(
  dp: usize, p: usize, t: usize, rows: i32, cols: i32, gamma: f32, w1: f32, w0: f32, smoothing: f32,
): f64 {
  return binaryFocalGradOf(dp, p, t, rows, cols, gamma, w1, w0, smoothing, false);
}
/** out_r = mean_j w·u^γ·bce (as binaryFocalCrossentropyGrad); p, t: [rows, cols], out: [rows] */
export function binaryFocalCrossentropyRows(
  out: usize, p: usize, t: usize, rows: i32, cols: i32, gamma: f32, w1: f32, w0: f32, smoothing: f32,
): void {
  binaryFocalRowsOf(out, p, t, rows, cols, gamma, w1, w0, smoothing, false);
}

/**
 * binary focal cross-entropy of σ(z), overflow-free: dz = w·(γu^(γ−1)(1 − 2y)σ(z)σ(−z)·bce + u^γ(σ(z) − y))/n,
 * bce = max<f32>(z, 0) − z·y + log(1 + e^−|z|); returns the loss; z, t: [rows, cols]
 */
export function binaryFocalCrossentropyLogitsGrad(
  dz: usize, z: usize, t: usize, rows: i32, cols: i32, gamma: f32, w1: f32, w0: f32, smoothing: f32,
): f64 {
  return binaryFocalGradOf(dz, z, t, rows, cols, gamma, w1, w0, smoothing, true);
}
/** out_r = mean_j of the binary focal cross-entropy of σ(z); z, t: [rows, cols], out: [rows] */
export function binaryFocalCrossentropyLogitsRows(
  out: usize, z: usize, t: usize, rows: i32, cols: i32, gamma: f32, w1: f32, w0: f32, smoothing: f32,
): void {
  binaryFocalRowsOf(out, z, t, rows, cols, gamma, w1, w0, smoothing, true);
}

// Categorical focal: −Σ_j α·y_j·(1 − q_j)^γ·log q_j, q = clip(p/Σp), y smoothed towards 1/classes. The fused form
// (`logits`, a constant each caller passes, so the branches fold away): log q_j = z_j − lse(z) and
// 1 − q_j = −expm1(log q_j), so no logit overflows and no clip is needed.
@inline function categoricalFocalRow(
  x: usize, t: usize, o: i32, cols: i32, alpha: f32, gamma: f32, smoothing: f32, logits: bool,
): f32 {
  const shift = rowShift(x, o, cols, logits);
  const k: f32 = <f32>1 / <f32>cols;
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) {
    let u: f32, lq: f32;
    if (logits) {
      lq = ld(x, o + j) - shift;
      u = -Mathf.expm1(lq);
    } else {
      const q = clipProb(ld(x, o + j) / shift);
      u = 1 - q;
      lq = logf(q);
    }
    s -= alpha * smooth(ld(t, o + j), smoothing, k) * powf(u, gamma) * lq;
  }
  return s;
}
// The gradient, written in two passes (dx holds g, or h with logits, first): plain dp_k = (g_k − Σ_j g_j·p_j/S)/S/rows,
// g_j = −αy_j((1 − q_j)^γ/q_j − γ(1 − q_j)^(γ−1)·log q_j) (0 where clipped); fused dz_k = (h_k − q_k·Σ_j h_j)/rows,
// h_j = −αy_j((1 − q_j)^γ − γ·q_j(1 − q_j)^(γ−1)·log q_j).
@inline function categoricalFocalGradOf(
  dx: usize, x: usize, t: usize, rows: i32, cols: i32, alpha: f32, gamma: f32, smoothing: f32, logits: bool,
): f64 {
  const k: f32 = <f32>1 / <f32>rows;
  const c: f32 = <f32>1 / <f32>cols;
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    s += <f64>categoricalFocalRow(x, t, o, cols, alpha, gamma, smoothing, logits);
    const shift = rowShift(x, o, cols, logits);
    let acc: f32 = 0; // Σ_j g_j·p_j/S, or Σ_j h_j
    for (let j = 0; j < cols; j++) {
      if (logits) {
        const lq = ld(x, o + j) - shift;
        const q = expf(lq), u = -Mathf.expm1(lq);
        const y = smooth(ld(t, o + j), smoothing, c);
        const h = -alpha * y * (powf(u, gamma) - focalSlope(u, gamma) * q * lq);
        st(dx, o + j, h);
        acc += h;
      } else {
        const raw = ld(x, o + j) / shift;
        const q = clipProb(raw);
        const y = smooth(ld(t, o + j), smoothing, c);
        const g: f32 = raw == q ? -alpha * y * (powf(1 - q, gamma) / q - focalSlope(1 - q, gamma) * logf(q)) : 0;
        st(dx, o + j, g);
        acc += g * raw;
      }
    }
    for (let j = 0; j < cols; j++) {
      st(dx, o + j, logits ? k * (ld(dx, o + j) - expf(ld(x, o + j) - shift) * acc) : k * (ld(dx, o + j) - acc) / shift);
    }
  }
  return s / rows;
}
/** dp as categoricalFocalGradOf's plain form; returns the mean over rows of −Σ_j α·y_j·(1 − q_j)^γ·log q_j; p, t: [rows, cols] */
export function categoricalFocalCrossentropyGrad(
  dp: usize, p: usize, t: usize, rows: i32, cols: i32, alpha: f32, gamma: f32, smoothing: f32,
): f64 {
  return categoricalFocalGradOf(dp, p, t, rows, cols, alpha, gamma, smoothing, false);
}
/** out_r = −Σ_j α·y_j·(1 − q_j)^γ·log q_j, q = clip(p/Σp); p, t: [rows, cols], out: [rows] */
export function categoricalFocalCrossentropyRows(
  out: usize, p: usize, t: usize, rows: i32, cols: i32, alpha: f32, gamma: f32, smoothing: f32,
): void {
  for (let r = 0; r < rows; r++) st(out, r, categoricalFocalRow(p, t, r * cols, cols, alpha, gamma, smoothing, false));
}
/** categorical focal cross-entropy of softmax<f32>(z): dz as categoricalFocalGradOf's fused form; returns the loss; z, t: [rows, cols] */
export function categoricalFocalCrossentropyLogitsGrad(
  dz: usize, z: usize, t: usize, rows: i32, cols: i32, alpha: f32, gamma: f32, smoothing: f32,
): f64 {
  return categoricalFocalGradOf(dz, z, t, rows, cols, alpha, gamma, smoothing, true);
}
/** out_r = −Σ_j α·y_j·(1 − q_j)^γ·log q_j, q = softmax<f32>(z); z, t: [rows, cols], out: [rows] */
export function categoricalFocalCrossentropyLogitsRows(
  out: usize, z: usize, t: usize, rows: i32, cols: i32, alpha: f32, gamma: f32, smoothing: f32,
): void {
  for (let r = 0; r < rows; r++) st(out, r, categoricalFocalRow(z, t, r * cols, cols, alpha, gamma, smoothing, true));
}
