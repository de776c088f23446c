// Activation kernels from one table: forward against float64, gradient against the float64 derivative and
// against finite differences of the float64 forward, extreme inputs, in-place gradients, untouched neighbours.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import {
  ACTIVATION_REFS, SELU_ALPHA, SELU_SCALE, erf, expEdgeLogits, expectClose, expectSameBits, logSoftmaxRef, mulberry32, normalCdf, numericGrad, randn,
  softmaxGradRef, softmaxRef, uniform, useWasm, type ElementwiseActivation,
} from '../helpers.js';

const wasm = useWasm();
const SIZES = [1, 3, 5, 17, 33, 127];

type Forward = (y: number, x: number, n: number) => void;
type Backward = (dx: number, dy: number, x: number, y: number, n: number) => void;

interface Row {
  label: string;
  ref: ElementwiseActivation;
  alpha: number;
  forward: Forward;
  grad: Backward;
}

/** Kernel pairs with their float64 reference; activations with a parameter appear once per tested value. */
const TABLE: Row[] = [
  { label: 'linear', ref: 'linear', alpha: 0, forward: kernels.linear, grad: kernels.linearGrad },
  { label: 'relu', ref: 'relu', alpha: 0, forward: kernels.relu, grad: kernels.reluGrad },
  ...[0.2, 0.01].map((alpha): Row => ({
    label: `leakyRelu(${alpha})`, ref: 'leakyRelu', alpha: Math.fround(alpha),
    forward: (y, x, n) => kernels.leakyRelu(y, x, n, alpha),
    grad: (dx, dy, x, y, n) => kernels.leakyReluGrad(dx, dy, x, y, n, alpha),
  })),
  { label: 'sigmoid', ref: 'sigmoid', alpha: 0, forward: kernels.sigmoid, grad: kernels.sigmoidGrad },
  { label: 'tanh', ref: 'tanh', alpha: 0, forward: kernels.tanh, grad: kernels.tanhGrad },
  ...[1, 0.5].map((alpha): Row => ({
    label: `elu(${alpha})`, ref: 'elu', alpha: Math.fround(alpha),
    forward: (y, x, n) => kernels.elu(y, x, n, alpha),
    grad: (dx, dy, x, y, n) => kernels.eluGrad(dx, dy, x, y, n, alpha),
  })),
  { label: 'selu', ref: 'selu', alpha: 0, forward: kernels.selu, grad: kernels.seluGrad },
  { label: 'gelu', ref: 'gelu', alpha: 0, forward: kernels.gelu, grad: kernels.geluGrad },
  { label: 'swish', ref: 'swish', alpha: 0, forward: kernels.swish, grad: kernels.swishGrad },
  { label: 'softplus', ref: 'softplus', alpha: 0, forward: kernels.softplus, grad: kernels.softplusGrad },
  { label: 'relu6', ref: 'relu6', alpha: 0, forward: kernels.relu6, grad: kernels.relu6Grad },
  { label: 'hardSigmoid', ref: 'hardSigmoid', alpha: 0, forward: kernels.hardSigmoid, grad: kernels.hardSigmoidGrad },
  { label: 'hardSwish', ref: 'hardSwish', alpha: 0, forward: kernels.hardSwish, grad: kernels.hardSwishGrad },
  { label: 'softsign', ref: 'softsign', alpha: 0, forward: kernels.softsign, grad: kernels.softsignGrad },
  { label: 'mish', ref: 'mish', alpha: 0, forward: kernels.mish, grad: kernels.mishGrad },
  { label: 'logSigmoid', ref: 'logSigmoid', alpha: 0, forward: kernels.logSigmoid, grad: kernels.logSigmoidGrad },
  { label: 'exponential', ref: 'exponential', alpha: 0, forward: kernels.exponential, grad: kernels.exponentialGrad },
  ...[1, 0.5, 2].map((alpha): Row => ({
    label: `celu(${alpha})`, ref: 'celu', alpha: Math.fround(alpha),
    forward: (y, x, n) => kernels.celu(y, x, n, alpha),
    grad: (dx, dy, x, y, n) => kernels.celuGrad(dx, dy, x, y, n, alpha),
  })),
  { label: 'geluApproximate', ref: 'geluApproximate', alpha: 0, forward: kernels.geluApproximate, grad: kernels.geluApproximateGrad },
];

// Forward: a few f32 ulps. Gradient: rules written with y lose relative accuracy where 1 − y cancels (sigmoid and
// tanh near saturation), so the absolute floor is a few ulps of 1 times |dy|.
const FORWARD_TOL = { rtol: 2e-6, atol: 1e-7 };
const GRAD_TOL = { rtol: 1e-5, atol: 1e-6 };

/** Test inputs: normal values spread over [−9, 9], plus zeros and values on both sides of the kink at 0. */
function inputs(n: number, seed: number): Float32Array {
  const x = randn(n, mulberry32(seed), 3);
  const special = [0, -1e-3, 1e-3, 2, -2, 8, -8, -0.5];
  // Spread over SIMD lanes and the scalar tail (5 is coprime to every size above 8 used here).
  special.forEach((v, i) => { if (i < n) x[n > special.length ? (i * 5) % n : i] = v; });
  return x;
}

/** Away from the kink at 0 (finite differences straddling it would average two slopes). */
function smoothInputs(n: number, seed: number): Float32Array {
  const x = randn(n, mulberry32(seed), 3);
  for (let i = 0; i < n; i++) if (Math.abs(x[i]!) < 0.01) x[i] = 0.5;
  return x;
}

/** Runs forward then gradient the way a layer does (y from the kernel's own forward); all outputs guarded. */
function run(row: Row, x: Float32Array, dy: Float32Array) {
  const n = x.length;
  const px = wasm.put(x);
  const stale = new Float32Array(n).fill(Number.NaN); // outputs must be written, never read
  const y = wasm.guarded(n, stale);
  row.forward(y.ptr, px, n);
  y.expectIntact();
  const pdy = wasm.put(dy);
  const dx = wasm.guarded(n, stale);
  row.grad(dx.ptr, pdy, px, y.ptr, n);
  dx.expectIntact();
  expectSameBits(wasm.read(pdy, n), dy, `${row.label}Grad overwrote dy`);
  expectSameBits(wasm.read(px, n), x, `${row.label} overwrote x`);
  return { y: y.read(), dx: dx.read(), px, py: y.ptr, pdy };
}

for (const row of TABLE) describe(row.label, () => {
  const { f, df } = ACTIVATION_REFS[row.ref];

  it.each(SIZES)('forward matches float64, n = %i', (n) => {
    const x = inputs(n, n);
    const { y } = run(row, x, new Float32Array(n));
    expectClose(y, Array.from(x, (v) => f(v, row.alpha)), { ...FORWARD_TOL, label: `${row.label} n=${n}` });
  });

  it.each(SIZES)('gradient matches the float64 derivative, n = %i', (n) => {
    const x = inputs(n, 10 + n);
    const dy = randn(n, mulberry32(20 + n));
    const { dx } = run(row, x, dy);
    expectClose(dx, Array.from(x, (v, i) => dy[i]! * df(v, row.alpha)), { ...GRAD_TOL, label: `${row.label}Grad n=${n}` });
  });

  it.each(SIZES)('gradient matches finite differences of the float64 forward, n = %i', (n) => {
    const x = smoothInputs(n, 30 + n);
    const dy = randn(n, mulberry32(40 + n));
    const { dx } = run(row, x, dy);
    // d/dx of Σ dy·f(x) is dy·f′(x) elementwise.
    const fd = numericGrad((v) => v.reduce((s, vi, i) => s + dy[i]! * f(vi, row.alpha), 0), Float64Array.from(x));
    expectClose(dx, fd, { ...GRAD_TOL, label: `${row.label}Grad vs finite differences n=${n}` });
  });

  it('stays finite and accurate for large |x|', () => {
    // e^x overflows f32 past 88.7 as it must: exponential is checked on its own range.
    const x = row.ref === 'exponential' ? Float32Array.from([-50, 50, -100, 80, -88, 88, -1000, -1e4, -20, 20, -30])
      : Float32Array.from([-50, 50, -100, 100, -88.8, 88.8, -1000, 1000, -1e4, 1e4, -20, 20, -30]);
    const dy = new Float32Array(x.length).fill(1);
    const { y, dx } = run(row, x, dy);
    for (const v of [...y, ...dx]) expect(Number.isFinite(v), `${row.label}: ${y} / ${dx}`).toBe(true);
    expectClose(y, Array.from(x, (v) => f(v, row.alpha)), { ...FORWARD_TOL, label: `${row.label} large |x|` });
    expectClose(dx, Array.from(x, (v) => df(v, row.alpha)), { ...GRAD_TOL, label: `${row.label}Grad large |x|` });
  });

  it('gradient in place (dx aliasing dy) equals the out-of-place result', () => {
    for (const n of SIZES) {
      const x = inputs(n, 50 + n);
      const dy = randn(n, mulberry32(60 + n));
      const { dx, px, py, pdy } = run(row, x, dy);
      row.grad(pdy, pdy, px, py, n);
      expectSameBits(wasm.read(pdy, n), dx, `${row.label}Grad in place n=${n}`);
    }
  });
});

describe('softmax', () => {
  const ROWS = [1, 3];
  const SOFTMAX_TOL = { rtol: 1e-5, atol: 1e-7 };

  function runSoftmax(x: Float32Array, dy: Float32Array, rows: number, cols: number) {
    const px = wasm.put(x);
    const stale = new Float32Array(rows * cols).fill(Number.NaN); // outputs must be written, never read
    const y = wasm.guarded(rows * cols, stale);
    kernels.softmax(y.ptr, px, rows, cols);
    y.expectIntact();
    const pdy = wasm.put(dy);
    const dx = wasm.guarded(rows * cols, stale);
    kernels.softmaxGrad(dx.ptr, pdy, px, y.ptr, rows, cols);
    dx.expectIntact();
    return { y: y.read(), dx: dx.read(), px, py: y.ptr, pdy };
  }

  it.each(SIZES)('forward matches float64 row by row, cols = %i', (cols) => {
    for (const rows of ROWS) {
      const x = randn(rows * cols, mulberry32(cols * 10 + rows), 3);
      const { y } = runSoftmax(x, new Float32Array(x.length), rows, cols);
      expectClose(y, softmaxRef(x, rows, cols), { ...SOFTMAX_TOL, label: `softmax ${rows}×${cols}` });
    }
  });

  it.each(SIZES)('gradient matches Jᵀ·dy in float64 and finite differences, cols = %i', (cols) => {
    for (const rows of ROWS) {
      const rng = mulberry32(cols * 100 + rows);
      const x = randn(rows * cols, rng, 2);
      const dy = randn(rows * cols, rng);
      const { dx } = runSoftmax(x, dy, rows, cols);
      expectClose(dx, softmaxGradRef(dy, x, rows, cols), { ...SOFTMAX_TOL, label: `softmaxGrad ${rows}×${cols}` });
      const dot = (v: Float64Array) => softmaxRef(v, rows, cols).reduce((s, yi, i) => s + dy[i]! * yi, 0);
      const fd = numericGrad(dot, Float64Array.from(x));
      expectClose(dx, fd, { ...SOFTMAX_TOL, label: `softmaxGrad vs finite differences ${rows}×${cols}` });
    }
  });

  it('gives the bits of a row at a time with the scalar expf (its exps run four at a time)', () => {
    // Reference: x − max, e^ by the exponential activation (expf one element at a time), Σ in order, ÷ Σ.
    // The 2 × 40,000 block puts 80,000 exps through the SIMD lanes: one of the exp's constants off by 2^-28 changes
    // some (scripts/exp-exhaustive.mjs checks every f32 input).
    for (const [rows, cols] of [1, 2, 3, 5, 10, 13].flatMap((c) => [1, 2, 3, 7].map((r) => [r, c] as const)).concat([[2, 40_000]])) {
      const rng = mulberry32(rows * 31 + cols);
      const x = cols > 100 ? randn(rows * cols, rng, 4) : expEdgeLogits(rows * cols, rng); // the long rows: within ±88
      const d = new Float32Array(x.length);
      for (let r = 0; r < rows; r++) {
        const row = x.subarray(r * cols, (r + 1) * cols);
        const m = row.reduce((a, v) => Math.max(a, v));
        for (let j = 0; j < cols; j++) d[r * cols + j] = row[j]! - m;
      }
      const pd = wasm.put(d);
      kernels.exponential(pd, pd, d.length);
      const e = wasm.read(pd, d.length);
      const want = new Float32Array(x.length);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let j = 0; j < cols; j++) sum = Math.fround(sum + e[r * cols + j]!);
        for (let j = 0; j < cols; j++) want[r * cols + j] = e[r * cols + j]! / sum;
      }
      const { y } = runSoftmax(x, new Float32Array(x.length), rows, cols);
      expectSameBits(y, want, `softmax ${rows}×${cols}`);
    }
  });

  it('is finite, normalised and shift-invariant for large logits', () => {
    const cols = 7;
    const x = Float32Array.from([
      50, -50, 100, -100, 0, 3, 1000,
      -1000, -1000, -1000, -1000, -1000, -1000, -999,
      88, 89, 90, 88, 89, 90, -1e4,
    ]);
    const rows = x.length / cols;
    const dy = uniform(x.length, mulberry32(5));
    const { y, dx } = runSoftmax(x, dy, rows, cols);
    for (const v of [...y, ...dx]) expect(Number.isFinite(v)).toBe(true);
    expectClose(y, softmaxRef(x, rows, cols), { ...SOFTMAX_TOL, label: 'softmax large logits' });
    expectClose(dx, softmaxGradRef(dy, x, rows, cols), { ...SOFTMAX_TOL, label: 'softmaxGrad large logits' });
    for (let r = 0; r < rows; r++) {
      expect(y.subarray(r * cols, (r + 1) * cols).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    }
  });

  it('gradient in place (dx aliasing dy) equals the out-of-place result', () => {
    for (const cols of SIZES) {
      const rows = 3;
      const rng = mulberry32(cols);
      const x = randn(rows * cols, rng);
      const { dx, px, py, pdy } = runSoftmax(x, randn(rows * cols, rng), rows, cols);
      kernels.softmaxGrad(pdy, pdy, px, py, rows, cols);
      expectSameBits(wasm.read(pdy, rows * cols), dx, `softmaxGrad in place cols=${cols}`);
    }
  });
});

describe('the table and its references', () => {
  it('covers every kernel in assembly/activations.ts', () => {
    const source = readFileSync(new URL('../../assembly/activations.ts', import.meta.url), 'utf8');
    const exported = [...source.matchAll(/^export function (\w+)/gm)].map((m) => m[1]!).sort();
    // applyActivation (the id dispatch used by fused kernels) is checked row by row in matmul.test.ts.
    const rowWise = ['softmax', 'logSoftmax', 'softmaxAxis', 'reluWith', 'prelu'].flatMap((name) => [name, `${name}Grad`]);
    const tested = [...new Set(TABLE.flatMap((row) => [row.ref, `${row.ref}Grad`])), ...rowWise, 'applyActivation'].sort();
    expect(tested).toEqual(exported);
  });

  it("selu uses Keras's constants to f32 precision", () => {
    // selu(1) = scale and selu(−∞) = −scale·alpha isolate the two constants (a 1e-6 error passes the table).
    const y = wasm.alloc(2);
    kernels.selu(y, wasm.put([1, -1000]), 2);
    const [scale, alpha] = [Math.fround(SELU_SCALE), Math.fround(SELU_ALPHA)];
    expectSameBits(wasm.read(y, 2), Float32Array.from([scale, -Math.fround(scale * alpha)]));
  });

  it('float64 erf and Φ match tabulated values', () => {
    const table: [number, number][] = [[0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527],
      [3, 0.9999779095030014], [-1, -0.8427007929497149]];
    for (const [x, v] of table) expect(erf(x)).toBeCloseTo(v, 14);
    const cdf = [normalCdf(1.96), normalCdf(-5), normalCdf(-10)];
    expectClose(cdf, [0.9750021048517795, 2.866515718791939e-7, 7.619853024160527e-24], { rtol: 1e-12, label: 'Φ' });
  });
});

describe('logSoftmax', () => {
  const TOL = { rtol: 1e-5, atol: 2e-6 };
  function runLog(x: Float32Array, dy: Float32Array, rows: number, cols: number) {
    const px = wasm.put(x);
    const stale = new Float32Array(rows * cols).fill(Number.NaN);
    const y = wasm.guarded(rows * cols, stale);
    kernels.logSoftmax(y.ptr, px, rows, cols);
    y.expectIntact();
    const pdy = wasm.put(dy);
    const dx = wasm.guarded(rows * cols, stale);
    kernels.logSoftmaxGrad(dx.ptr, pdy, px, y.ptr, rows, cols);
    dx.expectIntact();
    return { y: y.read(), dx: dx.read(), px, py: y.ptr, pdy };
  }

  it.each(SIZES)('forward and gradient match float64 and finite differences, cols = %i', (cols) => {
    for (const rows of [1, 3]) {
      const rng = mulberry32(cols * 7 + rows);
      const x = randn(rows * cols, rng, 3);
      const dy = randn(rows * cols, rng);
      const { y, dx } = runLog(x, dy, rows, cols);
      expectClose(y, logSoftmaxRef(x, rows, cols), { ...TOL, label: `logSoftmax ${rows}×${cols}` });
      const dot = (v: Float64Array) => logSoftmaxRef(v, rows, cols).reduce((s, yi, i) => s + dy[i]! * yi, 0);
      expectClose(dx, numericGrad(dot, Float64Array.from(x)), { ...TOL, label: `logSoftmaxGrad ${rows}×${cols}` });
    }
  });

  it('is finite for large logits (no log of 0) and in place equals out of place', () => {
    const x = Float32Array.from([1000, -1000, 0, 1e4, -1e4, 88, 89, 90, -200]);
    const dy = uniform(x.length, mulberry32(3));
    const { y, dx, px, py, pdy } = runLog(x, dy, 3, 3);
    for (const v of [...y, ...dx]) expect(Number.isFinite(v)).toBe(true);
    expectClose(y, logSoftmaxRef(x, 3, 3), { ...TOL, label: 'logSoftmax large' });
    kernels.logSoftmaxGrad(pdy, pdy, px, py, 3, 3);
    expectSameBits(wasm.read(pdy, 9), dx, 'logSoftmaxGrad in place');
  });
});

describe('softmaxAxis: softmax over the middle axis of [outer, size, inner]', () => {
  /** x [outer, size, inner] → [outer·inner, size] rows. */
  function toRows(x: ArrayLike<number>, outer: number, size: number, inner: number): Float32Array {
    const r = new Float32Array(outer * size * inner);
    for (let o = 0; o < outer; o++) for (let j = 0; j < size; j++) for (let i = 0; i < inner; i++) r[(o * inner + i) * size + j] = x[(o * size + j) * inner + i]!;
    return r;
  }
  it.each([[2, 3, 5], [1, 4, 1], [3, 7, 2], [2, 1, 3]])('equals the row kernel on the transposed data to the bit, %i×%i×%i', (outer, size, inner) => {
    const rng = mulberry32(outer * 100 + size * 10 + inner);
    const n = outer * size * inner;
    const x = randn(n, rng, 3);
    const dy = randn(n, rng);
    const y = wasm.guarded(n);
    kernels.softmaxAxis(y.ptr, wasm.put(x), outer, size, inner);
    y.expectIntact();
    const dx = wasm.guarded(n);
    kernels.softmaxAxisGrad(dx.ptr, wasm.put(dy), 0, y.ptr, outer, size, inner);
    dx.expectIntact();
    const ry = wasm.alloc(n);
    kernels.softmax(ry, wasm.put(toRows(x, outer, size, inner)), outer * inner, size);
    expectSameBits(toRows(y.read(), outer, size, inner), wasm.read(ry, n), 'softmaxAxis');
    const rdx = wasm.alloc(n);
    kernels.softmaxGrad(rdx, wasm.put(toRows(dy, outer, size, inner)), 0, ry, outer * inner, size);
    expectSameBits(toRows(dx.read(), outer, size, inner), wasm.read(rdx, n), 'softmaxAxisGrad');
  });
});

describe("reluWith: Keras's ReLU with maxValue, negativeSlope and threshold", () => {
  const f = (x: number, max: number, slope: number, th: number) => (x > th ? Math.min(x, max) : slope * (x - th));
  const df = (x: number, max: number, slope: number, th: number) => (x > th ? (x < max ? 1 : 0) : slope);
  it.each([[6, 0, 0], [Infinity, 0.1, 0], [4, 0.2, 1], [Infinity, 0, 0.5], [1, 0.3, 2]])('maxValue %f, negativeSlope %f, threshold %f', (max, slope, th) => {
    for (const n of SIZES) {
      const x = smoothInputs(n, n + 3);
      const dy = randn(n, mulberry32(n));
      const px = wasm.put(x);
      const y = wasm.guarded(n);
      kernels.reluWith(y.ptr, px, n, max, slope, th);
      y.expectIntact();
      const dx = wasm.guarded(n);
      kernels.reluWithGrad(dx.ptr, wasm.put(dy), px, y.ptr, n, max, slope, th);
      dx.expectIntact();
      const [m, s, t] = [Math.fround(max), Math.fround(slope), Math.fround(th)];
      expectClose(y.read(), Array.from(x, (v) => f(v, m, s, t)), { ...FORWARD_TOL, label: `reluWith n=${n}` });
      expectClose(dx.read(), Array.from(x, (v, i) => dy[i]! * df(v, m, s, t)), { ...GRAD_TOL, label: `reluWithGrad n=${n}` });
      const fd = numericGrad((v) => v.reduce((acc, vi, i) => acc + dy[i]! * f(vi, m, s, t), 0), Float64Array.from(x));
      expectClose(dx.read(), fd, { ...GRAD_TOL, label: `reluWithGrad vs finite differences n=${n}` });
    }
  });
});

describe('prelu: x [outer, a, s, b], alpha [a, b]', () => {
  function ref(x: Float32Array, alpha: Float32Array, dy: Float32Array, [outer, a, s, b]: [number, number, number, number]) {
    const y = new Float64Array(x.length);
    const dx = new Float64Array(x.length);
    const da = new Float64Array(a * b);
    let k = 0;
    for (let o = 0; o < outer; o++) for (let p = 0; p < a; p++) for (let q = 0; q < s; q++) for (let r = 0; r < b; r++, k++) {
      const w = alpha[p * b + r]!;
      y[k] = x[k]! > 0 ? x[k]! : w * x[k]!;
      dx[k] = x[k]! > 0 ? dy[k]! : w * dy[k]!;
      if (x[k]! <= 0) da[p * b + r] = da[p * b + r]! + dy[k]! * x[k]!;
    }
    return { y, dx, da };
  }
  const DIMS: Array<[number, number, number, number]> = [[2, 3, 1, 1], [3, 2, 4, 1], [2, 1, 3, 5], [1, 2, 3, 2], [4, 3, 2, 5]];
  it.each(DIMS)('forward, dx and dalpha match float64 and finite differences, %i×%i×%i×%i', (...dims) => {
    const [outer, a, s, b] = dims;
    const n = outer * a * s * b;
    const rng = mulberry32(n);
    const x = smoothInputs(n, n + 1);
    const alpha = uniform(a * b, rng, -0.5, 0.8);
    const dy = randn(n, rng);
    const px = wasm.put(x);
    const palpha = wasm.put(alpha);
    const y = wasm.guarded(n);
    kernels.prelu(y.ptr, px, palpha, outer, a, s, b);
    y.expectIntact();
    const dx = wasm.guarded(n);
    const da = wasm.guarded(a * b, new Float32Array(a * b).fill(Number.NaN)); // overwritten, not accumulated into
    kernels.preluGrad(dx.ptr, da.ptr, wasm.put(dy), px, palpha, outer, a, s, b);
    dx.expectIntact();
    da.expectIntact();
    const r = ref(x, alpha, dy, dims);
    expectClose(y.read(), r.y, { ...FORWARD_TOL, label: 'prelu' });
    expectClose(dx.read(), r.dx, { ...GRAD_TOL, label: 'preluGrad dx' });
    expectClose(da.read(), r.da, { ...GRAD_TOL, label: 'preluGrad dalpha' });
    const loss = (w: Float64Array) => ref(x, Float32Array.from(w), dy, dims).y.reduce((acc, v, i) => acc + dy[i]! * v, 0);
    expectClose(da.read(), numericGrad(loss, Float64Array.from(alpha), 1e-3), { rtol: 1e-4, atol: 1e-5, label: 'dalpha vs finite differences' });
    // Without an input gradient dalpha is the same; without dalpha dx is the same.
    const da2 = wasm.alloc(a * b);
    kernels.preluGrad(0, da2, wasm.put(dy), px, palpha, outer, a, s, b);
    expectSameBits(wasm.read(da2, a * b), da.read(), 'dalpha without dx');
    const dx2 = wasm.alloc(n);
    kernels.preluGrad(dx2, 0, wasm.put(dy), px, palpha, outer, a, s, b);
    expectSameBits(wasm.read(dx2, n), dx.read(), 'dx without dalpha');
  });
});

describe('applyActivation: the ids added with the new activations', () => {
  const IDS: Array<[string, number, (y: number, x: number, rows: number, cols: number) => void]> = [
    ['relu6', kernels.ACTIVATION_RELU6.value, (y, x, r, c) => kernels.relu6(y, x, r * c)],
    ['hardSigmoid', kernels.ACTIVATION_HARD_SIGMOID.value, (y, x, r, c) => kernels.hardSigmoid(y, x, r * c)],
    ['hardSwish', kernels.ACTIVATION_HARD_SWISH.value, (y, x, r, c) => kernels.hardSwish(y, x, r * c)],
    ['softsign', kernels.ACTIVATION_SOFTSIGN.value, (y, x, r, c) => kernels.softsign(y, x, r * c)],
    ['mish', kernels.ACTIVATION_MISH.value, (y, x, r, c) => kernels.mish(y, x, r * c)],
    ['logSoftmax', kernels.ACTIVATION_LOG_SOFTMAX.value, (y, x, r, c) => kernels.logSoftmax(y, x, r, c)],
    ['logSigmoid', kernels.ACTIVATION_LOG_SIGMOID.value, (y, x, r, c) => kernels.logSigmoid(y, x, r * c)],
    ['exponential', kernels.ACTIVATION_EXPONENTIAL.value, (y, x, r, c) => kernels.exponential(y, x, r * c)],
    ['celu', kernels.ACTIVATION_CELU.value, (y, x, r, c) => kernels.celu(y, x, r * c, 0.7)],
    ['geluApproximate', kernels.ACTIVATION_GELU_APPROXIMATE.value, (y, x, r, c) => kernels.geluApproximate(y, x, r * c)],
  ];
  it.each(IDS)('%s (id %i) equals its own kernel to the bit', (_, id, separate) => {
    const [rows, cols] = [3, 7];
    const x = wasm.put(randn(rows * cols, mulberry32(id), 3));
    const y = wasm.alloc(rows * cols);
    const z = wasm.alloc(rows * cols);
    kernels.applyActivation(id, y, x, rows, cols, 0.7);
    separate(z, x, rows, cols);
    expectSameBits(wasm.read(y, rows * cols), wasm.read(z, rows * cols));
  });
});
