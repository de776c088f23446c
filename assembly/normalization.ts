// Batch normalization over the last axis (Keras's BatchNormalization, axis −1), forward in training and in
// inference, and backward. Every statistic is per channel over all rows (batch × spatial positions); never allocates.
import { ld, st, ld4, st4, floor4 } from './simd';

// Layouts: x, out, xhat, dx, dy: [rows, channels]; mean, invStd, gamma, beta, moving*, dgamma, dbeta: [channels].
// gamma 0: no scale (1); beta 0: no centre (0).

// NOTE: the per-channel sums (mean, variance, Σdy, Σdy·xhat) run over the rows in f64, rows ascending: a batch of
// 25,000 rows summed in f32 loses about 3 digits, and the variance and dx formulas then cancel what is left. A
// block of four channels is two f64x2 accumulators (lanes 0–1, 2–3), each lane the scalar tail's f64 add.

/** Lanes 0–1 of four f32 as two f64. */
@inline function low64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2–3 of four f32 as two f64. */
@inline function high64(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Two f64x2 (lanes 0–1, 2–3) rounded to one f32x4. */
@inline function demote(lo: v128, hi: v128): v128 {
  return f32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** gamma[c..c+3], or ones when there is no scale. */
@inline function scale4(gamma: usize, c: i32): v128 {
  return gamma != 0 ? ld4(gamma, c) : f32x4.splat(1);
}

/** beta[c..c+3], or zeros when there is no centre. */
@inline function centre4(beta: usize, c: i32): v128 {
  return beta != 0 ? ld4(beta, c) : f32x4.splat(0);
}

@inline function scale1(gamma: usize, c: i32): f32 {
  return gamma != 0 ? ld(gamma, c) : 1;
}

@inline function centre1(beta: usize, c: i32): f32 {
  return beta != 0 ? ld(beta, c) : 0;
}

/**
 * mean[c] = Σ_r x[r,c] / rows, var = Σ_r (x[r,c] − mean)² / rows (biased, two passes in f64), invStd[c] = 1/√(var + ε),
 * xhat = (x − mean)·invStd, out = xhat·gamma + beta; then moving = moving·momentum + batch·(1 − momentum) for the
 * mean and var (no Bessel correction, as Keras 3). rows ≤ 0: nothing is read or written.
 */
export function batchNormTrain(out: usize, xhat: usize, mean: usize, invStd: usize, x: usize, gamma: usize, beta: usize,
  movingMean: usize, movingVar: usize, rows: i32, channels: i32, momentum: f32, epsilon: f32): void {
  if (rows <= 0) return; // no statistics: the moving ones must not turn into NaN
  const c4 = floor4(channels);
  const n = <f64>rows;
  const keep = f32x4.splat(momentum), take = f32x4.splat(<f32>1 - momentum);
  let c = 0;
  for (; c < c4; c += 4) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    for (let r = 0; r < rows; r++) {
      const v = ld4(x, r * channels + c);
      s0 = f64x2.add(s0, low64(v));
      s1 = f64x2.add(s1, high64(v));
    }
    const m0 = f64x2.div(s0, f64x2.splat(n)), m1 = f64x2.div(s1, f64x2.splat(n));
    let q0 = f64x2.splat(0), q1 = f64x2.splat(0);
    for (let r = 0; r < rows; r++) {
      const v = ld4(x, r * channels + c);
      const d0 = f64x2.sub(low64(v), m0), d1 = f64x2.sub(high64(v), m1);
      q0 = f64x2.add(q0, f64x2.mul(d0, d0));
      q1 = f64x2.add(q1, f64x2.mul(d1, d1));
    }
    const mu = demote(m0, m1);
    const variance = demote(f64x2.div(q0, f64x2.splat(n)), f64x2.div(q1, f64x2.splat(n)));
    const inv = f32x4.div(f32x4.splat(1), f32x4.sqrt(f32x4.add(variance, f32x4.splat(epsilon))));
    st4(mean, c, mu);
    st4(invStd, c, inv);
    st4(movingMean, c, f32x4.add(f32x4.mul(ld4(movingMean, c), keep), f32x4.mul(mu, take)));
    st4(movingVar, c, f32x4.add(f32x4.mul(ld4(movingVar, c), keep), f32x4.mul(variance, take)));
    const g = scale4(gamma, c), b = centre4(beta, c);
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      const h = f32x4.mul(f32x4.sub(ld4(x, i), mu), inv);
      st4(xhat, i, h);
      st4(out, i, f32x4.add(f32x4.mul(h, g), b));
    }
  }
  for (; c < channels; c++) {
    let s: f64 = 0;
    for (let r = 0; r < rows; r++) s += <f64>ld(x, r * channels + c);
    const m = s / n;
    let q: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const d = <f64>ld(x, r * channels + c) - m;
      q += d * d;
    }
    const mu = <f32>m;
    const variance = <f32>(q / n);
    const inv = <f32>1 / Mathf.sqrt(variance + epsilon);
    st(mean, c, mu);
    st(invStd, c, inv);
    st(movingMean, c, ld(movingMean, c) * momentum + mu * (<f32>1 - momentum));
    st(movingVar, c, ld(movingVar, c) * momentum + variance * (<f32>1 - momentum));
    const g = scale1(gamma, c), b = centre1(beta, c);
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      const h = (ld(x, i) - mu) * inv;
      st(xhat, i, h);
      st(out, i, h * g + b);
    }
  }
}

/**
 * out = (x − movingMean)·(1/√(movingVar + ε))·gamma + beta, per element (the same steps as batchNormTrain's xhat
 * and out, so moving statistics equal to a batch's give its training output bit for bit); x, out: [rows, channels]
 */
export function batchNormInference(out: usize, x: usize, gamma: usize, beta: usize, movingMean: usize, movingVar: usize,
  rows: i32, channels: i32, epsilon: f32): void {
  const c4 = floor4(channels);
  let c = 0;
  for (; c < c4; c += 4) {
    const mu = ld4(movingMean, c);
    const inv = f32x4.div(f32x4.splat(1), f32x4.sqrt(f32x4.add(ld4(movingVar, c), f32x4.splat(epsilon))));
    const g = scale4(gamma, c), b = centre4(beta, c);
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      st4(out, i, f32x4.add(f32x4.mul(f32x4.mul(f32x4.sub(ld4(x, i), mu), inv), g), b));
    }
  }
  for (; c < channels; c++) {
    const mu = ld(movingMean, c);
    const inv = <f32>1 / Mathf.sqrt(ld(movingVar, c) + epsilon);
    const g = scale1(gamma, c), b = centre1(beta, c);
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      st(out, i, (ld(x, i) - mu) * inv * g + b);
    }
  }
}

/**
 * With N = rows: dbeta[c] = Σ_r dy, dgamma[c] = Σ_r dy·xhat (f64 sums, rows ascending), and
 * dx = gamma·invStd/N·(N·dy − Σdy − xhat·Σ(dy·xhat)) (the gradient through the batch's own statistics);
 * gamma 0: 1; dx, dgamma or dbeta 0: not written. dx may be dy: a channel's sums are taken before its dx is written.
 */
export function batchNormGrad(dx: usize, dgamma: usize, dbeta: usize, dy: usize, xhat: usize, invStd: usize, gamma: usize,
  rows: i32, channels: i32): void {
  const c4 = floor4(channels);
  const n = <f32>rows;
  let c = 0;
  for (; c < c4; c += 4) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), p0 = f64x2.splat(0), p1 = f64x2.splat(0);
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      const g = ld4(dy, i), h = ld4(xhat, i);
      const g0 = low64(g), g1 = high64(g);
      s0 = f64x2.add(s0, g0);
      s1 = f64x2.add(s1, g1);
      p0 = f64x2.add(p0, f64x2.mul(g0, low64(h)));
      p1 = f64x2.add(p1, f64x2.mul(g1, high64(h)));
    }
    const sum = demote(s0, s1), dot = demote(p0, p1);
    if (dbeta != 0) st4(dbeta, c, sum);
    if (dgamma != 0) st4(dgamma, c, dot);
    if (dx == 0) continue;
    const k = f32x4.div(f32x4.mul(scale4(gamma, c), ld4(invStd, c)), f32x4.splat(n));
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      const t = f32x4.sub(f32x4.sub(f32x4.mul(f32x4.splat(n), ld4(dy, i)), sum), f32x4.mul(ld4(xhat, i), dot));
      st4(dx, i, f32x4.mul(k, t));
    }
  }
  for (; c < channels; c++) {
    let s: f64 = 0, p: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      const g = <f64>ld(dy, i);
      s += g;
      p += g * <f64>ld(xhat, i);
    }
    const sum = <f32>s, dot = <f32>p;
    if (dbeta != 0) st(dbeta, c, sum);
    if (dgamma != 0) st(dgamma, c, dot);
    if (dx == 0) continue;
    const k = scale1(gamma, c) * ld(invStd, c) / n;
    for (let r = 0; r < rows; r++) {
      const i = r * channels + c;
      st(dx, i, k * ((n * ld(dy, i) - sum) - ld(xhat, i) * dot));
    }
  }
}
