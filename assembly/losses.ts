// Losses: each value kernel returns the batch's mean loss (f64, summed in a fixed order); its `…Grad`
// twin writes d(mean loss)/d(prediction) and returns the same value, so a training step reads the data once.
// Keras's reduction: mean over the last axis, then over the batch (cross-entropies sum the last axis).
// The `…Logits` forms are the fused, numerically stable ones a sigmoid/softmax output layer uses.
import { ld, st } from './simd';

const EPSILON: f32 = 1e-7; // Keras's backend epsilon: probabilities are clipped to [ε, 1 − ε]

/** mean((p − t)²); p, t: [rows, cols] */
export function meanSquaredError(p: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) { const d = ld(p, i) - ld(t, i); s += <f64>(d * d); }
  return s / n;
}
/** dp = 2(p − t)/n; returns mean((p − t)²) */
export function meanSquaredErrorGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  const k: f32 = <f32>2 / <f32>n;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) { const d = ld(p, i) - ld(t, i); s += <f64>(d * d); st(dp, i, k * d); }
  return s / n;
}

/** mean(|p − t|); p, t: [rows, cols] */
export function meanAbsoluteError(p: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>Mathf.abs(ld(p, i) - ld(t, i));
  return s / n;
}
/** dp = sign(p − t)/n; returns mean(|p − t|) */
export function meanAbsoluteErrorGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  const k: f32 = <f32>1 / <f32>n;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const d = ld(p, i) - ld(t, i);
    s += <f64>Mathf.abs(d);
    st(dp, i, d > 0 ? k : d < 0 ? -k : 0);
  }
  return s / n;
}

@inline function huberOf(d: f32, delta: f32): f32 {
  const a = Mathf.abs(d);
  return a <= delta ? 0.5 * d * d : delta * a - 0.5 * delta * delta;
}
/** mean(½d² if |d| ≤ δ else δ|d| − ½δ²), d = p − t; p, t: [rows, cols] */
export function huber(p: usize, t: usize, rows: i32, cols: i32, delta: f32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>huberOf(ld(p, i) - ld(t, i), delta);
  return s / n;
}
/** dp = clamp(p − t, −δ, δ)/n; returns the huber loss */
export function huberGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32, delta: f32): f64 {
  const n = rows * cols;
  const k: f32 = <f32>1 / <f32>n;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const d = ld(p, i) - ld(t, i);
    s += <f64>huberOf(d, delta);
    st(dp, i, k * min(max(d, -delta), delta));
  }
  return s / n;
}

@inline function clipProb(v: f32): f32 {
  return min(max(v, EPSILON), 1 - EPSILON);
}

/** mean(−(t·log p + (1 − t)·log(1 − p))), p clipped to [ε, 1 − ε]; p, t: [rows, cols] */
export function binaryCrossentropy(p: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const q = clipProb(ld(p, i));
    const y = ld(t, i);
    s -= <f64>(y * Mathf.log(q) + (1 - y) * Mathf.log(1 - q));
  }
  return s / n;
}
/** dp = (p − t)/(p(1 − p))/n inside the clip range, 0 outside; returns the loss */
export function binaryCrossentropyGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  const k: f32 = <f32>1 / <f32>n;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = ld(p, i);
    const q = clipProb(v);
    const y = ld(t, i);
    s -= <f64>(y * Mathf.log(q) + (1 - y) * Mathf.log(1 - q));
    st(dp, i, v == q ? k * ((q - y) / (q * (1 - q))) : 0);
  }
  return s / n;
}

@inline function logitLoss(z: f32, y: f32): f32 {
  // −(y·log σ(z) + (1 − y)·log(1 − σ(z))) rewritten so neither exp nor log can overflow.
  return max(z, 0) - z * y + Mathf.log1p(Mathf.exp(-Mathf.abs(z)));
}
/** binary cross-entropy of σ(z): mean(max(z, 0) − z·t + log(1 + e^−|z|)); z, t: [rows, cols] */
export function binaryCrossentropyLogits(z: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>logitLoss(ld(z, i), ld(t, i));
  return s / n;
}
/** dz = (σ(z) − t)/n; returns the loss */
export function binaryCrossentropyLogitsGrad(dz: usize, z: usize, t: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  const k: f32 = <f32>1 / <f32>n;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = ld(z, i);
    const y = ld(t, i);
    s += <f64>logitLoss(v, y);
    const e = Mathf.exp(-Mathf.abs(v)); // σ(z) from the same exp, stable on both sides
    const sig: f32 = v >= 0 ? 1 / (1 + e) : e / (1 + e);
    st(dz, i, k * (sig - y));
  }
  return s / n;
}

// Keras normalises each row of probabilities to sum 1 before clipping: −Σ_j t_j·log(clip(p_j / S)).
@inline function rowSum(p: usize, o: i32, cols: i32): f32 {
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) s += ld(p, o + j);
  return s;
}

/** mean over rows of −Σ_j t_j·log(clip(p_j/Σp)); p, t: [rows, cols] */
export function categoricalCrossentropy(p: usize, t: usize, rows: i32, cols: i32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const sum = rowSum(p, o, cols);
    for (let j = 0; j < cols; j++) s -= <f64>(ld(t, o + j) * Mathf.log(clipProb(ld(p, o + j) / sum)));
  }
  return s / rows;
}
/**
 * dp_j = (T/S − [p_j/S unclipped]·t_j/p_j)/rows, T = Σ t over unclipped entries (a clipped term is a
 * constant of the loss); returns the loss
 */
export function categoricalCrossentropyGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const k: f32 = <f32>1 / <f32>rows;
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const sum = rowSum(p, o, cols);
    let live: f32 = 0;
    for (let j = 0; j < cols; j++) {
      const q = ld(p, o + j) / sum;
      const c = clipProb(q);
      const y = ld(t, o + j);
      s -= <f64>(y * Mathf.log(c));
      if (q == c) live += y;
    }
    for (let j = 0; j < cols; j++) {
      const v = ld(p, o + j);
      const q = v / sum;
      st(dp, o + j, k * (live / sum - (q == clipProb(q) ? ld(t, o + j) / v : 0)));
    }
  }
  return s / rows;
}

// log Σ e^z over a row, shifted by its max.
@inline function logSumExp(z: usize, o: i32, cols: i32): f32 {
  let m = ld(z, o);
  for (let j = 1; j < cols; j++) m = max(m, ld(z, o + j));
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) s += Mathf.exp(ld(z, o + j) - m);
  return m + Mathf.log(s);
}

/** categorical cross-entropy of softmax(z): mean over rows of Σ_j t_j·(lse(z) − z_j); z, t: [rows, cols] */
export function categoricalCrossentropyLogits(z: usize, t: usize, rows: i32, cols: i32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const lse = logSumExp(z, o, cols);
    for (let j = 0; j < cols; j++) s += <f64>(ld(t, o + j) * (lse - ld(z, o + j)));
  }
  return s / rows;
}
/** dz_j = (softmax(z)_j·Σt − t_j)/rows; returns the loss */
export function categoricalCrossentropyLogitsGrad(dz: usize, z: usize, t: usize, rows: i32, cols: i32): f64 {
  const k: f32 = <f32>1 / <f32>rows;
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const lse = logSumExp(z, o, cols);
    const tsum = rowSum(t, o, cols);
    for (let j = 0; j < cols; j++) {
      const v = ld(z, o + j);
      const y = ld(t, o + j);
      s += <f64>(y * (lse - v));
      st(dz, o + j, k * (Mathf.exp(v - lse) * tsum - y));
    }
  }
  return s / rows;
}

// Sparse forms: labels are class indices stored as f32 (checked to be integers in range by the host).
@inline function label(t: usize, r: i32): i32 {
  return <i32>ld(t, r);
}

/** mean over rows of −log(clip(p[label]/Σp)); p: [rows, cols], t: [rows] */
export function sparseCategoricalCrossentropy(p: usize, t: usize, rows: i32, cols: i32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    s -= <f64>Mathf.log(clipProb(ld(p, o + label(t, r)) / rowSum(p, o, cols)));
  }
  return s / rows;
}
/** dp_j = (1/S − [j = label]/p_j)/rows, or 0 for the whole row where the label's p/S is clipped; returns the loss */
export function sparseCategoricalCrossentropyGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32): f64 {
  const k: f32 = <f32>1 / <f32>rows;
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const sum = rowSum(p, o, cols);
    const l = label(t, r);
    const v = ld(p, o + l);
    const q = v / sum;
    const c = clipProb(q);
    s -= <f64>Mathf.log(c);
    const live = q == c;
    for (let j = 0; j < cols; j++) st(dp, o + j, live ? k * (1 / sum) : 0);
    if (live) st(dp, o + l, k * (1 / sum - 1 / v));
  }
  return s / rows;
}

/** sparse categorical cross-entropy of softmax(z): mean over rows of lse(z) − z[label]; z: [rows, cols], t: [rows] */
export function sparseCategoricalCrossentropyLogits(z: usize, t: usize, rows: i32, cols: i32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    s += <f64>(logSumExp(z, o, cols) - ld(z, o + label(t, r)));
  }
  return s / rows;
}
/** dz_j = (softmax(z)_j − [j = label])/rows; returns the loss */
export function sparseCategoricalCrossentropyLogitsGrad(dz: usize, z: usize, t: usize, rows: i32, cols: i32): f64 {
  const k: f32 = <f32>1 / <f32>rows;
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const lse = logSumExp(z, o, cols);
    const l = label(t, r);
    s += <f64>(lse - ld(z, o + l));
    for (let j = 0; j < cols; j++) st(dz, o + j, k * (Mathf.exp(ld(z, o + j) - lse) - (j == l ? <f32>1 : 0)));
  }
  return s / rows;
}

// ─── Per-row losses ───
// Each row's loss (Keras's reduction 'none': the mean over the last axis, or the cross-entropy's sum),
// written as f32 to out: [rows]. A row's value never depends on the rows around it, so totals made with
// `accumulate` are the same bits however the rows are cut into batches.

/** out_r = mean_j (p − t)²; p, t: [rows, cols], out: [rows] */
export function meanSquaredErrorRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) { const d = ld(p, o + j) - ld(t, o + j); s += <f64>(d * d); }
    st(out, r, <f32>(s / cols));
  }
}

/** out_r = mean_j |p − t|; p, t: [rows, cols], out: [rows] */
export function meanAbsoluteErrorRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += <f64>Mathf.abs(ld(p, o + j) - ld(t, o + j));
    st(out, r, <f32>(s / cols));
  }
}

/** out_r = mean_j huber(p − t, δ); p, t: [rows, cols], out: [rows] */
export function huberRows(out: usize, p: usize, t: usize, rows: i32, cols: i32, delta: f32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += <f64>huberOf(ld(p, o + j) - ld(t, o + j), delta);
    st(out, r, <f32>(s / cols));
  }
}

/** out_r = mean_j −(t·log p + (1 − t)·log(1 − p)), p clipped; p, t: [rows, cols], out: [rows] */
export function binaryCrossentropyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const q = clipProb(ld(p, o + j));
      const y = ld(t, o + j);
      s -= <f64>(y * Mathf.log(q) + (1 - y) * Mathf.log(1 - q));
    }
    st(out, r, <f32>(s / cols));
  }
}

/** out_r = mean_j of the binary cross-entropy of σ(z); z, t: [rows, cols], out: [rows] */
export function binaryCrossentropyLogitsRows(out: usize, z: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += <f64>logitLoss(ld(z, o + j), ld(t, o + j));
    st(out, r, <f32>(s / cols));
  }
}

/** out_r = −Σ_j t_j·log(clip(p_j/Σp)); p, t: [rows, cols], out: [rows] */
export function categoricalCrossentropyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const sum = rowSum(p, o, cols);
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s -= <f64>(ld(t, o + j) * Mathf.log(clipProb(ld(p, o + j) / sum)));
    st(out, r, <f32>s);
  }
}

/** out_r = Σ_j t_j·(lse(z) − z_j); z, t: [rows, cols], out: [rows] */
export function categoricalCrossentropyLogitsRows(out: usize, z: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const lse = logSumExp(z, o, cols);
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += <f64>(ld(t, o + j) * (lse - ld(z, o + j)));
    st(out, r, <f32>s);
  }
}

/** out_r = −log(clip(p[label]/Σp)); p: [rows, cols], t: [rows], out: [rows] */
export function sparseCategoricalCrossentropyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    st(out, r, -Mathf.log(clipProb(ld(p, o + label(t, r)) / rowSum(p, o, cols))));
  }
}

/** out_r = lse(z) − z[label]; z: [rows, cols], t: [rows], out: [rows] */
export function sparseCategoricalCrossentropyLogitsRows(out: usize, z: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    st(out, r, logSumExp(z, o, cols) - ld(z, o + label(t, r)));
  }
}

/** s + x_0 + x_1 + … + x_{n−1}, added one at a time in f64: a running total continues exactly across chunks. x: [n] */
export function accumulate(x: usize, n: i32, s: f64): f64 {
  for (let i = 0; i < n; i++) s += <f64>ld(x, i);
  return s;
}
