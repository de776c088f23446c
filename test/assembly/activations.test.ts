// Activation kernels from one table: forward against float64, gradient against the float64 derivative and
// against finite differences of the float64 forward, extreme inputs, in-place gradients, untouched neighbours.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import {
  ACTIVATION_REFS, SELU_ALPHA, SELU_SCALE, erf, expectClose, expectSameBits, mulberry32, normalCdf, numericGrad, randn,
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
    const x = Float32Array.from([-50, 50, -100, 100, -88.8, 88.8, -1000, 1000, -1e4, 1e4, -20, 20, -30]);
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
    const tested = [...new Set(TABLE.flatMap((row) => [row.ref, `${row.ref}Grad`])), 'softmax', 'softmaxGrad', 'applyActivation'].sort();
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
