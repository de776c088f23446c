// Activations and their derivatives, each forward kernel with its gradient directly below it.
// Forward: y = f(x). Gradient: dx = dy · f'(x), given both x and y so each rule can use whichever is
// cheaper; dx may alias dy. Transcendentals use AssemblyScript's Mathf, which runs inside the wasm and so
// gives the same bits in every engine.
import { ld, st, ld4, st4, floor4 } from './simd';

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
  if (v >= 0) return 1 / (1 + Mathf.exp(-v));
  const e = Mathf.exp(v);
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
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(y, i, v > 0 ? v : alpha * (Mathf.exp(v) - 1)); }
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
    st(y, i, v > 0 ? SELU_SCALE * v : SELU_SCALE * (SELU_ALPHA * (Mathf.exp(v) - 1)));
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
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
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
    const d = 0.5 * (1 + erf(v * SQRT1_2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
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
  for (let i = 0; i < n; i++) { const v = ld(x, i); st(y, i, max(v, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(v)))); }
}
/** dx = dy · σ(x); all [n] */
export function softplusGrad(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(dx, i, ld(dy, i) * sigmoidOf(ld(x, i)));
}

/** y[r,:] = e^(x[r,:] − max) / Σ e^(x[r,:] − max), row by row; x, y: [rows, cols] */
export function softmax(y: usize, x: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = ld(x, o);
    for (let j = 1; j < cols; j++) m = max(m, ld(x, o + j));
    let s: f32 = 0;
    for (let j = 0; j < cols; j++) { const e = Mathf.exp(ld(x, o + j) - m); st(y, o + j, e); s += e; }
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

/** y = f(x) for the activation with this id (see ACTIVATION_*); `alpha` is leakyRelu's slope and elu's alpha */
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
    default: unreachable();
  }
}
