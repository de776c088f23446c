// Sample and class weights (Keras's `sample_weight`, `class_weight`): one SGD step against a float64 reference of
// Keras's `sum_over_batch_size` reduction, evaluate's weighted totals, the validation triple, TF.js's classWeight,
// and every bad weight refused before anything changes.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Dense, SGD, Sequential, tensor, type Tensor } from '../src/index.js';
import { disposeAfterEach, expectClose, expectSameBits, mulberry32, randn } from './helpers.js';
import type { LossSpelling } from '../src/losses.js';
import type { ActivationSpelling } from '../src/activations.js';

const track = disposeAfterEach();

const ROWS = 6;
const X = Array.from({ length: ROWS }, (_, i) => [Math.sin(i * 1.3), Math.cos(i * 0.7), (i % 3) - 1]);
const Y = [0.5, -1, 2, 0.25, 1, -0.5];
const W = [1, 0, 2.5, 0.5, 3, 1];

function linear(seed = 3): Sequential {
  const m = track(new Sequential([new Dense(1, { inputShape: [3] })], { seed }));
  m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'mse' });
  return m;
}

function flat(ts: readonly Tensor[]): Float32Array {
  return Float32Array.from(ts.flatMap((t) => Array.from(t.data)));
}

/** One SGD step of a linear model on Σ wᵢ(pᵢ − tᵢ)² / n in float64: the kernel and the bias after it. */
function referenceStep(kernel: Float32Array, bias: number, weights: readonly number[], lr: number): { kernel: number[]; bias: number; loss: number } {
  const gk = [0, 0, 0];
  let gb = 0;
  let loss = 0;
  for (let r = 0; r < ROWS; r++) {
    const p = X[r]!.reduce((s, v, j) => s + v * kernel[j]!, bias);
    const d = p - Y[r]!;
    loss += weights[r]! * d * d / ROWS;
    for (let j = 0; j < 3; j++) gk[j]! += (2 * weights[r]! * d * X[r]![j]!) / ROWS;
    gb += (2 * weights[r]! * d) / ROWS;
  }
  return { kernel: kernel.length ? gk.map((g, j) => kernel[j]! - lr * g) : [], bias: bias - lr * gb, loss };
}

describe('sampleWeight in fit', () => {
  it('one step equals the float64 reference of sum_over_batch_size, and the logged loss is the weighted mean', async () => {
    const m = linear();
    const [k0, b0] = m.getWeights();
    const ref = referenceStep(k0!.data, b0!.data[0]!, W, 0.1);
    const h = await m.fit(X, Y, { sampleWeight: W, batchSize: ROWS, epochs: 1, shuffle: false, verbose: 0 });
    const [k1, b1] = m.getWeights();
    expectClose(k1!.data, ref.kernel, { rtol: 1e-5, atol: 1e-6 });
    expectClose(b1!.data, [ref.bias], { rtol: 1e-5, atol: 1e-6 });
    expectClose([h.history.loss![0]!], [ref.loss], { rtol: 1e-5 });
  });

  it('weights of one train to the same bits as no weights', async () => {
    const a = linear(5);
    const b = linear(5);
    await a.fit(X, Y, { batchSize: 4, epochs: 3, verbose: 0 });
    await b.fit(X, Y, { sampleWeight: new Float32Array(ROWS).fill(1), batchSize: 4, epochs: 3, verbose: 0 });
    expectSameBits(flat(b.getWeights()), flat(a.getWeights()));
  });

  it('a shuffled epoch keeps each weight with its sample: weight 0 on a sample equals leaving it out of the sum', async () => {
    // Batches of all rows: shuffling changes only the order of the sums, so compare closely, not bitwise.
    const m = linear(7);
    const [k0, b0] = m.getWeights();
    const ref = referenceStep(k0!.data, b0!.data[0]!, W, 0.1);
    await m.fit(X, Y, { sampleWeight: W, batchSize: ROWS, epochs: 1, shuffle: true, verbose: 0 });
    expectClose(flat(m.getWeights()), [...ref.kernel, ref.bias], { rtol: 1e-5, atol: 1e-6 });
  });

  it('weights per output position for a rank-3 output ([samples, steps])', async () => {
    const rng = mulberry32(4);
    const x = randn(4 * 3 * 2, rng);
    const y = randn(4 * 3, rng);
    const m = track(new Sequential([new Dense(1, { inputShape: [3, 2] })], { seed: 2 }));
    m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'mse' });
    const before = flat(m.getWeights());
    const w = [[1, 0, 2], [0.5, 1, 1], [0, 0, 0], [3, 1, 0.25]];
    const xs = Array.from({ length: 4 }, (_, s) => Array.from({ length: 3 }, (_, t) => [x[s * 6 + t * 2]!, x[s * 6 + t * 2 + 1]!]));
    const ys = Array.from({ length: 4 }, (_, s) => Array.from({ length: 3 }, (_, t) => [y[s * 3 + t]!]));
    await m.fit(tensor(xs.flat(2), [4, 3, 2]), tensor(ys.flat(2), [4, 3, 1]), { sampleWeight: w, batchSize: 4, shuffle: false, verbose: 0 });
    // float64: Σ w(p − t)² over the 12 positions / 12
    const g = [0, 0, 0];
    for (let s = 0; s < 4; s++) {
      for (let t = 0; t < 3; t++) {
        const [a, b] = xs[s]![t]!;
        const d = a! * before[0]! + b! * before[1]! + before[2]! - ys[s]![t]![0]!;
        const c = (2 * w[s]![t]! * d) / 12;
        g[0]! += c * a!; g[1]! += c * b!; g[2]! += c;
      }
    }
    expectClose(flat(m.getWeights()), before.map((v, i) => v - 0.1 * g[i]!), { rtol: 1e-5, atol: 1e-6 });
  });
});

describe('classWeight in fit', () => {
  it('equals the sample weights it stands for, to the bit (sparse labels, one-hot rows, a single output)', async () => {
    const xs = X;
    const labels = [0, 2, 1, 1, 0, 2];
    const cw = { 0: 1, 1: 4, 2: 0.5 };
    const sw = labels.map((c) => cw[c as 0 | 1 | 2]);
    const cases: Array<{ loss: LossSpelling; units: number; activation: ActivationSpelling; y: number[] | number[][] }> = [
      { loss: 'sparseCategoricalCrossentropy', units: 3, activation: 'softmax', y: labels },
      { loss: 'categoricalCrossentropy', units: 3, activation: 'softmax', y: labels.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0))) },
    ];
    for (const c of cases) {
      const make = () => {
        const m = track(new Sequential([new Dense(c.units, { inputShape: [3], activation: c.activation })], { seed: 11 }));
        m.compile({ optimizer: new SGD({ learningRate: 0.2 }), loss: c.loss });
        return m;
      };
      const a = make();
      const b = make();
      await a.fit(xs, c.y, { classWeight: cw, batchSize: 4, epochs: 2, verbose: 0 });
      await b.fit(xs, c.y, { sampleWeight: sw, batchSize: 4, epochs: 2, verbose: 0 });
      expectSameBits(flat(a.getWeights()), flat(b.getWeights()), c.loss);
    }
    const yb = [0, 1, 1, 0, 1, 0];
    const a = track(new Sequential([new Dense(1, { inputShape: [3], activation: 'sigmoid' })], { seed: 12 }));
    const b = track(new Sequential([new Dense(1, { inputShape: [3], activation: 'sigmoid' })], { seed: 12 }));
    for (const m of [a, b]) m.compile({ optimizer: new SGD({ learningRate: 0.2 }), loss: 'binaryCrossentropy' });
    await a.fit(xs, yb, { classWeight: [1, 3], batchSize: 4, epochs: 2, verbose: 0 });
    await b.fit(xs, yb, { sampleWeight: yb.map((v) => (v ? 3 : 1)), batchSize: 4, epochs: 2, verbose: 0 });
    expectSameBits(flat(a.getWeights()), flat(b.getWeights()), 'binary');
  });

  it('one step matches TensorFlow.js fit with the same classWeight on the same weights', async () => {
    await tf.setBackend('cpu');
    const labels = [0, 2, 1, 1, 0, 2];
    const oneHot = labels.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));
    const cw = { 0: 1, 1: 4, 2: 0.5 };
    const m = track(new Sequential([new Dense(3, { inputShape: [3], activation: 'softmax' })], { seed: 13 }));
    m.compile({ optimizer: new SGD({ learningRate: 0.2 }), loss: 'categoricalCrossentropy' });
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [3], activation: 'softmax' })] });
    t.setWeights(m.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
    t.compile({ optimizer: tf.train.sgd(0.2), loss: 'categoricalCrossentropy' });
    const th = await t.fit(tf.tensor2d(X), tf.tensor2d(oneHot), { classWeight: cw, batchSize: ROWS, epochs: 1, shuffle: false, verbose: 0 });
    const h = await m.fit(X, oneHot, { classWeight: cw, batchSize: ROWS, epochs: 1, shuffle: false, verbose: 0 });
    const expected = (await Promise.all(t.getWeights().map((w) => w.data()))).flatMap((d) => Array.from(d));
    expectClose(flat(m.getWeights()), expected, { rtol: 1e-5, atol: 1e-6 });
    expectClose([h.history.loss![0]!], [th.history.loss![0] as number], { rtol: 1e-5 });
    t.dispose();
  });
});

describe('evaluate and validation with weights', () => {
  it('evaluate weighs each sample: Σ w·loss / n, the same bits for every batch size', () => {
    const m = linear(9);
    const [k, b] = m.getWeights();
    const ref = referenceStep(k!.data, b!.data[0]!, W, 0).loss;
    const values = [1, 2, 4, 6].map((batchSize) => m.evaluate(X, Y, { sampleWeight: W, batchSize })[0]!);
    expectClose([values[0]!], [ref], { rtol: 1e-6 });
    for (const v of values) expect(v).toBe(values[0]);
  });

  it('validationData [x, y, sampleWeight] logs what evaluate gives with those weights', async () => {
    const m = linear(10);
    const h = await m.fit(X, Y, { validationData: [X.slice(0, 4), Y.slice(0, 4), W.slice(0, 4)], epochs: 1, verbose: 0 });
    expect(h.history.val_loss![0]).toBe(m.evaluate(X.slice(0, 4), Y.slice(0, 4), { sampleWeight: W.slice(0, 4) })[0]);
  });

  it('validationSplit takes the last samples\' weights with them', async () => {
    const m = linear(10);
    const h = await m.fit(X, Y, { sampleWeight: W, validationSplit: 0.5, epochs: 1, verbose: 0 });
    expect(h.history.val_loss![0]).toBe(m.evaluate(X.slice(3), Y.slice(3), { sampleWeight: W.slice(3) })[0]);
  });
});

describe('bad weights are refused before anything changes', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a negative sample weight', { sampleWeight: [1, 1, -1, 1, 1, 1] }, /sampleWeight\[2\] is -1/],
    ['a NaN sample weight', { sampleWeight: [1, 1, NaN, 1, 1, 1] }, /sampleWeight.*not a finite/],
    ['too few sample weights', { sampleWeight: [1, 1] }, /one weight per sample \(shape \[6\]\), got shape \[2\]/],
    ['a matrix of sample weights for a flat output', { sampleWeight: X }, /one weight per sample/],
    ['sample and class weights together', { sampleWeight: W, classWeight: { 0: 1 } }, /not both/],
    ['a class weight key that is not an index', { classWeight: { a: 1 } }, /key "a" is not a class index/],
    ['a negative class weight', { classWeight: { 0: -2 } }, /classWeight\[0\] is -2/],
    ['a class weight key far beyond any class (no table of a billion entries is built)', { classWeight: { 1000000000: 1 } }, /key "1000000000" is not a class index/],
    ['a hole in a class weight list', { classWeight: [1, , 2] }, /classWeight\[1\] is undefined/],
    ['a class above the largest key', { classWeight: { 0: 1, 1: 1 } }, /no weight for class 2 \(sample 2\)/],
    ['an empty class weight', { classWeight: {} }, /must map class indices/],
  ];
  it.each(cases)('%s', async (_, options, message) => {
    const m = linear(1);
    const before = flat(m.getWeights());
    await expect(m.fit(X, [0, 1, 2, 0, 1, 0], { ...options, verbose: 0 })).rejects.toThrow(message);
    expectSameBits(flat(m.getWeights()), before);
    expect(m.optimizer!.iterations).toBe(0);
  });

  it('evaluate and validationData check their weights too', async () => {
    const m = linear(1);
    expect(() => m.evaluate(X, Y, { sampleWeight: [1, 2] })).toThrow(/evaluate\(\): sampleWeight must have one weight per sample/);
    await expect(m.fit(X, Y, { validationData: [X, Y, [1, NaN, 1, 1, 1, 1]], verbose: 0 })).rejects.toThrow(/fit\(\) validationData: sampleWeight/);
    await expect(m.fit(X, Y, { validationData: [X, Y, W, W] as never, verbose: 0 })).rejects.toThrow(/\[x, y\] or \[x, y, sampleWeight\]/);
  });
});
