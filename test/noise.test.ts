// The random layers (Dropout's noiseShape and seed, GaussianNoise, GaussianDropout, AlphaDropout) and activity
// penalties (ActivityRegularization, activityRegularizer): training statistics over many draws, identity at
// inference, gradients by central differences of a float64 reference with the very noise the layer drew (read
// from its buffers), the loss with penalties, save/load round trips and refused options.
import { describe, expect, it } from 'vitest';
import {
  ActivityRegularization, AlphaDropout, Dense, Dropout, GaussianDropout, GaussianNoise, Layer, Sequential, ShapeError, ValueError,
  modelFromJSON, tensor,
} from '../src/index.js';
import { binding } from '../src/layers/index.js';
import { arena } from '../src/arena.js';
import { disposeAfterEach, expectClose, expectSameBits, mulberry32, numericGrad, randn } from './helpers.js';

const own = disposeAfterEach();
const ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946;

/** A model of one random layer on samples of `shape`, compiled for computeGradients. */
function alone(make: (common: { inputShape: number[] }) => Layer, shape: number[], seed = 3): Sequential {
  const m = own(new Sequential([make({ inputShape: shape })], { seed }));
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}

/** The layer's training-mode output for `x` ([rows, ...shape]), through one computeGradients call. */
function trainingOutput(model: Sequential, x: Float32Array, shape: number[]): Float32Array {
  const rows = x.length / shape.reduce((a, b) => a * b, 1);
  model.computeGradients(tensor(x, [rows, ...shape]), tensor(new Float32Array(x.length), [rows, ...shape]));
  return arena.read(binding(model.layers[0]!).buffers.out, x.length);
}

function stats(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return { mean, variance: q / v.length };
}

const N = 40000;

describe('training-time statistics and identity at inference', () => {
  it('GaussianNoise(0.4) adds noise of mean 0 and variance 0.16', () => {
    const x = new Float32Array(N).fill(2);
    const y = trainingOutput(alone((o) => new GaussianNoise(0.4, o), [N / 4]), x, [N / 4]);
    const { mean, variance } = stats(Array.from(y, (v) => v - 2));
    expect(Math.abs(mean)).toBeLessThan(5 * 0.4 / Math.sqrt(N));
    expect(variance / 0.16).toBeCloseTo(1, 1);
  });

  it('GaussianDropout(0.3) multiplies by noise of mean 1 and variance 0.3/0.7', () => {
    const x = randn(N, mulberry32(1));
    const m = alone((o) => new GaussianDropout(0.3, o), [N / 8]);
    const y = trainingOutput(m, x, [N / 8]);
    const mask = arena.read(binding(m.layers[0]!).buffers.mask!, N);
    expectSameBits(y, Float32Array.from(x, (v, i) => Math.fround(v * mask[i]!)), 'y = x·mask');
    const { mean, variance } = stats(mask);
    expect(Math.abs(mean - 1)).toBeLessThan(5 * Math.sqrt(0.3 / 0.7 / N));
    expect(variance / (0.3 / 0.7)).toBeCloseTo(1, 1);
  });

  it('AlphaDropout(0.2) keeps a SELU output\'s mean 0 and variance 1, value by value as Keras 3 computes it', () => {
    const rate = 0.2;
    const x = randn(N, mulberry32(2));
    const m = alone((o) => new AlphaDropout(rate, o), [N / 8]);
    const y = trainingOutput(m, x, [N / 8]);
    const a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5;
    const b = -a * ALPHA_P * rate;
    const [a32, b32, p32] = [Math.fround(a), Math.fround(b), Math.fround(ALPHA_P)];
    const dropped = Math.fround(Math.fround(a32 * p32) + b32);
    const drops = y.filter((v) => v === dropped).length;
    const expected = Float32Array.from(y, (v, i) => (v === dropped ? dropped : Math.fround(Math.fround(x[i]! * a32) + b32)));
    expectSameBits(y, expected, 'kept: a·x + b, dropped: a·α′ + b');
    expect(Math.abs(drops / N - rate)).toBeLessThan(5 * Math.sqrt(rate * (1 - rate) / N));
    const { mean, variance } = stats(y);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(variance).toBeCloseTo(1, 1);
  });

  it('every random layer is the identity at inference', () => {
    const x = randn(6 * 10, mulberry32(4));
    const makers = [(o: object) => new Dropout(0.5, o), (o: object) => new GaussianNoise(0.5, o), (o: object) => new GaussianDropout(0.5, o),
      (o: object) => new AlphaDropout(0.5, o), (o: object) => new ActivityRegularization({ l1: 1, ...o })];
    for (const make of makers) {
      const m = alone(make, [10]);
      expectSameBits(m.predict(tensor(x, [6, 10])).data, x, m.layers[0]!.className);
    }
  });
});

describe('Dropout noiseShape and seed', () => {
  it('shares one draw along each axis noiseShape marks 1 (exact mask pattern)', () => {
    const [rows, s, f] = [5, 6, 7];
    const x = Float32Array.from(randn(rows * s * f, mulberry32(5)), (v) => v + 10); // never 0
    for (const noiseShape of [[null, 1, null], [1, null, 1], [1, 1, 7], [null, 6, 1]] as Array<Array<number | null>>) {
      const m = alone((o) => new Dropout(0.5, { noiseShape, ...o }), [s, f]);
      const y = trainingOutput(m, x, [s, f]);
      const key = (r: number, i: number, j: number) => (noiseShape[0] === 1 ? 0 : r) * 100 + (noiseShape[1] === 1 ? 0 : i) * 10 + (noiseShape[2] === 1 ? 0 : j);
      const seen = new Map<number, number>();
      let zeros = 0;
      for (let r = 0; r < rows; r++) for (let i = 0; i < s; i++) for (let j = 0; j < f; j++) {
        const at = (r * s + i) * f + j;
        const kept = y[at] === 0 ? 0 : 1;
        zeros += 1 - kept;
        if (kept) expect(y[at]).toBe(Math.fround(x[at]! * 2));
        const k = key(r, i, j);
        if (seen.has(k)) expect(kept, `noiseShape [${noiseShape.join(', ')}] at ${r},${i},${j}`).toBe(seen.get(k));
        else seen.set(k, kept);
      }
      expect(zeros, `noiseShape [${noiseShape.join(', ')}] drops something`).toBeGreaterThan(0);
      expect(zeros).toBeLessThan(rows * s * f);
    }
  });

  it('a layer seed changes the masks reproducibly; the model seed still fixes them', () => {
    const x = new Float32Array(4 * 50).fill(1);
    const mask = (layerSeed: number | undefined, modelSeed: number) => trainingOutput(alone((o) => new Dropout(0.5, { seed: layerSeed, ...o }), [50], modelSeed), x, [50]);
    expectSameBits(mask(7, 1), mask(7, 1));
    expect(Array.from(mask(7, 1))).not.toEqual(Array.from(mask(8, 1)));
    expect(Array.from(mask(7, 1))).not.toEqual(Array.from(mask(7, 2)));
    expect(Array.from(mask(7, 1))).not.toEqual(Array.from(mask(undefined, 1)));
    // Without a layer seed, the masks are the model stream's as before.
    const plain = alone((o) => new Dropout(0.5, o), [50], 1);
    expectSameBits(trainingOutput(plain, x, [50]), mask(undefined, 1));
  });
});

/** Dense(3) → noise → Dense(2), MSE: the loss and gradients against a float64 reference that takes the noise the layer drew. */
function checkGradients(noise: Layer, seed: number): void {
  const [rows, inputs, hidden, outputs] = [6, 4, 5, 2];
  const model = own(new Sequential([new Dense(hidden, { inputDim: inputs, biasInitializer: 'randomNormal' }), noise, new Dense(outputs)], { seed }));
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const rng = mulberry32(seed);
  const x = randn(rows * inputs, rng);
  const t = randn(rows * outputs, rng);
  const { loss, gradients } = model.computeGradients(tensor(x, [rows, inputs]), tensor(t, [rows, outputs]));
  // The noise as an affine map z = h·m + c per value: m from the mask (1 without one), c = z − h·m.
  const h = arena.read(binding(model.layers[0]!).buffers.out, rows * hidden);
  const z = arena.read(binding(noise).buffers.out, rows * hidden);
  const maskAt = binding(noise).buffers.mask;
  const m = maskAt === undefined ? new Float32Array(rows * hidden).fill(1) : arena.read(maskAt, rows * hidden);
  const c = Float64Array.from(z, (v, i) => v - h[i]! * m[i]!);
  const f = (w: Float64Array) => {
    const [w1, b1, w2, b2] = [0, inputs * hidden, inputs * hidden + hidden, inputs * hidden + hidden + hidden * outputs];
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const zr = new Float64Array(hidden);
      for (let j = 0; j < hidden; j++) {
        let s = w[b1 + j]!;
        for (let i = 0; i < inputs; i++) s += x[r * inputs + i]! * w[w1 + i * hidden + j]!;
        zr[j] = s * m[r * hidden + j]! + c[r * hidden + j]!;
      }
      for (let o = 0; o < outputs; o++) {
        let s = w[b2 + o]!;
        for (let j = 0; j < hidden; j++) s += zr[j]! * w[w2 + j * outputs + o]!;
        sum += (s - t[r * outputs + o]!) ** 2;
      }
    }
    return sum / (rows * outputs);
  };
  const w = Float64Array.from(model.getWeights().flatMap((tw) => Array.from(tw.data)));
  expect(loss).toBeCloseTo(f(w), 5);
  const numeric = numericGrad(f, w, 1e-6);
  const analytic = Float64Array.from(gradients.flatMap((g) => Array.from(g.data)));
  const scale = Math.max(...numeric.map(Math.abs));
  expect(scale).toBeGreaterThan(1e-3);
  expectClose(analytic, numeric, { rtol: 1e-3, atol: 1e-4 * scale, label: noise.className });
  if (maskAt !== undefined && noise.className !== 'GaussianNoise') expect(Array.from(m).some((v) => v !== 1), 'the noise did something').toBe(true);
}

describe('gradients through the noise, by central differences with the same noise', () => {
  it('Dropout with noiseShape and seed', () => checkGradients(new Dropout(0.4, { noiseShape: [null, 1], seed: 5 }), 11));
  it('GaussianNoise', () => checkGradients(new GaussianNoise(0.5), 12));
  it('GaussianDropout', () => checkGradients(new GaussianDropout(0.4, { seed: 9 }), 13));
  it('AlphaDropout', () => checkGradients(new AlphaDropout(0.3), 14));
  it('AlphaDropout with a mask shared over the batch', () => checkGradients(new AlphaDropout(0.5, { noiseShape: [1, null] }), 15));
});

describe('activity penalties', () => {
  const [rows, inputs, hidden, outputs] = [5, 3, 4, 3];
  const [l1a, l2a, l1b, l2b] = [0.02, 0.05, 0.03, 0.04];

  /** tanh Dense with activityRegularizer → Dense(softmax or linear) → ActivityRegularization, as a float64 loss. */
  function reference(x: Float32Array, t: Float32Array, softmax: boolean) {
    return (w: Float64Array) => {
      const [w1, b1, w2, b2] = [0, inputs * hidden, inputs * hidden + hidden, inputs * hidden + hidden + hidden * outputs];
      let loss = 0, penalty = 0;
      for (let r = 0; r < rows; r++) {
        const hr = new Float64Array(hidden);
        for (let j = 0; j < hidden; j++) {
          let s = w[b1 + j]!;
          for (let i = 0; i < inputs; i++) s += x[r * inputs + i]! * w[w1 + i * hidden + j]!;
          hr[j] = Math.tanh(s);
          penalty += l1a * Math.abs(hr[j]!) + l2a * hr[j]! ** 2;
        }
        const yr = new Float64Array(outputs);
        for (let o = 0; o < outputs; o++) {
          let s = w[b2 + o]!;
          for (let j = 0; j < hidden; j++) s += hr[j]! * w[w2 + j * outputs + o]!;
          yr[o] = s;
        }
        if (softmax) {
          const mx = Math.max(...yr);
          const e = yr.map((v) => Math.exp(v - mx));
          const sum = e.reduce((a, b) => a + b, 0);
          for (let o = 0; o < outputs; o++) {
            const p = e[o]! / sum;
            penalty += l1b * Math.abs(p) + l2b * p * p;
            loss -= t[r * outputs + o]! * Math.log(p);
          }
        } else {
          for (let o = 0; o < outputs; o++) {
            penalty += l1b * Math.abs(yr[o]!) + l2b * yr[o]! ** 2;
            loss += (yr[o]! - t[r * outputs + o]!) ** 2 / outputs;
          }
        }
      }
      return loss / rows + penalty / rows; // Keras 3: each penalty over the batch size
    };
  }

  for (const softmax of [false, true]) {
    it(`enter the loss and its gradient (Dense activityRegularizer, ActivityRegularization${softmax ? ', on a softmax output with categoricalCrossentropy' : ''}), and evaluate`, () => {
      const layers = softmax
        ? [new Dense(hidden, { inputDim: inputs, activation: 'tanh', activityRegularizer: { l1: l1a, l2: l2a } }), new Dense(outputs, { activation: 'softmax', activityRegularizer: { l1: l1b, l2: l2b } })]
        : [new Dense(hidden, { inputDim: inputs, activation: 'tanh', activityRegularizer: { l1: l1a, l2: l2a } }), new Dense(outputs), new ActivityRegularization({ l1: l1b, l2: l2b })];
      const model = own(new Sequential(layers, { seed: 21 }));
      model.compile({ optimizer: 'sgd', loss: softmax ? 'categoricalCrossentropy' : 'meanSquaredError' });
      const rng = mulberry32(22);
      const x = randn(rows * inputs, rng);
      const t = softmax ? Float32Array.from({ length: rows * outputs }, (_, i) => (i % outputs === i % 2 ? 1 : 0)) : randn(rows * outputs, rng);
      if (softmax) for (let r = 0; r < rows; r++) { t.fill(0, r * outputs, (r + 1) * outputs); t[r * outputs + (r % outputs)] = 1; }
      const f = reference(x, t, softmax);
      const w = Float64Array.from(model.getWeights().flatMap((tw) => Array.from(tw.data)));
      const { loss, gradients } = model.computeGradients(tensor(x, [rows, inputs]), tensor(t, [rows, outputs]));
      expect(loss).toBeCloseTo(f(w), 5);
      const numeric = numericGrad(f, w, 1e-6);
      const analytic = Float64Array.from(gradients.flatMap((g) => Array.from(g.data)));
      const scale = Math.max(...numeric.map(Math.abs));
      expectClose(analytic, numeric, { rtol: 1e-3, atol: 1e-4 * scale });
      // evaluate: the same loss, whatever the batch size (each batch's penalty over its size, weighted by it).
      for (const batchSize of [rows, 2]) expect(model.evaluate(tensor(x, [rows, inputs]), tensor(t, [rows, outputs]), { batchSize }) as number[]).toSatisfy((r: number[]) => Math.abs(r[0]! - f(w)) < 1e-5);
    });
  }
});

describe('saving and loading', () => {
  it('round-trips every new option and layer', () => {
    const model = own(new Sequential([
      new Dense(4, { inputShape: [3, 5], activityRegularizer: 'l2' }),
      new Dropout(0.25, { noiseShape: [null, 1, null], seed: 17 }),
      new GaussianNoise(0.3, { seed: 2 }),
      new GaussianDropout(0.2),
      new AlphaDropout(0.1, { noiseShape: [1, null, 4], seed: 4 }),
      new ActivityRegularization({ l1: 0.01, l2: 0.5 }),
    ]));
    const loaded = own(modelFromJSON(model.toJSON()));
    const configs = (m: Sequential) => m.layers.map((l) => [l.className, l.getConfig()]);
    expect(configs(loaded)).toEqual(configs(model));
    expect(model.layers[1]!.getConfig()).toEqual({ rate: 0.25, noise_shape: [null, 1, null], seed: 17 });
    expect(model.layers[0]!.getConfig().activity_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 0.01 } });
    expect(model.layers[5]!.getConfig()).toEqual({ l1: 0.01, l2: 0.5 });
    // Predictions agree (identity layers at inference, the Dense's weights carried over).
    loaded.setWeights(model.getWeights());
    const x = tensor(randn(2 * 15, mulberry32(3)), [2, 3, 5]);
    expectSameBits(loaded.predict(x).data, model.predict(x).data);
  });
});

describe('refused options', () => {
  it('rates outside [0, 1), stddev outside [0, 1], bad seeds and noise shapes, before anything changes', () => {
    for (const rate of [-0.1, 1, 1.5, NaN]) {
      expect(() => new Dropout(rate)).toThrow(ValueError);
      expect(() => new GaussianDropout(rate)).toThrow(/GaussianDropout\(\): rate/);
      expect(() => new AlphaDropout(rate)).toThrow(/AlphaDropout\(\): rate/);
    }
    expect(() => new GaussianNoise(-0.1)).toThrow(/GaussianNoise\(\): stddev/);
    expect(() => new GaussianNoise(1.5)).toThrow(/GaussianNoise\(\): stddev/);
    expect(() => new Dropout(0.5, { seed: -1 })).toThrow(/seed/);
    expect(() => new Dropout(0.5, { seed: 1.5 })).toThrow(/seed/);
    expect(() => new Dropout(0.5, { noiseShape: [null, 0] })).toThrow(/noiseShape/);
    expect(() => new Dropout(0.5, { noiseShape: [32, 1] })).toThrow(/noiseShape\[0\]/);
    expect(() => new Dropout(0.5, { noiseShape: 'x' as never })).toThrow(/noiseShape/);
    expect(() => new ActivityRegularization({ l1: -1 })).toThrow(/ActivityRegularization\(\): l1/);
    expect(() => new ActivityRegularization({ l3: 1 } as never)).toThrow(/unknown option 'l3'/);
    expect(() => new Dense(2, { activityRegularizer: 'l3' as never })).toThrow(/activityRegularizer/);
    // A noise shape of the wrong rank or size: a ShapeError when the model is built.
    expect(() => new Sequential([new Dropout(0.5, { noiseShape: [null, 1], inputShape: [3, 4] })])).toThrow(ShapeError);
    expect(() => new Sequential([new AlphaDropout(0.5, { noiseShape: [null, 2, 4], inputShape: [3, 4] })])).toThrow(/noiseShape\[1\] is 2/);
  });
});
