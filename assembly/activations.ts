// Activations and their derivatives, each forward kernel with its gradient directly below it.
// Forward: y = f(x). Gradient: dx = dy · f'(x), given both x and y so each rule can use whichever is
// cheaper; dx may alias dy. Transcendentals are AssemblyScript's (math.ts), which run inside the wasm and so
// give the same bits in every engine.
import { ld, st, ld4, st4, floor4 } from './simd';
import { exp, expf } from './math';
import { logSumExp, shiftedExps } from './probability';

/** y = x; x, y: [n] */
export function linear(y: usize, x: usize, n: i32): void {
  if (y != x) memory.copy(y, x, <usize>n << 2);
}
/** dx = dy; all [n] */
export function linearGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  if (dx != dy) memory.copy(dx, dy, <usize>n << 2);
}

/** y = max(x, 0); x, y: [n] */
export function relu(y: usize, x: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) st4(y, i, f32x4.max(ld4(x, i), zero));
  for (; i < n; i++) st(y, i, max(ld(x, i), 0));
}
/** dx = dy · [x > 0]; all [n] */
export function reluGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) st4(dx, i, v128.and(ld4(dy, i), f32x4.gt(ld4(x, i), zero)));
  for (; i < n; i++) st(dx, i, ld(x, i) > 0 ? ld(dy, i) : 0);
}

/** y = x > 0 ? x : alpha·x; x, y: [n] */
export function leakyRelu(y: usize, x: usize, n: i32, alpha: f32): void {
  const zero = f32x4.splat(0);
  const a = f32x4.splat(alpha);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) {
    const v = ld4(x, i);
    st4(y, i, v128.bitselect(v, f32x4.mul(v, a), f32x4.gt(v, zero)));
  }
  for (; i < n; i++) { const v = ld(x, i); st(y, i, v > 0 ? v : alpha * v); }
}
/** dx = dy · (x > 0 ? 1 : alpha); all [n] */
export function leakyReluGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32, alpha: f32): void {
  const zero = f32x4.splat(0);
  const a = f32x4.splat(alpha);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) {
    const g = ld4(dy, i);
    st4(dx, i, v128.bitselect(g, f32x4.mul(g, a), f32x4.gt(ld4(x, i), zero)));
  }
  for (; i < n; i++) { const g = ld(dy, i); st(dx, i, ld(x, i) > 0 ? g : alpha * g); }
}

@inline function sigmoidOf(v: f32): f32 {
  // Two branches so exp never overflows: both are exact rewrites of 1 / (1 + e^-v).
  if (v >= 0) return 1 / (1 + expf(-v));
  const e = expf(v);
  return e / (1 + e);
}

/** y = 1 / (1 + e^-x); x, y: [n] */
export function sigmoid(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(y, i, sigmoidOf(ld(x, i)));
}
/** dx = dy · y(1 − y); all [n] */
export function sigmoidGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) {
    const v = ld4(y, i);
    st4(dx, i, f32x4.mul(ld4(dy, i), f32x4.mul(v, f32x4.sub(one, v))));
  }
  for (; i < n; i++) { const v = ld(y, i); st(dx, i, ld(dy, i) * (v * (1 - v))); }
}

/** y = tanh(x); x, y: [n] */
export function tanh(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(y, i, Mathf.tanh(ld(x, i)));
}
/** dx = dy · (1 − y²); all [n] */
export function tanhGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) {
    const v = ld4(y, i);
    st4(dx, i, f32x4.mul(ld4(dy, i), f32x4.sub(one, f32x4.mul(v, v))));
  }
  for (; i < n; i++) { const v = ld(y, i); st(dx, i, ld(dy, i) * (1 - v * v)); }
}

/** y = x > 0 ? x : alpha·(e^x − 1); x, y: [n] */
export function elu(y: usize, x: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(y, i, v > 0 ? v : alpha * (expf(v) - 1)); }
}
/** dx = dy · (x > 0 ? 1 : y + alpha); all [n] */
export function eluGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) { const g = ld(dy, i); st(dx, i, ld(x, i) > 0 ? g : g * (ld(y, i) + alpha)); }
}

const SELU_ALPHA: f32 = 1.6732632423543772;
const SELU_SCALE: f32 = 1.0507009873554805;

/** y = scale·(x > 0 ? x : alpha·(e^x − 1)), Keras's constants; x, y: [n] */
export function selu(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    st(y, i, v > 0 ? SELU_SCALE * v : SELU_SCALE * (SELU_ALPHA * (expf(v) - 1)));
  }
}
/** dx = dy · (x > 0 ? scale : y + scale·alpha); all [n] */
export function seluGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const g = ld(dy, i);
    st(dx, i, ld(x, i) > 0 ? g * SELU_SCALE : g * (ld(y, i) + SELU_SCALE * SELU_ALPHA));
  }
}

// erf through erfc's Chebyshev fit (Numerical Recipes' erfcc): relative error below 1.2e-7 everywhere,
// evaluated in f64 so the f32 result is as good as f32 allows.
@inline function erf(x: f64): f64 {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

const SQRT1_2: f64 = 0.7071067811865476;
const INV_SQRT_2PI: f64 = 0.3989422804014327;

/** y = x·Φ(x) = x/2·(1 + erf(x/√2)), the exact GELU (Keras's default); x, y: [n] */
export function gelu(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = <f64>ld(x, i);
    st(y, i, <f32>(0.5 * v * (1 + erf(v * SQRT1_2))));
  }
}
/** dx = dy · (Φ(x) + x·φ(x)); all [n] */
export function geluGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = <f64>ld(x, i);
    const d = 0.5 * (1 + erf(v * SQRT1_2)) + v * INV_SQRT_2PI * exp(-0.5 * v * v);
    st(dx, i, <f32>(<f64>ld(dy, i) * d));
  }
}

/** y = x·σ(x); x, y: [n] */
export function swish(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(y, i, v * sigmoidOf(v)); }
}
/** dx = dy · (σ(x) + y·(1 − σ(x))); all [n] */
export function swishGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const s = sigmoidOf(ld(x, i));
    st(dx, i, ld(dy, i) * (s + ld(y, i) * (1 - s)));
  }
}

/** y = log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|); x, y: [n] */
export function softplus(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(y, i, max(v, 0) + Mathf.log1p(expf(-Mathf.abs(v)))); }
}
/** dx = dy · σ(x); all [n] */
export function softplusGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(dx, i, ld(dy, i) * sigmoidOf(ld(x, i)));
}

/** y = min(max(x, 0), 6); x, y: [n] */
export function relu6(y: usize, x: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const six = f32x4.splat(6);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) st4(y, i, f32x4.min(f32x4.max(ld4(x, i), zero), six));
  for (; i < n; i++) st(y, i, min(max(ld(x, i), 0), 6));
}
/** dx = dy · [0 < x < 6]; all [n] */
export function relu6Grad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(dx, i, v > 0 && v < 6 ? ld(dy, i) : 0); }
}

/** Keras's ReLU layer: y = x > threshold ? min(x, maxValue) : negativeSlope·(x − threshold); x, y: [n] */
export function reluWith(y: usize, x: usize, n: i32, maxValue: f32, negativeSlope: f32, threshold: f32): void {
  // NOTE: a slope of 0 gives exactly 0 below the threshold, as relu does (0·(−∞ − t) would be NaN).
  const flat = negativeSlope == 0;
  const hi = f32x4.splat(maxValue);
  const slope = f32x4.splat(negativeSlope);
  const t = f32x4.splat(threshold);
  const zero = f32x4.splat(0);
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) {
    const v = ld4(x, i);
    const below = flat ? zero : f32x4.mul(slope, f32x4.sub(v, t));
    st4(y, i, v128.bitselect(f32x4.min(v, hi), below, f32x4.gt(v, t)));
  }
  for (; i < n; i++) {
    const v = ld(x, i);
    st(y, i, v > threshold ? min(v, maxValue) : flat ? 0 : negativeSlope * (v - threshold));
  }
}
/** dx = dy · (x > threshold ? [x < maxValue] : negativeSlope); all [n] */
export function reluWithGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32, maxValue: f32, negativeSlope: f32, threshold: f32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    const g = ld(dy, i);
    st(dx, i, v > threshold ? (v < maxValue ? g : 0) : negativeSlope * g);
  }
}

/** y = relu6(x + 3)/6 (Keras 3's hard sigmoid); x, y: [n] */
export function hardSigmoid(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(y, i, min(max(ld(x, i) + 3, 0), 6) / 6);
}
/** dx = dy/6 · [−3 < x < 3]; all [n] */
export function hardSigmoidGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(dx, i, v > -3 && v < 3 ? ld(dy, i) / 6 : 0); }
}

/** y = x·relu6(x + 3)/6 (hard SiLU); x, y: [n] */
export function hardSwish(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(y, i, v * (min(max(v + 3, 0), 6) / 6)); }
}
/** dx = dy · (x < −3 ? 0 : x > 3 ? 1 : (2x + 3)/6); all [n] */
export function hardSwishGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    const g = ld(dy, i);
    st(dx, i, v < -3 ? 0 : v > 3 ? g : g * ((2 * v + 3) / 6));
  }
}

/** y = x / (1 + |x|); x, y: [n] */
export function softsign(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(y, i, v / (1 + Mathf.abs(v))); }
}
/** dx = dy / (1 + |x|)²; all [n] */
export function softsignGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const d: f32 = 1 + Mathf.abs(ld(x, i)); st(dx, i, ld(dy, i) / (d * d)); }
}

@inline function softplus64(v: f64): f64 {
  return max(v, 0) + Math.log1p(exp(-Math.abs(v)));
}
@inline function sigmoid64(v: f64): f64 {
  if (v >= 0) return 1 / (1 + exp(-v));
  const e = exp(v);
  return e / (1 + e);
}

/** y = x·tanh(softplus(x)), in f64; x, y: [n] */
export function mish(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const v = <f64>ld(x, i); st(y, i, <f32>(v * Math.tanh(softplus64(v)))); }
}
/** dx = dy · (t + x·(1 − t²)·σ(x)), t = tanh(softplus(x)), in f64; all [n] */
export function mishGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = <f64>ld(x, i);
    const t = Math.tanh(softplus64(v));
    st(dx, i, <f32>(<f64>ld(dy, i) * (t + v * (1 - t * t) * sigmoid64(v))));
  }
}

/** y = log σ(x) = −softplus(−x) = min(x, 0) − log1p(e^-|x|); x, y: [n] */
export function logSigmoid(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(y, i, min(v, 0) - Mathf.log1p(expf(-Mathf.abs(v)))); }
}
/** dx = dy · σ(−x); all [n] */
export function logSigmoidGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(dx, i, ld(dy, i) * sigmoidOf(-ld(x, i)));
}

/** y = e^x; x, y: [n] */
export function exponential(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(y, i, expf(ld(x, i)));
}
/** dx = dy · y; all [n] */
export function exponentialGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  const n4 = floor4(n);
  let i = 0;
  for (; i < n4; i += 4) st4(dx, i, f32x4.mul(ld4(dy, i), ld4(y, i)));
  for (; i < n; i++) st(dx, i, ld(dy, i) * ld(y, i));
}

/** y = x > 0 ? x : alpha·(e^(x/alpha) − 1); x, y: [n] */
export function celu(y: usize, x: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(y, i, v > 0 ? v : alpha * Mathf.expm1(v / alpha)); }
}
/** dx = dy · (x > 0 ? 1 : e^(x/alpha)); all [n] */
export function celuGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) { const v = ld(x, i); const g = ld(dy, i); st(dx, i, v > 0 ? g : g * expf(v / alpha)); }
}

const SQRT_2_OVER_PI: f64 = 0.7978845608028654;
const GELU_CUBIC: f64 = 0.044715;

/** y = x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))), GELU's tanh approximation; x, y: [n] */
export function geluApproximate(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = <f64>ld(x, i);
    st(y, i, <f32>(0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v)))));
  }
}
/** dx = dy · (½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)), t the tanh above; all [n] */
export function geluApproximateGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = <f64>ld(x, i);
    const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v));
    const d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * v * v);
    st(dx, i, <f32>(<f64>ld(dy, i) * d));
  }
}

/** y[r,:] = e^(x[r,:] − max) / Σ e^(x[r,:] − max), row by row; x, y: [rows, cols] */
export function softmax(y: usize, x: usize, rows: i32, cols: i32): void {
  shiftedExps(y, x, rows, cols); // e^(x − max) for the whole block, the exps four at a time; then ÷ Σ row by row
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f32 = 0;
    for (let j = 0; j < cols; j++) s += ld(y, o + j);
    for (let j = 0; j < cols; j++) st(y, o + j, ld(y, o + j) / s);
  }
}
/** dx[r,j] = y[r,j]·(dy[r,j] − Σ_i dy[r,i]·y[r,i]); all [rows, cols] */
export function softmaxGrad(dx: usize, dy: usize, x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot: f32 = 0;
    for (let j = 0; j < cols; j++) dot += ld(dy, o + j) * ld(y, o + j);
    for (let j = 0; j < cols; j++) st(dx, o + j, ld(y, o + j) * (ld(dy, o + j) - dot));
  }
}

/** y[r,:] = x[r,:] − max − log Σ e^(x[r,:] − max), row by row; x, y: [rows, cols] */
export function logSoftmax(y: usize, x: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const shift = logSumExp(x, o, cols);
    for (let j = 0; j < cols; j++) st(y, o + j, ld(x, o + j) - shift);
  }
}
/** dx[r,j] = dy[r,j] − e^y[r,j]·Σ_i dy[r,i]; all [rows, cols] */
export function logSoftmaxGrad(dx: usize, dy: usize, x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s: f32 = 0;
    for (let j = 0; j < cols; j++) s += ld(dy, o + j);
    for (let j = 0; j < cols; j++) st(dx, o + j, ld(dy, o + j) - expf(ld(y, o + j)) * s);
  }
}

/** Softmax over the middle axis of [outer, size, inner]: y[o,:,i] = softmax(x[o,:,i]); x, y: [outer·size·inner] */
export function softmaxAxis(y: usize, x: usize, outer: i32, size: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const b = o * size * inner + i;
      let m: f32 = -Infinity;
      for (let j = 0; j < size; j++) m = max(m, ld(x, b + j * inner));
      let s: f32 = 0;
      for (let j = 0; j < size; j++) { const e = expf(ld(x, b + j * inner) - m); st(y, b + j * inner, e); s += e; }
      for (let j = 0; j < size; j++) st(y, b + j * inner, ld(y, b + j * inner) / s);
    }
  }
}
/** dx[o,j,i] = y[o,j,i]·(dy[o,j,i] − Σ_k dy[o,k,i]·y[o,k,i]); all [outer·size·inner] */
export function softmaxAxisGrad(dx: usize, dy: usize, x: usize, y: usize, outer: i32, size: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const b = o * size * inner + i;
      let dot: f32 = 0;
      for (let j = 0; j < size; j++) dot += ld(dy, b + j * inner) * ld(y, b + j * inner);
      for (let j = 0; j < size; j++) st(dx, b + j * inner, ld(y, b + j * inner) * (ld(dy, b + j * inner) - dot));
    }
  }
}

/** PReLU over x viewed as [outer, a, s, b], alpha [a, b] shared along s: y = x > 0 ? x : alpha·x; x, y: [outer·a·s·b] */
export function prelu(y: usize, x: usize, alpha: usize, outer: i32, a: i32, s: i32, b: i32): void {
  let k = 0;
  for (let op = 0; op < outer * a; op++) {
    const row = (op % a) * b; // alpha's row p
    for (let q = 0; q < s; q++) {
      for (let r = 0; r < b; r++) {
        const v = ld(x, k);
        st(y, k, v > 0 ? v : ld(alpha, row + r) * v);
        k++;
      }
    }
  }
}
/** dx = dy·(x > 0 ? 1 : alpha), dalpha[p,r] = Σ over outer, s of dy·min(x, 0) (each skipped when its offset is 0); shapes as prelu */
export function preluGrad(dx: usize, dalpha: usize, dy: usize, x: usize, alpha: usize, outer: i32, a: i32, s: i32, b: i32): void {
  if (dalpha != 0) memory.fill(dalpha, 0, <usize>(a * b) << 2);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let p = 0; p < a; p++) {
      for (let q = 0; q < s; q++) {
        for (let r = 0; r < b; r++) {
          const v = ld(x, k);
          const g = ld(dy, k);
          const w = p * b + r;
          if (dalpha != 0 && v <= 0) st(dalpha, w, ld(dalpha, w) + g * v);
          if (dx != 0) st(dx, k, v > 0 ? g : ld(alpha, w) * g);
          k++;
        }
      }
    }
  }
}

// Activation ids for fused kernels (denseForward): the host's ACTIVATIONS table carries the same numbers,
// and a test runs every row through denseForward against the separate kernels.
export const ACTIVATION_LINEAR: i32 = 0;
export const ACTIVATION_RELU: i32 = 1;
export const ACTIVATION_SIGMOID: i32 = 2;
export const ACTIVATION_TANH: i32 = 3;
export const ACTIVATION_SOFTMAX: i32 = 4;
export const ACTIVATION_LEAKY_RELU: i32 = 5;
export const ACTIVATION_ELU: i32 = 6;
export const ACTIVATION_SELU: i32 = 7;
export const ACTIVATION_GELU: i32 = 8;
export const ACTIVATION_SWISH: i32 = 9;
export const ACTIVATION_SOFTPLUS: i32 = 10;
export const ACTIVATION_RELU6: i32 = 11;
export const ACTIVATION_HARD_SIGMOID: i32 = 12;
export const ACTIVATION_HARD_SWISH: i32 = 13;
export const ACTIVATION_SOFTSIGN: i32 = 14;
export const ACTIVATION_MISH: i32 = 15;
export const ACTIVATION_LOG_SOFTMAX: i32 = 16;
export const ACTIVATION_LOG_SIGMOID: i32 = 17;
export const ACTIVATION_EXPONENTIAL: i32 = 18;
export const ACTIVATION_CELU: i32 = 19;
export const ACTIVATION_GELU_APPROXIMATE: i32 = 20;

/** y = f(x) for the activation with this id (see ACTIVATION_*); `alpha` is leakyRelu's slope, elu's and celu's alpha */
export function applyActivation(id: i32, y: usize, x: usize, rows: i32, cols: i32, alpha: f32): void {
  const n = rows * cols;
  switch (id) {
    case ACTIVATION_LINEAR: linear(y, x, n); break;
    case ACTIVATION_RELU: relu(y, x, n); break;
    case ACTIVATION_SIGMOID: sigmoid(y, x, n); break;
    case ACTIVATION_TANH: tanh(y, x, n); break;
    case ACTIVATION_SOFTMAX: softmax(y, x, rows, cols); break;
    case ACTIVATION_LEAKY_RELU: leakyRelu(y, x, n, alpha); break;
    case ACTIVATION_ELU: elu(y, x, n, alpha); break;
    case ACTIVATION_SELU: selu(y, x, n); break;
    case ACTIVATION_GELU: gelu(y, x, n); break;
    case ACTIVATION_SWISH: swish(y, x, n); break;
    case ACTIVATION_SOFTPLUS: softplus(y, x, n); break;
    case ACTIVATION_RELU6: relu6(y, x, n); break;
    case ACTIVATION_HARD_SIGMOID: hardSigmoid(y, x, n); break;
    case ACTIVATION_HARD_SWISH: hardSwish(y, x, n); break;
    case ACTIVATION_SOFTSIGN: softsign(y, x, n); break;
    case ACTIVATION_MISH: mish(y, x, n); break;
    case ACTIVATION_LOG_SOFTMAX: logSoftmax(y, x, rows, cols); break;
    case ACTIVATION_LOG_SIGMOID: logSigmoid(y, x, n); break;
    case ACTIVATION_EXPONENTIAL: exponential(y, x, n); break;
    case ACTIVATION_CELU: celu(y, x, n, alpha); break;
    case ACTIVATION_GELU_APPROXIMATE: geluApproximate(y, x, n); break;
    default: unreachable();
  }
}
