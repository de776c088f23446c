// Losses: each value kernel returns the batch's mean loss (f64, summed in a fixed order); its `…Grad`
// twin writes d(mean loss)/d(prediction) and returns the same value, so a training step reads the data once.
// Keras's reduction: mean over the last axis, then over the batch (cross-entropies sum the last axis).
// The `…Logits` forms are the fused, numerically stable ones a sigmoid/softmax output layer uses.
// A plain form and its fused twin share one @inline `…Of` helper; its constant `logits` flag picks the branch.
// The binary and categorical cross-entropies take Keras's label smoothing (`smoothing`, 0 for none); the sparse
// ones an ignored class (`ignore`, NaN for none).
import { ld, st } from './simd';
import { EPSILON, clipProb, logSumExp, logitLoss, lseOf, rowSum, shiftedExps, sigmoidPair, smooth } from './probability';
import { expInPlace, logf } from './math';

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

/** mean(−(t·log p + (1 − t)·log(1 − p))), p clipped to [ε, 1 − ε]; p, t: [rows, cols] */
export function binaryCrossentropy(p: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  const n = rows * cols;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const q = clipProb(ld(p, i));
    const y = smooth(ld(t, i), smoothing, 0.5);
    s -= <f64>(y * logf(q) + (1 - y) * logf(1 - q));
  }
  return s / n;
}
/** dp = (p − t)/(p(1 − p))/n inside the clip range, 0 outside; returns the loss */
export function binaryCrossentropyGrad(dp: usize, p: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  return binaryCrossentropyGradOf(dp, p, t, rows, cols, smoothing, false);
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
      s -= <f64>(y * logf(q) + (1 - y) * logf(1 - q));
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

/** mean over rows of −Σ_j t_j·log(clip(p_j/Σp)); p, t: [rows, cols] */
export function categoricalCrossentropy(p: usize, t: usize, rows: i32, cols: i32, smoothing: f32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const sum = rowSum(p, o, cols);
    for (let j = 0; j < cols; j++) s -= <f64>(smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols) * logf(clipProb(ld(p, o + j) / sum)));
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

// The categorical cross-entropy's gradient: of p normalised and clipped, or (`logits`, constant) of softmax(z).
@inline function categoricalCrossentropyGradOf(
  dx: usize, x: usize, t: usize, rows: i32, cols: i32, smoothing: f32, logits: bool,
): f64 {
  const k: f32 = <f32>1 / <f32>rows;
  let s: f64 = 0;
  if (logits) {
    // softmax(z) in passes (see shiftedExps); per row the same operations in the same order as one row at a time.
    shiftedExps(dx, x, rows, cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      const shift = lseOf(dx, x, o, cols);
      for (let j = 0; j < cols; j++) {
        const v = ld(x, o + j);
        s += <f64>(smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols) * (shift - v));
        st(dx, o + j, v - shift);
      }
    }
    expInPlace(dx, rows * cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      const tsum = smoothedSum(t, o, cols, smoothing);
      for (let j = 0; j < cols; j++) st(dx, o + j, k * (ld(dx, o + j) * tsum - smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols)));
    }
    return s / rows;
  }
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const shift = rowSum(x, o, cols);
    let live: f32 = 0;
    for (let j = 0; j < cols; j++) {
      const q = ld(x, o + j) / shift;
      const c = clipProb(q);
      const y = smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols);
      s -= <f64>(y * logf(c));
      if (q == c) live += y;
    }
    for (let j = 0; j < cols; j++) {
      const v = ld(x, o + j);
      const q = v / shift;
      st(dx, o + j, k * (live / shift - (q == clipProb(q) ? smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols) / v : 0)));
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
  if (logits) {
    // softmax(z) in passes (see shiftedExps); per row the same operations in the same order as one row at a time.
    shiftedExps(dx, x, rows, cols);
    for (let r = 0; r < rows; r++) {
      if (ld(t, r) == ignore) continue; // its exps are overwritten with 0 below
      const o = r * cols;
      const shift = lseOf(dx, x, o, cols);
      s += <f64>(shift - ld(x, o + label(t, r)));
      for (let j = 0; j < cols; j++) st(dx, o + j, ld(x, o + j) - shift);
    }
    expInPlace(dx, rows * cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      if (ld(t, r) == ignore) {
        for (let j = 0; j < cols; j++) st(dx, o + j, 0);
        continue;
      }
      const l = label(t, r);
      for (let j = 0; j < cols; j++) st(dx, o + j, k * (ld(dx, o + j) - (j == l ? <f32>1 : 0)));
    }
    return perCounted(s, t, rows, ignore);
  }
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (ld(t, r) == ignore) {
      for (let j = 0; j < cols; j++) st(dx, o + j, 0);
      continue;
    }
    const shift = rowSum(x, o, cols);
    const l = label(t, r);
    const v = ld(x, o + l);
    const q = v / shift;
    const c = clipProb(q);
    s -= <f64>logf(c);
    const live = q == c;
    for (let j = 0; j < cols; j++) st(dx, o + j, live ? k * (1 / shift) : 0);
    if (live) st(dx, o + l, k * (1 / shift - 1 / v));
  }
  return perCounted(s, t, rows, ignore);
}
/** mean over counted rows of −log(clip(p[label]/Σp)); a row labelled `ignore` (NaN: none) counts 0; p: [rows, cols], t: [rows] */
export function sparseCategoricalCrossentropy(p: usize, t: usize, rows: i32, cols: i32, ignore: f32): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    if (ld(t, r) == ignore) continue;
    const o = r * cols;
    s -= <f64>logf(clipProb(ld(p, o + label(t, r)) / rowSum(p, o, cols)));
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
      s -= <f64>(y * logf(q) + (1 - y) * logf(1 - q));
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
    for (let j = 0; j < cols; j++) s -= <f64>(smooth(ld(t, o + j), smoothing, <f32>1 / <f32>cols) * logf(clipProb(ld(p, o + j) / sum)));
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
    st(out, r, ld(t, r) == ignore ? 0 : -logf(clipProb(ld(p, o + label(t, r)) / rowSum(p, o, cols))));
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
