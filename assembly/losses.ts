// Losses: each value kernel returns the batch's mean loss (f64, summed in a fixed order); its `…Grad`
// twin writes d(mean loss)/d(prediction) and returns the same value, so a training step reads the data once.
// Keras's reduction: mean over the last axis, then over the batch (cross-entropies sum the last axis).
// The `…Logits` forms are the fused, numerically stable ones a sigmoid/softmax output layer uses.
// A plain form and its fused twin share one @inline `…Of` helper; its constant `logits` flag picks the branch.
// The binary and categorical cross-entropies take Keras's label smoothing (`smoothing`, 0 for none); the sparse
// ones an ignored class (`ignore`, NaN for none).
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

// Keras's label smoothing: t·(1 − s) + s·k, k = ½ for binary targets and 1/classes for categorical ones.
@inline function smooth(y: f32, s: f32, k: f32): f32 {
  return y * (1 - s) + s * k;
}

@inline function clipProb(v: f32): f32 {
  return min(max(v, EPSILON), 1 - EPSILON);
}

/** mean(−(t·log p + (1 − t)·log(1 − p))), p clipped to [ε, 1 − ε]; p, t: [rows, cols] */
export function binaryCrossentropy(p: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const q = clipProb(ld(p, i));
    const y = smooth(ld(t, i), smoothing, 0.5);
    s -= <f64>(y * Mathf.log(q) + (1 - y) * Mathf.log(1 - q));
  }
  return s / n;
}
/** dp = (p − t)/(p(1 − p))/n inside the clip range, 0 outside; returns the loss */
export function binaryCrossentropyGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  return binaryCrossentropyGradOf(dp, p, t, rows, cols, smoothing, false);
}

@inline function logitLoss(z: f32, y: f32): f32 {
  // −(y·log σ(z) + (1 − y)·log(1 − σ(z))) rewritten so neither exp nor log can overflow.
  return max(z, 0) - z * y + Mathf.log1p(Mathf.exp(-Mathf.abs(z)));
}
// The binary cross-entropy's gradient: of clipped p, or (`logits`, a constant each caller passes, so the branch
// folds away) of σ(z).
@inline function binaryCrossentropyGradOf(
  dx: usize, x: usize, t: usize, rows: i32, cols: i32, smoothing: f32, logits: bool,
): f64 {
  const n = rows * cols;
  const k: f32 = <f32>1 / <f32>n;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    const y = smooth(ld(t, i), smoothing, 0.5);
    if (logits) {
      s += <f64>logitLoss(v, y);
      st(dx, i, k * (sigmoidPair(v) - y)); // σ(z) from one exp, stable on both sides
    } else {
      const q = clipProb(v);
      s -= <f64>(y * Mathf.log(q) + (1 - y) * Mathf.log(1 - q));
      st(dx, i, v == q ? k * ((q - y) / (q * (1 - q))) : 0);
    }
  }
  return s / n;
}
/** binary cross-entropy of σ(z): mean(max(z, 0) − z·t + log(1 + e^−|z|)); z, t: [rows, cols] */
export function binaryCrossentropyLogits(z: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>logitLoss(ld(z, i), smooth(ld(t, i), smoothing, 0.5));
  return s / n;
}
/** dz = (σ(z) − t)/n; returns the loss */
export function binaryCrossentropyLogitsGrad(dz: usize, z: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  return binaryCrossentropyGradOf(dz, z, t, rows, cols, smoothing, true);
}

// Keras normalises each row of probabilities to sum 1 before clipping: −Σ_j t_j·log(clip(p_j / S)).
@inline function rowSum(p: usize, o: i32, cols: i32): f32 {
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) s += ld(p, o + j);
  return s;
}

/** mean over rows of −Σ_j t_j·log(clip(p_j/Σp)); p, t: [rows, cols] */
export function categoricalCrossentropy(p: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const sum = rowSum(p, o, cols);
    for (let j = 0; j < cols; j++) s -= <f64>(smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols) * Mathf.log(clipProb(ld(p, o + j) / sum)));
  }
  return s / rows;
}
/**
 * dp_j = (T/S − [p_j/S unclipped]·t_j/p_j)/rows, T = Σ t over unclipped entries (a clipped term is a
 * constant of the loss); returns the loss
 */
export function categoricalCrossentropyGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  return categoricalCrossentropyGradOf(dp, p, t, rows, cols, smoothing, false);
}

@inline function smoothedSum(t: usize, o: i32, cols: i32, smoothing: f32): f32 {
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) s += smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols);
  return s;
}

// log Σ e^z over a row, shifted by its max.
@inline function logSumExp(z: usize, o: i32, cols: i32): f32 {
  let m = ld(z, o);
  for (let j = 1; j < cols; j++) m = max(m, ld(z, o + j));
  let s: f32 = 0;
  for (let j = 0; j < cols; j++) s += Mathf.exp(ld(z, o + j) - m);
  return m + Mathf.log(s);
}

// A row's Σp, or (`logits`) its lse(z): what the categorical forms divide by, or subtract.
@inline function rowShift(x: usize, o: i32, cols: i32, logits: bool): f32 {
  return logits ? logSumExp(x, o, cols) : rowSum(x, o, cols);
}
// The categorical cross-entropy's gradient: of p normalised and clipped, or (`logits`, constant) of softmax(z).
@inline function categoricalCrossentropyGradOf(
  dx: usize, x: usize, t: usize, rows: i32, cols: i32, smoothing: f32, logits: bool,
): f64 {
  const k: f32 = <f32>1 / <f32>rows;
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const shift = rowShift(x, o, cols, logits);
    if (logits) {
      const tsum = smoothedSum(t, o, cols, smoothing);
      for (let j = 0; j < cols; j++) {
        const v = ld(x, o + j);
        const y = smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols);
        s += <f64>(y * (shift - v));
        st(dx, o + j, k * (Mathf.exp(v - shift) * tsum - y));
      }
    } else {
      let live: f32 = 0;
      for (let j = 0; j < cols; j++) {
        const q = ld(x, o + j) / shift;
        const c = clipProb(q);
        const y = smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols);
        s -= <f64>(y * Mathf.log(c));
        if (q == c) live += y;
      }
      for (let j = 0; j < cols; j++) {
        const v = ld(x, o + j);
        const q = v / shift;
        st(dx, o + j, k * (live / shift - (q == clipProb(q) ? smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols) / v : 0)));
      }
    }
  }
  return s / rows;
}
/** categorical cross-entropy of softmax(z): mean over rows of Σ_j t_j·(lse(z) − z_j); z, t: [rows, cols] */
export function categoricalCrossentropyLogits(z: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const lse = logSumExp(z, o, cols);
    for (let j = 0; j < cols; j++) s += <f64>(smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols) * (lse - ld(z, o + j)));
  }
  return s / rows;
}
/** dz_j = (softmax(z)_j·Σt − t_j)/rows; returns the loss */
export function categoricalCrossentropyLogitsGrad(dz: usize, z: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  return categoricalCrossentropyGradOf(dz, z, t, rows, cols, smoothing, true);
}

// Sparse forms: labels are class indices stored as f32 (checked to be integers in range by the host). A row
// whose label equals `ignore` (Keras's ignore_class; NaN when there is none) is skipped: its label is never used
// as an index, it has loss 0 and gradient 0, and the mean is over the other rows (Keras's masked mean).
@inline function label(t: usize, r: i32): i32 {
  return <i32>ld(t, r);
}

/** Number of rows whose label is not `ignore`; t: [rows] */
export function counted(t: usize, rows: i32, ignore: f32): i32 {
  let c = 0;
  for (let r = 0; r < rows; r++) if (ld(t, r) != ignore) c++;
  return c;
}

@inline function perCounted(s: f64, t: usize, rows: i32, ignore: f32): f64 {
  const c = counted(t, rows, ignore);
  return c > 0 ? s / c : 0;
}

// The sparse categorical cross-entropy's gradient: of p normalised and clipped, or (`logits`, constant) of softmax(z).
@inline function sparseCategoricalCrossentropyGradOf(
  dx: usize, x: usize, t: usize, rows: i32, cols: i32, ignore: f32, logits: bool,
): f64 {
  const k: f32 = <f32>1 / <f32>max(counted(t, rows, ignore), 1);
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (ld(t, r) == ignore) {
      for (let j = 0; j < cols; j++) st(dx, o + j, 0);
      continue;
    }
    const shift = rowShift(x, o, cols, logits);
    const l = label(t, r);
    if (logits) {
      s += <f64>(shift - ld(x, o + l));
      for (let j = 0; j < cols; j++) st(dx, o + j, k * (Mathf.exp(ld(x, o + j) - shift) - (j == l ? <f32>1 : 0)));
    } else {
      const v = ld(x, o + l);
      const q = v / shift;
      const c = clipProb(q);
      s -= <f64>Mathf.log(c);
      const live = q == c;
      for (let j = 0; j < cols; j++) st(dx, o + j, live ? k * (1 / shift) : 0);
      if (live) st(dx, o + l, k * (1 / shift - 1 / v));
    }
  }
  return perCounted(s, t, rows, ignore);
}
/** mean over counted rows of −log(clip(p[label]/Σp)); a row labelled `ignore` (NaN: none) counts 0; p: [rows, cols], t: [rows] */
export function sparseCategoricalCrossentropy(p: usize, t: usize, rows: i32, cols: i32, ignore: f32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    if (ld(t, r) == ignore) continue;
    const o = r * cols;
    s -= <f64>Mathf.log(clipProb(ld(p, o + label(t, r)) / rowSum(p, o, cols)));
  }
  return perCounted(s, t, rows, ignore);
}
/** dp_j = (1/S − [j = label]/p_j)/counted, 0 for an ignored row or where the label's p/S is clipped; returns the loss */
export function sparseCategoricalCrossentropyGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32, ignore: f32): f64 {
  return sparseCategoricalCrossentropyGradOf(dp, p, t, rows, cols, ignore, false);
}

/** sparse categorical cross-entropy of softmax(z): mean over counted rows of lse(z) − z[label]; z: [rows, cols], t: [rows] */
export function sparseCategoricalCrossentropyLogits(z: usize, t: usize, rows: i32, cols: i32, ignore: f32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    if (ld(t, r) == ignore) continue;
    const o = r * cols;
    s += <f64>(logSumExp(z, o, cols) - ld(z, o + label(t, r)));
  }
  return perCounted(s, t, rows, ignore);
}
/** dz_j = (softmax(z)_j − [j = label])/counted, 0 for an ignored row; returns the loss */
export function sparseCategoricalCrossentropyLogitsGrad(dz: usize, z: usize, t: usize, rows: i32, cols: i32, ignore: f32): f64 {
  return sparseCategoricalCrossentropyGradOf(dz, z, t, rows, cols, ignore, true);
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
export function binaryCrossentropyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32, smoothing: f32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const q = clipProb(ld(p, o + j));
      const y = smooth(ld(t, o + j), smoothing, 0.5);
      s -= <f64>(y * Mathf.log(q) + (1 - y) * Mathf.log(1 - q));
    }
    st(out, r, <f32>(s / cols));
  }
}

/** out_r = mean_j of the binary cross-entropy of σ(z); z, t: [rows, cols], out: [rows] */
export function binaryCrossentropyLogitsRows(out: usize, z: usize, t: usize, rows: i32, cols: i32, smoothing: f32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += <f64>logitLoss(ld(z, o + j), smooth(ld(t, o + j), smoothing, 0.5));
    st(out, r, <f32>(s / cols));
  }
}

/** out_r = −Σ_j t_j·log(clip(p_j/Σp)); p, t: [rows, cols], out: [rows] */
export function categoricalCrossentropyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32, smoothing: f32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const sum = rowSum(p, o, cols);
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s -= <f64>(smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols) * Mathf.log(clipProb(ld(p, o + j) / sum)));
    st(out, r, <f32>s);
  }
}

/** out_r = Σ_j t_j·(lse(z) − z_j); z, t: [rows, cols], out: [rows] */
export function categoricalCrossentropyLogitsRows(out: usize, z: usize, t: usize, rows: i32, cols: i32, smoothing: f32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const lse = logSumExp(z, o, cols);
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) s += <f64>(smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols) * (lse - ld(z, o + j)));
    st(out, r, <f32>s);
  }
}

/** out_r = −log(clip(p[label]/Σp)), 0 where the label is `ignore`; p: [rows, cols], t: [rows], out: [rows] */
export function sparseCategoricalCrossentropyRows(out: usize, p: usize, t: usize, rows: i32, cols: i32, ignore: f32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    st(out, r, ld(t, r) == ignore ? 0 : -Mathf.log(clipProb(ld(p, o + label(t, r)) / rowSum(p, o, cols))));
  }
}

/** out_r = lse(z) − z[label], 0 where the label is `ignore`; z: [rows, cols], t: [rows], out: [rows] */
export function sparseCategoricalCrossentropyLogitsRows(out: usize, z: usize, t: usize, rows: i32, cols: i32, ignore: f32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    st(out, r, ld(t, r) == ignore ? 0 : logSumExp(z, o, cols) - ld(z, o + label(t, r)));
  }
}

/** s + x_0 + x_1 + … + x_{n−1}, added one at a time in f64: a running total continues exactly across chunks. x: [n] */
export function accumulate(x: usize, n: i32, s: f64): f64 {
  for (let i = 0; i < n; i++) s += <f64>ld(x, i);
  return s;
}

// ─── More of Keras's losses: a Grad (returns the batch's mean loss, writes d(mean)/dp) and a Rows form each ───
// Elementwise ones are the mean over the last axis; the class-wise ones (categorical hinge, cosine similarity,
// KL divergence, categorical focal) reduce each row their own way. The mean over rows follows.

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
  return Mathf.log(max<f32>(v, EPSILON) + 1);
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
  return x + max<f32>(y, <f32>0) + Mathf.log1p(Mathf.exp(-Mathf.abs(y))) - <f32>Math.LN2;
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
      s += <f64>(y * Mathf.log(y / q));
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
      s += <f64>(y * Mathf.log(y / clipUnit(ld(p, o + j))));
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
    s += <f64>(v - y * Mathf.log(v + EPSILON));
    st(dp, i, (1 - y / (v + EPSILON)) / <f32>n);
  }
  return s / n;
}
/** out_r = mean_j p − t·log(p + ε); p, t: [rows, cols], out: [rows] */
export function poissonRows(out: usize, p: usize, t: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) { const v = ld(p, o + j); s += <f64>(v - ld(t, o + j) * Mathf.log(v + EPSILON)); }
    st(out, r, <f32>(s / cols));
  }
}

// Focal losses. γ·u^(γ−1) is the derivative of u^γ; at u = 0 it is taken as its limit for γ ≥ 1 and 0 below
// (where it is infinite: the loss has a cusp there).
@inline function focalSlope(u: f32, gamma: f32): f32 {
  if (u > 0) return gamma * Mathf.pow(u, gamma - 1);
  return gamma == 1 ? 1 : 0;
}

// σ(z) and 1 − σ(z) from one exp of −|z|, both exact at any |z|.
@inline function sigmoidPair(z: f32): f32 {
  const e = Mathf.exp(-Mathf.abs(z));
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
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
    bce = -(y * Mathf.log(q) + (1 - y) * Mathf.log(1 - q));
    u = y * (1 - v) + (1 - y) * v;
  }
  return (y * w1 + (1 - y) * w0) * Mathf.pow(u, gamma) * bce;
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
      f = Mathf.pow(u, gamma);
      d = focalSlope(u, gamma) * (1 - 2 * y) * sp * sn * bce + f * (sp - y);
    } else {
      const q = clipProb(v);
      bce = -(y * Mathf.log(q) + (1 - y) * Mathf.log(1 - q));
      const u = y * (1 - v) + (1 - y) * v;
      f = Mathf.pow(u, gamma);
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
      lq = Mathf.log(q);
    }
    s -= alpha * smooth(ld(t, o + j), smoothing, k) * Mathf.pow(u, gamma) * lq;
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
        const q = Mathf.exp(lq), u = -Mathf.expm1(lq);
        const y = smooth(ld(t, o + j), smoothing, c);
        const h = -alpha * y * (Mathf.pow(u, gamma) - focalSlope(u, gamma) * q * lq);
        st(dx, o + j, h);
        acc += h;
      } else {
        const raw = ld(x, o + j) / shift;
        const q = clipProb(raw);
        const y = smooth(ld(t, o + j), smoothing, c);
        const g: f32 = raw == q ? -alpha * y * (Mathf.pow(1 - q, gamma) / q - focalSlope(1 - q, gamma) * Mathf.log(q)) : 0;
        st(dx, o + j, g);
        acc += g * raw;
      }
    }
    for (let j = 0; j < cols; j++) {
      st(dx, o + j, logits ? k * (ld(dx, o + j) - Mathf.exp(ld(x, o + j) - shift) * acc) : k * (ld(dx, o + j) - acc) / shift);
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
