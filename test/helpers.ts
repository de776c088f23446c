// Test-side tools shared by the kernel and host suites: seeded data, a scope that puts arrays into the wasm
// memory and frees them after each test, float64 references written from the formulas (never from the
// kernels), a tolerance check that names the worst element, and a central finite-difference gradient.
import { afterEach } from 'vitest';
import { arena } from '../src/arena.js';
import type { Sequential } from '../src/index.js';

// ─── Seeded data ───

export type Rng = () => number;

// mulberry32: the repository's seeded generator of uniform numbers in [0, 1) (scripts/mulberry32.mjs).
export { mulberry32 } from '../scripts/mulberry32.mjs';

/** n values uniform in [low, high), rounded to f32. */
export function uniform(n: number, rng: Rng, low = -1, high = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = low + (high - low) * rng();
  return out;
}

/** n values from N(mean, std²) (Box–Muller), rounded to f32. */
export function randn(n: number, rng: Rng, std = 1, mean = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u1 = 1 - rng(); // (0, 1]
    out[i] = mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng());
  }
  return out;
}

/** n class indices in [0, classes), stored as f32 the way the sparse kernels read them. */
export function labels(n: number, classes: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(classes - 1, Math.floor(rng() * classes));
  return out;
}

/** rows × cols one-hot rows for the given class indices. */
export function oneHot(classes: ArrayLike<number>, cols: number): Float32Array {
  const out = new Float32Array(classes.length * cols);
  for (let r = 0; r < classes.length; r++) out[r * cols + classes[r]!] = 1;
  return out;
}

// ─── Wasm memory ───

const F32 = 4;
/** Floats of sentinel on each side of a guarded buffer (64 bytes: one arena alignment unit). */
const GUARD = 16;
/** A quiet NaN with a payload no kernel produces; written and compared as raw bits. */
const SENTINEL = 0x7fc0dead;

/** An output buffer with sentinel floats on both sides, to catch SIMD tails that write out of bounds. */
export interface Guarded {
  /** Byte offset of element 0. */
  readonly ptr: number;
  readonly length: number;
  /** A copy of the buffer's contents. */
  read(): Float32Array;
  /** Throws, naming the first clobbered slot, if anything before or after the buffer was written. */
  expectIntact(): void;
}

/**
 * Arrays placed in the wasm memory for one test. Every block it hands out is released by `releaseAll`
 * (`useWasm` calls it after each test), so a failing test does not leak into the next one.
 */
export class WasmScope {
  private readonly blocks: number[] = [];

  /** A zeroed block of `floats` f32/i32 slots; returns its byte offset. */
  alloc(floats: number): number {
    const ptr = arena.alloc(Math.max(1, floats) * F32);
    this.blocks.push(ptr);
    arena.f32(ptr, floats).fill(0);
    return ptr;
  }

  /** Copies `data` (as f32) into a new block. */
  put(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length);
    arena.write(ptr, data);
    return ptr;
  }

  /** Copies `data` (as i32) into a new block. */
  putI32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length);
    arena.i32(ptr, data.length).set(data);
    return ptr;
  }

  read(ptr: number, length: number): Float32Array {
    return arena.read(ptr, length);
  }

  readI32(ptr: number, length: number): Int32Array {
    return arena.i32(ptr, length).slice();
  }

  /**
   * A buffer of `length` floats (zeros, or a copy of `init`) with sentinels on both sides. `shift` moves
   * element 0 by that many floats off the 64-byte alignment, to check kernels do not rely on alignment.
   */
  guarded(length: number, init?: ArrayLike<number>, shift = 0): Guarded {
    const total = GUARD + shift + length + GUARD;
    const base = this.alloc(total);
    const ptr = base + (GUARD + shift) * F32;
    arena.i32(base, total).fill(SENTINEL);
    const body = arena.f32(ptr, length);
    if (init) body.set(init);
    else body.fill(0);
    return {
      ptr,
      length,
      read: () => arena.read(ptr, length),
      expectIntact: () => {
        const bits = arena.i32(base, total);
        for (let i = 0; i < total; i++) {
          if (i >= GUARD + shift && i < GUARD + shift + length) continue;
          if (bits[i] !== SENTINEL) {
            const where = i < GUARD + shift ? `${GUARD + shift - i} before` : `${i - (GUARD + shift + length) + 1} past`;
            throw new Error(`guard clobbered ${where} a buffer of ${length} floats`);
          }
        }
      },
    };
  }

  /** Releases every block from this scope. */
  releaseAll(): void {
    for (const ptr of this.blocks.splice(0)) arena.release(ptr);
  }
}

/** A scope whose blocks are released after each test of the calling file. */
export function useWasm(): WasmScope {
  const scope = new WasmScope();
  afterEach(() => scope.releaseAll());
  return scope;
}

// ─── Comparisons ───

export interface Tolerance {
  rtol?: number;
  atol?: number;
  /** Prefixed to the failure message (e.g. the kernel and the sizes). */
  label?: string;
}

/**
 * Passes when |actual − expected| ≤ atol + rtol·|expected| at every index (NaN only matches NaN, an infinity
 * only itself). On failure the message names the worst index, its values and how many indices failed.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}): void {
  const { rtol = 1e-6, atol = 0, label = '' } = tol;
  const prefix = label ? `${label}: ` : '';
  if (actual.length !== expected.length) {
    throw new Error(`${prefix}length ${actual.length}, expected ${expected.length}`);
  }
  let worst = -1;
  let worstRatio = 1;
  let failures = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    let ratio: number;
    if (Number.isNaN(e) || Number.isNaN(a)) ratio = Number.isNaN(e) && Number.isNaN(a) ? 0 : Infinity;
    else if (!Number.isFinite(e) || !Number.isFinite(a)) ratio = a === e ? 0 : Infinity;
    else ratio = a === e ? 0 : Math.abs(a - e) / (atol + rtol * Math.abs(e));
    if (!(ratio <= 1)) {
      failures++;
      if (worst < 0 || ratio > worstRatio) { worst = i; worstRatio = ratio; }
    }
  }
  if (failures > 0) {
    const a = actual[worst]!;
    const e = expected[worst]!;
    throw new Error(
      `${prefix}${failures}/${actual.length} elements off; worst at [${worst}]: ${a} vs expected ${e} ` +
      `(|diff| ${Math.abs(a - e).toExponential(3)}, allowed ${(atol + rtol * Math.abs(e)).toExponential(3)}; ` +
      `rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** Bit-for-bit equality of two f32 arrays (NaN payloads and −0 included); names the first difference. */
export function expectSameBits(actual: Float32Array, expected: Float32Array, label = ''): void {
  const prefix = label ? `${label}: ` : '';
  if (actual.length !== expected.length) throw new Error(`${prefix}length ${actual.length}, expected ${expected.length}`);
  const a = new Int32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Int32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) throw new Error(`${prefix}first difference at [${i}]: ${actual[i]} vs expected ${expected[i]}`);
  }
}

// ─── Finite differences ───

/**
 * ∂f/∂x by central differences in float64: (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h) with h = eps·max(1, |xᵢ|).
 * `x` is perturbed in place and restored; f may read the whole vector (a loss over a network's flat parameters).
 */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, eps = 1e-6): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const h = eps * Math.max(1, Math.abs(xi));
    const up = xi + h;
    const down = xi - h;
    x[i] = up;
    const fUp = f(x);
    x[i] = down;
    const fDown = f(x);
    x[i] = xi;
    grad[i] = (fUp - fDown) / (up - down); // the step actually taken, after rounding
  }
  return grad;
}

// ─── Float64 references: matrix products ───

export type MatmulForm = 'matmul' | 'matmulTransA' | 'matmulTransB';

/**
 * C[m,n] in float64 for the three forms: matmul A[m,k]·B[k,n]; matmulTransA A[k,m]ᵀ·B[k,n];
 * matmulTransB A[m,k]·B[n,k]ᵀ. Row-major.
 */
export function matmulRef(
  form: MatmulForm, a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const aip = form === 'matmulTransA' ? a[p * m + i]! : a[i * k + p]!;
        const bpj = form === 'matmulTransB' ? b[j * k + p]! : b[p * n + j]!;
        s += aip * bpj;
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

// ─── Float64 references: activations ───

/** Keras's SELU constants. */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const SQRT_PI = 1.7724538509055159;

/** erfc(z) for z ≥ 0: the power series of erf below 2.5, Laplace's continued fraction above (both ~1e-15). */
function erfcNonNegative(z: number): number {
  if (z < 2.5) {
    // erf z = 2/√π Σ (−1)ⁿ z^(2n+1) / (n!(2n+1)); terms stay below e^(z²) ≈ 500, so ~13 digits survive.
    const z2 = z * z;
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= -z2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - TWO_OVER_SQRT_PI * sum;
  }
  // erfc z = e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), evaluated from the tail.
  let t = z;
  for (let k = 120; k >= 1; k--) t = z + k / 2 / t;
  return Math.exp(-z * z) / (SQRT_PI * t);
}

/** The error function, float64, independent of the kernel's fit. */
export function erf(x: number): number {
  const r = 1 - erfcNonNegative(Math.abs(x));
  return x < 0 ? -r : r;
}

/** Φ(x), the standard normal CDF, accurate in the far left tail (no 1 − erf cancellation). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) * Math.SQRT1_2;
  return x < 0 ? 0.5 * erfcNonNegative(z) : 1 - 0.5 * erfcNonNegative(z);
}

function sigmoid64(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** An elementwise activation: f and f′ in float64; `alpha` is used only by leakyRelu and elu. */
export interface ActivationRef {
  f(x: number, alpha: number): number;
  df(x: number, alpha: number): number;
}

export type ElementwiseActivation =
  'linear' | 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'elu' | 'selu' | 'gelu' | 'swish' | 'softplus' |
  'relu6' | 'hardSigmoid' | 'hardSwish' | 'softsign' | 'mish' | 'logSigmoid' | 'exponential' | 'celu' | 'geluApproximate';

/** Every elementwise activation kernel, by kernel name (softmax is row-wise: see softmaxRef). */
export const ACTIVATION_REFS: Record<ElementwiseActivation, ActivationRef> = {
  linear: { f: (x) => x, df: () => 1 },
  relu: { f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0) },
  leakyRelu: { f: (x, a) => (x > 0 ? x : a * x), df: (x, a) => (x > 0 ? 1 : a) },
  sigmoid: { f: sigmoid64, df: (x) => sigmoid64(x) * sigmoid64(-x) },
  tanh: { f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2 },
  elu: { f: (x, a) => (x > 0 ? x : a * Math.expm1(x)), df: (x, a) => (x > 0 ? 1 : a * Math.exp(x)) },
  selu: {
    f: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    df: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)),
  },
  gelu: {
    f: (x) => x * normalCdf(x),
    df: (x) => normalCdf(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI),
  },
  swish: { f: (x) => x * sigmoid64(x), df: (x) => sigmoid64(x) * (1 + x * sigmoid64(-x)) },
  softplus: { f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), df: sigmoid64 },
  relu6: { f: (x) => Math.min(Math.max(x, 0), 6), df: (x) => (x > 0 && x < 6 ? 1 : 0) },
  // Keras 3's hard sigmoid, relu6(x + 3)/6 (not TF.js's 0.2x + 0.5).
  hardSigmoid: { f: (x) => Math.min(Math.max(x + 3, 0), 6) / 6, df: (x) => (x > -3 && x < 3 ? 1 / 6 : 0) },
  hardSwish: { f: (x) => x * Math.min(Math.max(x + 3, 0), 6) / 6, df: (x) => (x < -3 ? 0 : x > 3 ? 1 : (2 * x + 3) / 6) },
  softsign: { f: (x) => x / (1 + Math.abs(x)), df: (x) => 1 / (1 + Math.abs(x)) ** 2 },
  mish: {
    f: (x) => x * Math.tanh(softplus64(x)),
    df: (x) => { const t = Math.tanh(softplus64(x)); return t + x * (1 - t * t) * sigmoid64(x); },
  },
  logSigmoid: { f: (x) => -softplus64(-x), df: (x) => sigmoid64(-x) },
  exponential: { f: Math.exp, df: Math.exp },
  // alpha as for elu (the kernel tests pass it; Keras's default 1).
  celu: { f: (x, a) => (x > 0 ? x : a * Math.expm1(x / a)), df: (x, a) => (x > 0 ? 1 : Math.exp(x / a)) },
  geluApproximate: {
    f: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
    df: (x) => {
      const c = Math.sqrt(2 / Math.PI);
      const t = Math.tanh(c * (x + 0.044715 * x ** 3));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
    },
  },
};

function softplus64(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Row-wise log-softmax of x[rows, cols] in float64: x − max − log Σ e^(x − max). */
export function logSoftmaxRef(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]!);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j]! - m);
    for (let j = 0; j < cols; j++) y[r * cols + j] = x[r * cols + j]! - m - Math.log(s);
  }
  return y;
}

/** Row-wise softmax of x[rows, cols] in float64. */
export function softmaxRef(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]!);
    let s = 0;
    for (let j = 0; j < cols; j++) s += (y[r * cols + j] = Math.exp(x[r * cols + j]! - m));
    for (let j = 0; j < cols; j++) y[r * cols + j] = y[r * cols + j]! / s;
  }
  return y;
}

/** dx = Jᵀ·dy for the row-wise softmax at x: dx_j = y_j·(dy_j − Σ_i dy_i·y_i). */
export function softmaxGradRef(dy: ArrayLike<number>, x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const y = softmaxRef(x, rows, cols);
  const dx = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dy[r * cols + j]! * y[r * cols + j]!;
    for (let j = 0; j < cols; j++) dx[r * cols + j] = y[r * cols + j]! * (dy[r * cols + j]! - dot);
  }
  return dx;
}

// ─── Float64 references: losses ───

/** Keras's backend epsilon and the clip range [ε, 1 − ε] as float32 sees them (1 − 1e-7 rounds to 1 − 2⁻²³). */
export const EPSILON = Math.fround(1e-7);
export const ONE_MINUS_EPSILON = Math.fround(1 - 1e-7);

function clip(q: number): number {
  return Math.min(Math.max(q, EPSILON), ONE_MINUS_EPSILON);
}
function clipped(q: number): boolean {
  return q < EPSILON || q > ONE_MINUS_EPSILON;
}

/**
 * A loss as Keras reduces it (mean over the last axis then the batch; cross-entropies sum the last axis) and
 * its gradient with respect to the prediction, both float64. Sparse losses read t as class indices [rows].
 * `delta` is used only by huber.
 */
export interface LossRef {
  value(p: ArrayLike<number>, t: ArrayLike<number>, rows: number, cols: number, delta: number): number;
  grad(p: ArrayLike<number>, t: ArrayLike<number>, rows: number, cols: number, delta: number): Float64Array;
}

function elementwiseLoss(loss: (d: number, t: number, delta: number) => number,
  dloss: (p: number, t: number, delta: number) => number): LossRef {
  return {
    value: (p, t, rows, cols, delta) => {
      let s = 0;
      for (let i = 0; i < rows * cols; i++) s += loss(p[i]!, t[i]!, delta);
      return s / (rows * cols);
    },
    grad: (p, t, rows, cols, delta) => {
      const g = new Float64Array(rows * cols);
      for (let i = 0; i < g.length; i++) g[i] = dloss(p[i]!, t[i]!, delta) / g.length;
      return g;
    },
  };
}

function logSumExp(z: ArrayLike<number>, o: number, cols: number): number {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) m = Math.max(m, z[o + j]!);
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.exp(z[o + j]! - m);
  return m + Math.log(s);
}

function rowSum(x: ArrayLike<number>, o: number, cols: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += x[o + j]!;
  return s;
}

export type LossName =
  'meanSquaredError' | 'meanAbsoluteError' | 'huber' | 'binaryCrossentropy' | 'binaryCrossentropyLogits' |
  'categoricalCrossentropy' | 'categoricalCrossentropyLogits' | 'sparseCategoricalCrossentropy' |
  'sparseCategoricalCrossentropyLogits' | 'meanAbsolutePercentageError' | 'meanSquaredLogarithmicError' | 'hinge' |
  'squaredHinge' | 'categoricalHinge' | 'cosineSimilarity' | 'logCosh' | 'klDivergence' | 'poisson' |
  'binaryFocalCrossentropy' | 'binaryFocalCrossentropyLogits' | 'categoricalFocalCrossentropy' |
  'categoricalFocalCrossentropyLogits';

/** A float64 loss of one row (p, t: [cols]) and its gradient; `rowwiseLoss` takes the mean over rows. */
type RowLoss = (p: ArrayLike<number>, t: ArrayLike<number>) => { value: number; grad: number[] };
function rowwiseLoss(f: RowLoss): LossRef {
  const run = (p: ArrayLike<number>, t: ArrayLike<number>, rows: number, cols: number) => {
    let s = 0;
    const g = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const pr = Array.from({ length: cols }, (_, j) => p[r * cols + j]!);
      const out = f(pr, Array.from({ length: cols }, (_, j) => t[r * cols + j]!));
      s += out.value;
      for (let j = 0; j < cols; j++) g[r * cols + j] = out.grad[j]! / rows;
    }
    return { value: s / rows, grad: g };
  };
  return { value: (p, t, rows, cols) => run(p, t, rows, cols).value, grad: (p, t, rows, cols) => run(p, t, rows, cols).grad };
}
/** Keras's hinge targets: 2t − 1 when every target is 0 or 1. */
function hingeTargets(t: ArrayLike<number>, n: number): number[] {
  const ys = Array.from({ length: n }, (_, i) => t[i]!);
  return ys.every((y) => y === 0 || y === 1) ? ys.map((y) => 2 * y - 1) : ys;
}
function hingeRef(power: 1 | 2): LossRef {
  return {
    value: (p, t, rows, cols) => {
      const y = hingeTargets(t, rows * cols);
      return y.reduce((s, v, i) => s + Math.max(1 - v * p[i]!, 0) ** power, 0) / (rows * cols);
    },
    grad: (p, t, rows, cols) => {
      const y = hingeTargets(t, rows * cols);
      return Float64Array.from(y, (v, i) => {
        const m = Math.max(1 - v * p[i]!, 0);
        return (power === 1 ? (m > 0 ? -v : 0) : -2 * v * m) / (rows * cols);
      });
    },
  };
}
const focalSlope64 = (u: number, gamma: number) => (u > 0 ? gamma * u ** (gamma - 1) : gamma === 1 ? 1 : 0);

/** Keras's binary focal cross-entropy, float64: w·(1 − p_t)^γ·bce, t smoothed; w1/w0 weigh targets 1/0. */
export function binaryFocalRef(gamma: number, w1: number, w0: number, smoothing: number, logits: boolean): LossRef {
  return elementwiseLoss(
    (v, t0) => {
      const y = t0 * (1 - smoothing) + 0.5 * smoothing;
      const w = y * w1 + (1 - y) * w0;
      if (logits) {
        const u = y * sigmoid64(-v) + (1 - y) * sigmoid64(v);
        return w * u ** gamma * (softplus64(v) - y * v);
      }
      const q = clip(v);
      const u = y * (1 - v) + (1 - y) * v;
      return w * u ** gamma * -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
    },
    (v, t0) => {
      const y = t0 * (1 - smoothing) + 0.5 * smoothing;
      const w = y * w1 + (1 - y) * w0;
      if (logits) {
        const sp = sigmoid64(v), sn = sigmoid64(-v);
        const u = y * sn + (1 - y) * sp;
        const bce = softplus64(v) - y * v;
        return w * (focalSlope64(u, gamma) * (1 - 2 * y) * sp * sn * bce + u ** gamma * (sp - y));
      }
      const q = clip(v);
      const u = y * (1 - v) + (1 - y) * v;
      const bce = -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
      const dbce = clipped(v) ? 0 : (q - y) / (q * (1 - q));
      return w * (focalSlope64(u, gamma) * (1 - 2 * y) * bce + u ** gamma * dbce);
    },
  );
}
/** Keras's categorical focal cross-entropy, float64: −Σ α·y·(1 − q)^γ·log q, q = clip(p/Σp) or softmax(z). */
export function categoricalFocalRef(alpha: number, gamma: number, smoothing: number, logits: boolean): LossRef {
  return rowwiseLoss((p, t) => {
    const n = p.length;
    const y = Array.from(t, (v) => v * (1 - smoothing) + smoothing / n);
    if (logits) {
      const lse = logSumExp(p, 0, n);
      const lq = Array.from(p, (z) => z - lse);
      const q = lq.map(Math.exp);
      const value = -lq.reduce((s, l, j) => s + alpha * y[j]! * (1 - q[j]!) ** gamma * l, 0);
      const h = q.map((qj, j) => -alpha * y[j]! * ((1 - qj) ** gamma - focalSlope64(1 - qj, gamma) * qj * lq[j]!));
      const total = h.reduce((a, b) => a + b, 0);
      return { value, grad: h.map((hj, j) => hj - q[j]! * total) };
    }
    const sum = rowSum(p, 0, n);
    const raw = Array.from(p, (v) => v / sum);
    const q = raw.map(clip);
    const value = -q.reduce((s, qj, j) => s + alpha * y[j]! * (1 - qj) ** gamma * Math.log(qj), 0);
    const g = raw.map((r, j) => (clipped(r) ? 0 : -alpha * y[j]! * ((1 - q[j]!) ** gamma / q[j]! - focalSlope64(1 - q[j]!, gamma) * Math.log(q[j]!))));
    const dot = g.reduce((s, gj, j) => s + gj * raw[j]!, 0);
    return { value, grad: g.map((gj) => (gj - dot) / sum) };
  });
}

/** Every loss kernel (the value form's name; the gradient kernel is `<name>Grad`). */
export const LOSS_REFS: Record<LossName, LossRef> = {
  meanSquaredError: elementwiseLoss((p, t) => (p - t) ** 2, (p, t) => 2 * (p - t)),
  meanAbsoluteError: elementwiseLoss((p, t) => Math.abs(p - t), (p, t) => Math.sign(p - t)),
  huber: elementwiseLoss(
    (p, t, delta) => { const a = Math.abs(p - t); return a <= delta ? 0.5 * a * a : delta * a - 0.5 * delta * delta; },
    (p, t, delta) => Math.min(Math.max(p - t, -delta), delta),
  ),
  binaryCrossentropy: elementwiseLoss(
    (p, t) => -(t * Math.log(clip(p)) + (1 - t) * Math.log(1 - clip(p))),
    (p, t) => (clipped(p) ? 0 : (p - t) / (p * (1 - p))),
  ),
  // −(t·log σ(z) + (1 − t)·log(1 − σ(z))) = softplus(z) − t·z
  binaryCrossentropyLogits: elementwiseLoss(
    (z, t) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - t * z,
    (z, t) => sigmoid64(z) - t,
  ),
  categoricalCrossentropy: {
    // −Σ_j t_j·log(clip(p_j / Σp)), mean over rows
    value: (p, t, rows, cols) => {
      let s = 0;
      for (let r = 0; r < rows; r++) {
        const sum = rowSum(p, r * cols, cols);
        for (let j = 0; j < cols; j++) s -= t[r * cols + j]! * Math.log(clip(p[r * cols + j]! / sum));
      }
      return s / rows;
    },
    // ∂/∂p_k = (Σ_{j unclipped} t_j)/S − [k unclipped]·t_k/p_k; clipped terms are constants
    grad: (p, t, rows, cols) => {
      const g = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        const sum = rowSum(p, o, cols);
        let tLive = 0;
        for (let j = 0; j < cols; j++) if (!clipped(p[o + j]! / sum)) tLive += t[o + j]!;
        for (let j = 0; j < cols; j++) {
          const live = !clipped(p[o + j]! / sum);
          g[o + j] = (tLive / sum - (live ? t[o + j]! / p[o + j]! : 0)) / rows;
        }
      }
      return g;
    },
  },
  categoricalCrossentropyLogits: {
    // Σ_j t_j·(logΣe^z − z_j), mean over rows
    value: (z, t, rows, cols) => {
      let s = 0;
      for (let r = 0; r < rows; r++) {
        const lse = logSumExp(z, r * cols, cols);
        for (let j = 0; j < cols; j++) s += t[r * cols + j]! * (lse - z[r * cols + j]!);
      }
      return s / rows;
    },
    grad: (z, t, rows, cols) => {
      const g = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        const lse = logSumExp(z, o, cols);
        const tsum = rowSum(t, o, cols);
        for (let j = 0; j < cols; j++) g[o + j] = (Math.exp(z[o + j]! - lse) * tsum - t[o + j]!) / rows;
      }
      return g;
    },
  },
  sparseCategoricalCrossentropy: {
    // −log(clip(p[label] / Σp)), mean over rows
    value: (p, t, rows, cols) => {
      let s = 0;
      for (let r = 0; r < rows; r++) s -= Math.log(clip(p[r * cols + t[r]!]! / rowSum(p, r * cols, cols)));
      return s / rows;
    },
    grad: (p, t, rows, cols) => {
      const g = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        const sum = rowSum(p, o, cols);
        const l = t[r]!;
        if (clipped(p[o + l]! / sum)) continue; // the loss is constant there
        for (let j = 0; j < cols; j++) g[o + j] = (1 / sum - (j === l ? 1 / p[o + j]! : 0)) / rows;
      }
      return g;
    },
  },
  sparseCategoricalCrossentropyLogits: {
    // logΣe^z − z[label], mean over rows
    value: (z, t, rows, cols) => {
      let s = 0;
      for (let r = 0; r < rows; r++) s += logSumExp(z, r * cols, cols) - z[r * cols + t[r]!]!;
      return s / rows;
    },
    grad: (z, t, rows, cols) => {
      const g = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        const lse = logSumExp(z, o, cols);
        for (let j = 0; j < cols; j++) g[o + j] = (Math.exp(z[o + j]! - lse) - (j === t[r]! ? 1 : 0)) / rows;
      }
      return g;
    },
  },
  meanAbsolutePercentageError: elementwiseLoss(
    (p, t) => (100 * Math.abs(t - p)) / Math.max(Math.abs(t), EPSILON),
    (p, t) => (100 * Math.sign(p - t)) / Math.max(Math.abs(t), EPSILON),
  ),
  meanSquaredLogarithmicError: elementwiseLoss(
    (p, t) => (Math.log(Math.max(p, EPSILON) + 1) - Math.log(Math.max(t, EPSILON) + 1)) ** 2,
    (p, t) => (p < EPSILON ? 0 : (2 * (Math.log(p + 1) - Math.log(Math.max(t, EPSILON) + 1))) / (p + 1)),
  ),
  hinge: hingeRef(1),
  squaredHinge: hingeRef(2),
  categoricalHinge: rowwiseLoss((p, t) => {
    const pos = Array.from(p).reduce((s, v, j) => s + t[j]! * v, 0);
    const negs = Array.from(p, (v, j) => (1 - t[j]!) * v);
    const m = negs.indexOf(Math.max(...negs));
    const value = Math.max(negs[m]! - pos + 1, 0);
    return { value, grad: Array.from(p, (_, j) => (value > 0 ? (j === m ? 1 - t[j]! : 0) - t[j]! : 0)) };
  }),
  // −t·p/(‖t‖·‖p‖), each norm at least ε (Keras's rsqrt(max(Σx², ε²)))
  cosineSimilarity: rowwiseLoss((p, t) => {
    const np = Math.max(Math.hypot(...Array.from(p)), EPSILON), nt = Math.max(Math.hypot(...Array.from(t)), EPSILON);
    const d = Array.from(p).reduce((s, v, j) => s + v * t[j]!, 0);
    const live = np > EPSILON;
    return { value: -d / (np * nt), grad: Array.from(p, (v, j) => -(t[j]! / np - (live ? (d * v) / np ** 3 : 0)) / nt) };
  }),
  logCosh: elementwiseLoss((p, t) => Math.log(Math.cosh(p - t)), (p, t) => Math.tanh(p - t)),
  klDivergence: rowwiseLoss((p, t) => {
    const c = (v: number) => Math.min(Math.max(v, EPSILON), 1);
    const value = Array.from(p).reduce((s, v, j) => s + c(t[j]!) * Math.log(c(t[j]!) / c(v)), 0);
    return { value, grad: Array.from(p, (v, j) => (v < EPSILON || v > 1 ? 0 : -c(t[j]!) / v)) };
  }),
  poisson: elementwiseLoss((p, t) => p - t * Math.log(p + EPSILON), (p, t) => 1 - t / (p + EPSILON)),
  binaryFocalCrossentropy: binaryFocalRef(2, 1, 1, 0, false),
  binaryFocalCrossentropyLogits: binaryFocalRef(2, 1, 1, 0, true),
  categoricalFocalCrossentropy: categoricalFocalRef(0.25, 2, 0, false),
  categoricalFocalCrossentropyLogits: categoricalFocalRef(0.25, 2, 0, true),
};

/**
 * Returns a function that registers a model to be disposed after the current test, so no finalizer frees
 * arena memory in the middle of a later test that compares arena.bytesInUse before and after.
 */
export function disposeAfterEach(): <T extends Sequential>(model: T) => T {
  const models: Sequential[] = [];
  afterEach(() => {
    for (const m of models.splice(0)) m.dispose();
  });
  return (model) => {
    models.push(model);
    return model;
  };
}

// ─── Keras's geometry for convolutions and pooling ───

export type Padding = 'valid' | 'same';

/** Output size and leading pad of one axis, as Keras computes them (for 'same' the smaller half goes first). */
export function axis(padding: Padding, size: number, k: number, stride: number, dilation: number): { out: number; pad: number } {
  const span = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.max(0, Math.ceil((size - span + 1) / stride)), pad: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  return { out, pad: Math.floor(total / 2) };
}

/** A 2-D convolution's geometry, as a Keras layer hands it to the kernels. */
export interface ConvGeometry {
  batch: number; height: number; width: number; inC: number; outC: number; kH: number; kW: number;
  sh: number; sw: number; dh: number; dw: number; padTop: number; padLeft: number; outH: number; outW: number;
}

/** The geometry of a convolution with this input, kernel, strides, dilations and padding (Keras's arithmetic, `axis`). */
export function convGeometry(batch: number, [height, width]: [number, number], inC: number, outC: number, [kH, kW]: [number, number],
  [sh, sw]: [number, number], [dh, dw]: [number, number], padding: Padding): ConvGeometry {
  const y = axis(padding, height, kH, sh, dh);
  const x = axis(padding, width, kW, sw, dw);
  return { batch, height, width, inC, outC, kH, kW, sh, sw, dh, dw, padTop: y.pad, padLeft: x.pad, outH: y.out, outW: x.out };
}

/** The convolution kernels' geometry arguments, in order. */
export const convDims = (g: ConvGeometry) =>
  [g.batch, g.height, g.width, g.inC, g.outC, g.kH, g.kW, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, g.outH, g.outW] as const;

/** Floats in x, in the kernel w and in the output. */
export const convSizes = (g: ConvGeometry) => ({
  x: g.batch * g.height * g.width * g.inC, w: g.kH * g.kW * g.inC * g.outC, out: g.batch * g.outH * g.outW * g.outC,
});

/** Σ a_i·b_i in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Mean, sample variance and standard deviation, and the range of draws (for checking distributions). */
export function sampleStats(x: Float32Array): { mean: number; variance: number; std: number; min: number; max: number } {
  let sum = 0;
  for (const v of x) sum += v;
  const mean = sum / x.length;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) {
    sq += (v - mean) ** 2;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const variance = sq / (x.length - 1);
  return { mean, variance, std: Math.sqrt(variance), min, max };
}

/**
 * Logit rows that reach every path of the kernels' four-lane exp (expf4 in assembly/math.ts): ordinary values,
 * values around expf's special-case edges (|x| ≥ 88, underflow below −103.97), ±Infinity, subnormals and
 * signed zeros, so a row's exps land in SIMD lanes, in lanes sent back to expf, and in the scalar tail.
 */
export function expEdgeLogits(n: number, rng: Rng): Float32Array {
  const edges = [0, -0, 1e-40, -1e-40, 87.9, 88, 88.7, 89, -87.9, -88.1, -103.9, -104, -150, 1000, -1000, -Infinity];
  const x = randn(n, rng, 30);
  for (let i = 0; i < x.length; i++) if (rng() < 0.3) x[i] = edges[Math.floor(rng() * edges.length)]!;
  return x;
}
