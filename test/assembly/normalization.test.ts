// Batch-normalization kernels against float64 loops written from the formulas, on channels on every SIMD block and
// tail (1, 3, 4, 5, 8, 13) and awkward row counts, with sentinels around each output; the gradient also by finite
// differences through batchNormTrain; the moving statistics as Keras 3 updates them; inference per sample.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/backend.js';
import { dot, expectClose, expectSameBits, mulberry32, numericGrad, uniform, useWasm, type Rng } from '../helpers.js';

const wasm = useWasm();
const CHANNELS = [1, 3, 4, 5, 8, 13];
const ROWS = [1, 2, 7, 35, 210]; // a lone row (variance 0), a batch of 5 images of 7×6, …
const EPSILON = 1e-3; // Keras's default

// ─── Float64 references ───

interface Stats { mean: Float64Array; variance: Float64Array; invStd: Float64Array }

/** Per channel mean and biased variance over the rows, and 1/√(var + ε), in float64. */
function statsRef(x: ArrayLike<number>, rows: number, channels: number, epsilon: number): Stats {
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let r = 0; r < rows; r++) for (let c = 0; c < channels; c++) mean[c] = mean[c]! + x[r * channels + c]! / rows;
  for (let r = 0; r < rows; r++) for (let c = 0; c < channels; c++) variance[c] = variance[c]! + (x[r * channels + c]! - mean[c]!) ** 2 / rows;
  return { mean, variance, invStd: variance.map((v) => 1 / Math.sqrt(v + epsilon)) };
}

/** out = (x − mean)/√(var + ε)·gamma + beta per element (gamma, beta undefined: absent). */
function normalizeRef(x: ArrayLike<number>, rows: number, channels: number, mean: ArrayLike<number>, variance: ArrayLike<number>,
  epsilon: number, gamma?: ArrayLike<number>, beta?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows * channels);
  for (let r = 0; r < rows; r++) for (let c = 0; c < channels; c++) {
    const i = r * channels + c;
    out[i] = (x[i]! - mean[c]!) / Math.sqrt(variance[c]! + epsilon) * (gamma ? gamma[c]! : 1) + (beta ? beta[c]! : 0);
  }
  return out;
}

/** dbeta = Σdy, dgamma = Σdy·xhat, dx = gamma·invStd/N·(N·dy − Σdy − xhat·Σdy·xhat), in float64. */
function gradRef(dy: ArrayLike<number>, xhat: ArrayLike<number>, invStd: ArrayLike<number>, rows: number, channels: number,
  gamma?: ArrayLike<number>): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const dgamma = new Float64Array(channels);
  const dbeta = new Float64Array(channels);
  for (let r = 0; r < rows; r++) for (let c = 0; c < channels; c++) {
    dbeta[c] = dbeta[c]! + dy[r * channels + c]!;
    dgamma[c] = dgamma[c]! + dy[r * channels + c]! * xhat[r * channels + c]!;
  }
  const dx = new Float64Array(rows * channels);
  for (let r = 0; r < rows; r++) for (let c = 0; c < channels; c++) {
    const i = r * channels + c;
    dx[i] = (gamma ? gamma[c]! : 1) * invStd[c]! / rows * (rows * dy[i]! - dbeta[c]! - xhat[i]! * dgamma[c]!);
  }
  return { dx, dgamma, dbeta };
}

// ─── Running the kernels on guarded buffers ───

interface Data { x: Float32Array; gamma: Float32Array; beta: Float32Array; movingMean: Float32Array; movingVar: Float32Array; dy: Float32Array }

/** Channels with their own offsets and spreads (a channel at 3 ± 0.1 and one at −1 ± 2), so no statistic is trivial. */
function data(rows: number, channels: number, rng: Rng): Data {
  const centre = uniform(channels, rng, -3, 3);
  const spread = uniform(channels, rng, 0.1, 2);
  const x = uniform(rows * channels, rng).map((v, i) => centre[i % channels]! + spread[i % channels]! * v);
  return {
    x, gamma: uniform(channels, rng, 0.5, 1.5), beta: uniform(channels, rng), movingMean: uniform(channels, rng),
    movingVar: uniform(channels, rng, 0.5, 2), dy: uniform(rows * channels, rng),
  };
}

interface Train { out: Float32Array; xhat: Float32Array; mean: Float32Array; invStd: Float32Array; movingMean: Float32Array; movingVar: Float32Array }

function runTrain(d: Data, rows: number, channels: number, momentum: number, affine = true, epsilon = EPSILON): Train {
  const nan = (n: number) => new Float32Array(n).fill(Number.NaN); // must be overwritten
  const out = wasm.guarded(rows * channels, nan(rows * channels));
  const xhat = wasm.guarded(rows * channels, nan(rows * channels), 1);
  const mean = wasm.guarded(channels, nan(channels));
  const invStd = wasm.guarded(channels, nan(channels), 3);
  const movingMean = wasm.guarded(channels, d.movingMean);
  const movingVar = wasm.guarded(channels, d.movingVar, 2);
  const x = wasm.put(d.x);
  kernels.batchNormTrain(out.ptr, xhat.ptr, mean.ptr, invStd.ptr, x, affine ? wasm.put(d.gamma) : 0, affine ? wasm.put(d.beta) : 0,
    movingMean.ptr, movingVar.ptr, rows, channels, momentum, epsilon);
  for (const g of [out, xhat, mean, invStd, movingMean, movingVar]) g.expectIntact();
  expectSameBits(wasm.read(x, d.x.length), d.x, 'batchNormTrain overwrote x');
  return { out: out.read(), xhat: xhat.read(), mean: mean.read(), invStd: invStd.read(), movingMean: movingMean.read(), movingVar: movingVar.read() };
}

function runInference(x: Float32Array, d: Data, rows: number, channels: number, affine = true): Float32Array {
  const out = wasm.guarded(rows * channels, new Float32Array(rows * channels).fill(Number.NaN), 1);
  kernels.batchNormInference(out.ptr, wasm.put(x), affine ? wasm.put(d.gamma) : 0, affine ? wasm.put(d.beta) : 0,
    wasm.put(d.movingMean), wasm.put(d.movingVar), rows, channels, EPSILON);
  out.expectIntact();
  return out.read();
}

interface Grad { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array }

/** batchNormGrad with every output present (stale values in them must be overwritten); gamma undefined: absent. */
function runGrad(dy: Float32Array, xhat: Float32Array, invStd: Float32Array, rows: number, channels: number, gamma?: Float32Array): Grad {
  const dx = wasm.guarded(rows * channels, uniform(rows * channels, mulberry32(1)), 1);
  const dgamma = wasm.guarded(channels, uniform(channels, mulberry32(2)));
  const dbeta = wasm.guarded(channels, uniform(channels, mulberry32(3)), 2);
  kernels.batchNormGrad(dx.ptr, dgamma.ptr, dbeta.ptr, wasm.put(dy), wasm.put(xhat), wasm.put(invStd), gamma ? wasm.put(gamma) : 0, rows, channels);
  for (const g of [dx, dgamma, dbeta]) g.expectIntact();
  return { dx: dx.read(), dgamma: dgamma.read(), dbeta: dbeta.read() };
}

// ─── Forward in training ───

describe('batchNormTrain', () => {
  it.each(CHANNELS)('channels = %i: mean, invStd, xhat and out on every row count, with and without gamma and beta', (channels) => {
    let seed = channels * 100;
    for (const rows of ROWS) for (const affine of [true, false]) {
      const d = data(rows, channels, mulberry32(seed++));
      const got = runTrain(d, rows, channels, 0.99, affine);
      const ref = statsRef(d.x, rows, channels, EPSILON);
      const label = `${rows}×${channels}${affine ? '' : ' without gamma and beta'}`;
      expectClose(got.mean, ref.mean, { rtol: 1e-6, atol: 1e-7, label: `mean ${label}` });
      expectClose(got.invStd, ref.invStd, { rtol: 1e-6, label: `invStd ${label}` });
      expectClose(got.xhat, normalizeRef(d.x, rows, channels, ref.mean, ref.variance, EPSILON), { rtol: 1e-5, atol: 1e-5, label: `xhat ${label}` });
      expectClose(got.out, normalizeRef(d.x, rows, channels, ref.mean, ref.variance, EPSILON, affine ? d.gamma : undefined,
        affine ? d.beta : undefined), { rtol: 1e-5, atol: 1e-5, label: `out ${label}` });
      wasm.releaseAll();
    }
  });

  it('updates the moving statistics as Keras 3 does: moving·momentum + batch·(1 − momentum), the variance biased', () => {
    let seed = 1;
    for (const channels of CHANNELS) for (const momentum of [0.99, 0.9, 0.5, 0]) {
      const rows = 7;
      const d = data(rows, channels, mulberry32(seed++));
      const got = runTrain(d, rows, channels, momentum);
      const ref = statsRef(d.x, rows, channels, EPSILON);
      const m = Math.fround(momentum);
      const label = `${channels} channels, momentum ${momentum}`;
      expectClose(got.movingMean, d.movingMean.map((v, c) => v * m + ref.mean[c]! * (1 - m)), { rtol: 1e-6, atol: 1e-7, label: `movingMean ${label}` });
      // Bessel's correction would scale the variance by 7/6: far outside this tolerance.
      expectClose(got.movingVar, d.movingVar.map((v, c) => v * m + ref.variance[c]! * (1 - m)), { rtol: 1e-6, atol: 1e-7, label: `movingVar ${label}` });
      wasm.releaseAll();
    }
  });

  it('keeps its accuracy on 20,000 rows far from 0 (two passes in f64, not E[x²] − E[x]² nor f32 running sums)', () => {
    const rows = 20_000, channels = 5;
    const rng = mulberry32(7);
    const x = uniform(rows * channels, rng).map((v, i) => 1000 * (1 + (i % channels)) + v);
    const d = { ...data(1, channels, rng), x };
    const got = runTrain(d, rows, channels, 0.99);
    const ref = statsRef(x, rows, channels, EPSILON);
    expectClose(got.mean, ref.mean, { rtol: 1e-7, label: 'mean' });
    expectClose(got.invStd, ref.invStd, { rtol: 1e-6, label: 'invStd' });
  });

  it('gives variance 0 (invStd 1/√ε, xhat 0) on a single row, and touches nothing with no rows', () => {
    const d = data(1, 5, mulberry32(8));
    const one = runTrain(d, 1, 5, 0.9);
    expect(Array.from(one.xhat)).toEqual([0, 0, 0, 0, 0]);
    expectSameBits(one.invStd, new Float32Array(5).fill(1 / Math.fround(Math.sqrt(Math.fround(EPSILON)))), 'invStd'); // f32 sqrt, f32 ÷
    // No rows: the outputs keep their NaN and the moving statistics their values (a mean of 0/0 would poison them).
    const none = runTrain(d, 0, 5, 0.9);
    expect(Array.from(none.mean).every(Number.isNaN)).toBe(true);
    expectSameBits(none.movingMean, d.movingMean, 'movingMean');
    expectSameBits(none.movingVar, d.movingVar, 'movingVar');
  });
});

// ─── Forward in inference ───

describe('batchNormInference', () => {
  it.each(CHANNELS)('channels = %i: (x − movingMean)/√(movingVar + ε)·gamma + beta, with and without gamma and beta', (channels) => {
    let seed = channels * 100 + 50;
    for (const rows of ROWS) for (const affine of [true, false]) {
      const d = data(rows, channels, mulberry32(seed++));
      const ref = normalizeRef(d.x, rows, channels, d.movingMean, d.movingVar, EPSILON, affine ? d.gamma : undefined, affine ? d.beta : undefined);
      expectClose(runInference(d.x, d, rows, channels, affine), ref, { rtol: 1e-5, atol: 1e-5, label: `${rows}×${channels} affine ${affine}` });
      wasm.releaseAll();
    }
  });

  it('with the moving statistics equal to a batch\'s (momentum 0), gives batchNormTrain\'s output bit for bit', () => {
    for (const channels of CHANNELS) {
      const rows = 35;
      const d = data(rows, channels, mulberry32(channels));
      const train = runTrain(d, rows, channels, 0);
      const moved = { ...d, movingMean: train.movingMean, movingVar: train.movingVar };
      expectSameBits(runInference(d.x, moved, rows, channels), train.out, `${channels} channels`);
    }
  });

  it('does not depend on the batch: rows 0–16 and 17–34 apart give the bits of all 35 together', () => {
    for (const channels of CHANNELS) {
      const rows = 35;
      const d = data(rows, channels, mulberry32(channels + 20));
      const whole = runInference(d.x, d, rows, channels);
      for (const [r0, r1] of [[0, 17], [17, 35]] as const) {
        expectSameBits(runInference(d.x.subarray(r0 * channels, r1 * channels), d, r1 - r0, channels),
          whole.subarray(r0 * channels, r1 * channels), `${channels} channels, rows ${r0}..${r1}`);
      }
    }
  });
});

// ─── Backward ───

describe('batchNormGrad', () => {
  it.each(CHANNELS)('channels = %i: dx, dgamma and dbeta on every row count, with and without gamma', (channels) => {
    let seed = channels * 100 + 70;
    for (const rows of ROWS) for (const affine of [true, false]) {
      const d = data(rows, channels, mulberry32(seed++));
      const train = runTrain(d, rows, channels, 0.99);
      const gamma = affine ? d.gamma : undefined;
      const got = runGrad(d.dy, train.xhat, train.invStd, rows, channels, gamma);
      const ref = gradRef(d.dy, train.xhat, train.invStd, rows, channels, gamma);
      const label = `${rows}×${channels} gamma ${affine}`;
      expectClose(got.dbeta, ref.dbeta, { rtol: 1e-6, atol: 1e-6, label: `dbeta ${label}` });
      expectClose(got.dgamma, ref.dgamma, { rtol: 1e-6, atol: 1e-6, label: `dgamma ${label}` });
      // N·dy − Σdy − xhat·Σdy·xhat cancels: the f32 rounding is relative to the terms, about N·max|dy|.
      const scale = Math.max(...Array.from(train.invStd)) * (gamma ? 1.5 : 1);
      expectClose(got.dx, ref.dx, { rtol: 1e-5, atol: 4e-6 * scale, label: `dx ${label}` });
      wasm.releaseAll();
    }
  });

  it('is safe with dx = dy and gamma absent, and writes dgamma and dbeta alone when dx is 0', () => {
    for (const channels of CHANNELS) {
      const rows = 35;
      const d = data(rows, channels, mulberry32(channels + 40));
      const train = runTrain(d, rows, channels, 0.99);
      const ones = new Float32Array(channels).fill(1);
      const apart = runGrad(d.dy, train.xhat, train.invStd, rows, channels, ones); // gamma of ones: the same steps
      const shared = wasm.guarded(rows * channels, d.dy);
      const dgamma = wasm.guarded(channels);
      const dbeta = wasm.guarded(channels);
      const xhat = wasm.put(train.xhat);
      const invStd = wasm.put(train.invStd);
      kernels.batchNormGrad(shared.ptr, dgamma.ptr, dbeta.ptr, shared.ptr, xhat, invStd, 0, rows, channels);
      shared.expectIntact();
      expectSameBits(shared.read(), apart.dx, `dx written over dy, ${channels} channels`);
      expectSameBits(dgamma.read(), apart.dgamma, `dgamma beside dx = dy, ${channels} channels`);
      expectSameBits(dbeta.read(), apart.dbeta, `dbeta beside dx = dy, ${channels} channels`);
      const dy = wasm.put(d.dy);
      kernels.batchNormGrad(0, dgamma.ptr, dbeta.ptr, dy, xhat, invStd, 0, rows, channels);
      expectSameBits(dgamma.read(), apart.dgamma, `dgamma without dx, ${channels} channels`);
      expectSameBits(dbeta.read(), apart.dbeta, `dbeta without dx, ${channels} channels`);
      expectSameBits(wasm.read(dy, d.dy.length), d.dy, 'dy untouched without dx');
      wasm.releaseAll();
    }
  });

  // The forward pass is not linear in x: a step of 1/256 keeps the truncation error (∝ h²·invStd³) and the f32
  // rounding of the loss (∝ 1/h) both near 1e-4, on x spread over [−2, 2] (a narrow channel's invStd would be large).
  const STEP = 1 / 256;
  const FD_TOLERANCE = { rtol: 2e-3, atol: 1e-3 };
  it.each([[6, 1], [7, 3], [5, 4], [9, 5], [4, 8], [3, 13]])('agrees with finite differences through batchNormTrain (%i rows, %i channels)', (rows, channels) => {
    for (const affine of [true, false]) {
      const rng = mulberry32(rows * 100 + channels);
      const d = { ...data(rows, channels, rng), x: uniform(rows * channels, rng, -2, 2) };
      /** L = Σ batchNormTrain(x, gamma, beta).out·dy in float64. */
      const loss = (x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>): number => {
        const out = wasm.alloc(rows * channels);
        kernels.batchNormTrain(out, wasm.alloc(rows * channels), wasm.alloc(channels), wasm.alloc(channels), wasm.put(x),
          affine ? wasm.put(gamma) : 0, affine ? wasm.put(beta) : 0, wasm.alloc(channels), wasm.alloc(channels), rows, channels, 0.99, EPSILON);
        return dot(wasm.read(out, rows * channels), d.dy);
      };
      const x = Float64Array.from(d.x);
      const gamma = Float64Array.from(d.gamma);
      const beta = Float64Array.from(d.beta);
      const train = runTrain(d, rows, channels, 0.99, affine);
      const got = runGrad(d.dy, train.xhat, train.invStd, rows, channels, affine ? d.gamma : undefined);
      const label = `${rows}×${channels} affine ${affine}`;
      expectClose(got.dx, numericGrad((v) => loss(v, gamma, beta), x, STEP), { ...FD_TOLERANCE, label: `dx ${label}` });
      if (!affine) continue;
      expectClose(got.dgamma, numericGrad((v) => loss(x, v, beta), gamma, STEP), { ...FD_TOLERANCE, label: `dgamma ${label}` });
      expectClose(got.dbeta, numericGrad((v) => loss(x, gamma, v), beta, STEP), { ...FD_TOLERANCE, label: `dbeta ${label}` });
    }
  });
});
