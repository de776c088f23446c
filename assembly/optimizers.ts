// Optimizer updates over one flat parameter vector (all of a model's weights, gradients and slots are
// contiguous), so a step is one call. Operation order follows Keras 3 so results match it to float error.
import { ld, st, ld4, st4, floor4 } from './simd';

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
    if (momentum > 0) {
      const uv = momentum * ld(u, i) + step;
      st(u, i, uv);
      st(w, i, ld(w, i) - uv);
    } else {
      st(w, i, ld(w, i) - step);
    }
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
