// Optimizer updates over one flat parameter vector (all of a model's weights, gradients and slots are
// contiguous), so a step is one call. Operation order follows Keras 3 so results match it to float error.
import { ld, st, ld4, st4, floor4 } from './simd';
import { powf } from './math';

/** w −= lr·g; w, g: [n] */
export function sgdStep(w: usize, g: usize, n: i32, learningRate: f32): void {
  const lr = f32x4.splat(learningRate);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) st4(w, i, f32x4.sub(ld4(w, i), f32x4.mul(lr, ld4(g, i))));
  for (; i < n; i++) st(w, i, ld(w, i) - learningRate * ld(g, i));
}

/** v = μv − lr·g; w += v, or w += μv − lr·g when nesterov; w, v, g: [n] */
export function sgdMomentumStep(w: usize, v: usize, g: usize, n: i32, learningRate: f32, momentum: f32, nesterov: bool): void {
  for (let i = 0; i < n; i++) {
    const step = learningRate * ld(g, i);
    const vel = momentum * ld(v, i) - step;
    st(v, i, vel);
    st(w, i, nesterov ? ld(w, i) + (momentum * vel - step) : ld(w, i) + vel);
  }
}

/**
 * Adam, Keras's form: w −= w·decay (AdamW's lr·wd; 0 for Adam); m += (g − m)·c1; v += (g² − v)·c2;
 * w −= alpha·m/(√v + ε). The host passes alpha = lr·√(1 − β2ᵗ)/(1 − β1ᵗ), c1 = 1 − β1, c2 = 1 − β2, computed
 * in f64 as Keras computes its Python-float constants; w, m, v, g: [n]
 */
export function adamStep(w: usize, m: usize, v: usize, g: usize, n: i32, alpha: f32, beta1Complement: f32,
  beta2Complement: f32, epsilon: f32, decay: f32): void {
  const a = f32x4.splat(alpha);
  const c1 = f32x4.splat(beta1Complement);
  const c2 = f32x4.splat(beta2Complement);
  const eps = f32x4.splat(epsilon);
  const d = f32x4.splat(decay);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) {
    let wv = ld4(w, i);
    if (decay != 0) wv = f32x4.sub(wv, f32x4.mul(wv, d));
    const gv = ld4(g, i);
    let mv = ld4(m, i);
    let vv = ld4(v, i);
    mv = f32x4.add(mv, f32x4.mul(f32x4.sub(gv, mv), c1));
    vv = f32x4.add(vv, f32x4.mul(f32x4.sub(f32x4.mul(gv, gv), vv), c2));
    st4(m, i, mv);
    st4(v, i, vv);
    st4(w, i, f32x4.sub(wv, f32x4.div(f32x4.mul(mv, a), f32x4.add(f32x4.sqrt(vv), eps))));
  }
  for (; i < n; i++) {
    let wv = ld(w, i);
    if (decay != 0) wv = wv - wv * decay;
    const gv = ld(g, i);
    const mv = ld(m, i) + (gv - ld(m, i)) * beta1Complement;
    const vv = ld(v, i) + (gv * gv - ld(v, i)) * beta2Complement;
    st(m, i, mv);
    st(v, i, vv);
    st(w, i, wv - (mv * alpha) / (Mathf.sqrt(vv) + epsilon));
  }
}

// RMSprop's last move, with momentum μ > 0: u = μu + s, w −= u; else w −= s.
@inline function rmspropApply(w: usize, u: usize, i: i32, step: f32, momentum: f32): void {
  if (momentum > 0) {
    const uv = momentum * ld(u, i) + step;
    st(u, i, uv);
    st(w, i, ld(w, i) - uv);
  } else {
    st(w, i, ld(w, i) - step);
  }
}

/**
 * v = ρv + (1 − ρ)g²; s = lr·g/√(v + ε); with momentum μ: u = μu + s, w −= u, else w −= s. The host passes
 * rhoComplement = 1 − ρ computed in f64, as Keras does; all [n]
 */
export function rmspropStep(w: usize, v: usize, u: usize, g: usize, n: i32, learningRate: f32, rho: f32, rhoComplement: f32,
  epsilon: f32, momentum: f32): void {
  for (let i = 0; i < n; i++) {
    const gv = ld(g, i);
    const vv = rho * ld(v, i) + rhoComplement * (gv * gv);
    st(v, i, vv);
    const step = learningRate * gv / Mathf.sqrt(vv + epsilon);
    rmspropApply(w, u, i, step, momentum);
  }
}

/** g = clamp(g, −c, c); g: [n] */
export function clipByValue(g: usize, n: i32, clipValue: f32): void {
  for (let i = 0; i < n; i++) st(g, i, min(max(ld(g, i), -clipValue), clipValue));
}

/** Σ x²; x: [n] (f64 accumulation) */
export function sumSquares(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) { const v = <f64>ld(x, i); s += v * v; }
  return s;
}

/** g = g·c / max(norm, c), Keras's clip_by_norm given the norm of the group; g: [n] */
export function clipByNorm(g: usize, n: i32, norm: f32, clipNorm: f32): void {
  if (norm <= clipNorm) return;
  for (let i = 0; i < n; i++) st(g, i, ld(g, i) * clipNorm / norm);
}

/** g += l1·sign(w) + 2·l2·w; returns l1·Σ|w| + l2·Σw² (Keras's L1L2 penalty); w, g: [n] */
export function regularize(g: usize, w: usize, n: i32, l1: f32, l2: f32): f64 {
  let a: f64 = 0, b: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = ld(w, i);
    a += <f64>Mathf.abs(v);
    b += <f64>(v * v);
    st(g, i, ld(g, i) + l1 * (v > 0 ? <f32>1 : v < 0 ? <f32>-1 : 0) + 2 * l2 * v);
  }
  return <f64>l1 * a + <f64>l2 * b;
}

/** Σ l1·|w| + l2·w², the penalty alone (for evaluate); w: [n] */
export function regularizerPenalty(w: usize, n: i32, l1: f32, l2: f32): f64 {
  let a: f64 = 0, b: f64 = 0;
  for (let i = 0; i < n; i++) { const v = ld(w, i); a += <f64>Mathf.abs(v); b += <f64>(v * v); }
  return <f64>l1 * a + <f64>l2 * b;
}

/** w −= w·decay (decoupled weight decay; the host passes decay = lr·wd); w: [n] */
export function weightDecayStep(w: usize, n: i32, decay: f32): void {
  const d = f32x4.splat(decay);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) { const wv = ld4(w, i); st4(w, i, f32x4.sub(wv, f32x4.mul(wv, d))); }
  for (; i < n; i++) { const wv = ld(w, i); st(w, i, wv - wv * decay); }
}

/** acc += g (a step that only accumulates); acc, g: [n] */
export function gradientAccumulate(acc: usize, g: usize, n: i32): void {
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) st4(acc, i, f32x4.add(ld4(g, i), ld4(acc, i)));
  for (; i < n; i++) st(acc, i, ld(g, i) + ld(acc, i));
}

/** g = (g + acc)/steps, then acc = 0 (Keras's mean of the accumulated gradients); g, acc: [n] */
export function gradientAccumulatedMean(g: usize, acc: usize, n: i32, steps: f32): void {
  const s = f32x4.splat(steps);
  const zero = f32x4.splat(0);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) { st4(g, i, f32x4.div(f32x4.add(ld4(g, i), ld4(acc, i)), s)); st4(acc, i, zero); }
  for (; i < n; i++) { st(g, i, (ld(g, i) + ld(acc, i)) / steps); st(acc, i, 0); }
}

/** avg = momentum·avg + complement·w (the EMA of the weights; complement = 1 − momentum); avg, w: [n] */
export function emaStep(avg: usize, w: usize, n: i32, momentum: f32, complement: f32): void {
  const m = f32x4.splat(momentum);
  const c = f32x4.splat(complement);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) st4(avg, i, f32x4.add(f32x4.mul(m, ld4(avg, i)), f32x4.mul(c, ld4(w, i))));
  for (; i < n; i++) st(avg, i, momentum * ld(avg, i) + complement * ld(w, i));
}

/** Adam with AMSGrad: m, v as adamStep; vhat = max(vhat, v); w −= alpha·m/(√vhat + ε); w, m, v, vhat, g: [n] */
export function adamAmsgradStep(w: usize, m: usize, v: usize, vhat: usize, g: usize, n: i32, alpha: f32,
  beta1Complement: f32, beta2Complement: f32, epsilon: f32): void {
  for (let i = 0; i < n; i++) {
    const gv = ld(g, i);
    const mv = ld(m, i) + (gv - ld(m, i)) * beta1Complement;
    const vv = ld(v, i) + (gv * gv - ld(v, i)) * beta2Complement;
    const vh = max(ld(vhat, i), vv);
    st(m, i, mv);
    st(v, i, vv);
    st(vhat, i, vh);
    st(w, i, ld(w, i) - (mv * alpha) / (Mathf.sqrt(vh) + epsilon));
  }
}

/**
 * Centered RMSprop: v = ρv + (1 − ρ)g²; a = ρa + (1 − ρ)g; s = lr·g/√(v − a² + ε); with momentum μ: u = μu + s,
 * w −= u, else w −= s; all [n]
 */
export function rmspropCenteredStep(w: usize, v: usize, a: usize, u: usize, g: usize, n: i32, learningRate: f32, rho: f32,
  rhoComplement: f32, epsilon: f32, momentum: f32): void {
  for (let i = 0; i < n; i++) {
    const gv = ld(g, i);
    const vv = rho * ld(v, i) + rhoComplement * (gv * gv);
    const av = rho * ld(a, i) + rhoComplement * gv;
    st(v, i, vv);
    st(a, i, av);
    const step = learningRate * gv / Mathf.sqrt(vv - av * av + epsilon);
    rmspropApply(w, u, i, step, momentum);
  }
}

/** Adagrad: acc += g²; w −= lr·g/√(acc + ε); w, acc, g: [n] */
export function adagradStep(w: usize, acc: usize, g: usize, n: i32, learningRate: f32, epsilon: f32): void {
  for (let i = 0; i < n; i++) {
    const gv = ld(g, i);
    const a = ld(acc, i) + gv * gv;
    st(acc, i, a);
    st(w, i, ld(w, i) - (learningRate * gv) / Mathf.sqrt(a + epsilon));
  }
}

/**
 * Adadelta: a = ρa + (1 − ρ)g²; d = −√(s + ε)·g/√(a + ε); s = ρs + (1 − ρ)d²; w += lr·d (a: accumulated
 * gradients, s: accumulated updates); all [n]
 */
export function adadeltaStep(w: usize, a: usize, s: usize, g: usize, n: i32, learningRate: f32, rho: f32, rhoComplement: f32,
  epsilon: f32): void {
  for (let i = 0; i < n; i++) {
    const gv = ld(g, i);
    const av = rho * ld(a, i) + rhoComplement * (gv * gv);
    st(a, i, av);
    const sv = ld(s, i);
    const d = -((Mathf.sqrt(sv + epsilon) * gv) / Mathf.sqrt(av + epsilon));
    st(s, i, rho * sv + rhoComplement * (d * d));
    st(w, i, ld(w, i) + learningRate * d);
  }
}

/**
 * Adamax: m += (g − m)·(1 − β1); u = max(β2·u, |g|); w −= lr·m/(c·(u + ε)), the host passing c = 1 − β1ᵗ;
 * w, m, u, g: [n]
 */
export function adamaxStep(w: usize, m: usize, u: usize, g: usize, n: i32, learningRate: f32, beta1Complement: f32, beta2: f32,
  epsilon: f32, correction: f32): void {
  for (let i = 0; i < n; i++) {
    const gv = ld(g, i);
    const mv = ld(m, i) + (gv - ld(m, i)) * beta1Complement;
    const uv = max(beta2 * ld(u, i), Mathf.abs(gv));
    st(m, i, mv);
    st(u, i, uv);
    st(w, i, ld(w, i) - (learningRate * mv) / (correction * (uv + epsilon)));
  }
}

/**
 * Nadam (Keras 3): m, v as Adam; m̂ = mCoef·m + gCoef·g; v̂ = v/vCorrection; w −= m̂·lr/(√v̂ + ε). The host passes
 * mCoef = u₍ₜ₊₁₎/(1 − Πu to t+1), gCoef = (1 − uₜ)/(1 − Πu to t), vCorrection = 1 − β2ᵗ; w, m, v, g: [n]
 */
export function nadamStep(w: usize, m: usize, v: usize, g: usize, n: i32, learningRate: f32, beta1Complement: f32,
  beta2Complement: f32, epsilon: f32, mCoef: f32, gCoef: f32, vCorrection: f32): void {
  for (let i = 0; i < n; i++) {
    const gv = ld(g, i);
    const mv = ld(m, i) + (gv - ld(m, i)) * beta1Complement;
    const vv = ld(v, i) + (gv * gv - ld(v, i)) * beta2Complement;
    st(m, i, mv);
    st(v, i, vv);
    const mHat = mCoef * mv + gCoef * gv;
    st(w, i, ld(w, i) - (mHat * learningRate) / (Mathf.sqrt(vv / vCorrection) + epsilon));
  }
}

/** Lion: w −= lr·sign(β1·m + (1 − β1)·g); m = β2·m + (1 − β2)·g; w, m, g: [n] */
export function lionStep(w: usize, m: usize, g: usize, n: i32, learningRate: f32, beta1: f32, beta1Complement: f32, beta2: f32,
  beta2Complement: f32): void {
  for (let i = 0; i < n; i++) {
    const gv = ld(g, i);
    const mv = ld(m, i);
    const c = mv * beta1 + gv * beta1Complement;
    const sign: f32 = c > 0 ? 1 : c < 0 ? -1 : 0;
    st(w, i, ld(w, i) - learningRate * sign);
    st(m, i, mv * beta2 + gv * beta2Complement);
  }
}

/**
 * FTRL (Keras 3): a' = a + g²; ℓ += g + shrink·w − (a'ᵖ − aᵖ)/lr·w; w = (clamp(ℓ, −l1, l1) − ℓ)/(a'ᵖ/lr + l2); a = a'.
 * The host passes p = −learningRatePower, shrink = 2·l2Shrinkage, l2 = 2·(l2Strength + β/(2·lr)); w, a, ℓ, g: [n]
 */
export function ftrlStep(w: usize, a: usize, linear: usize, g: usize, n: i32, learningRate: f32, power: f32, l1: f32, l2: f32,
  shrinkage: f32): void {
  for (let i = 0; i < n; i++) {
    const gv = ld(g, i);
    const wv = ld(w, i);
    const av = ld(a, i);
    const next = av + gv * gv;
    const nextPower = powf(next, power);
    const lv = ld(linear, i) + ((gv + shrinkage * wv) - ((nextPower - powf(av, power)) / learningRate) * wv);
    st(linear, i, lv);
    const quadratic = nextPower / learningRate + l2;
    st(w, i, (min(max(lv, -l1), l1) - lv) / quadratic);
    st(a, i, next);
  }
}
