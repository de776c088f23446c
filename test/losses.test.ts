// The loss objects and `losses.*` against TF.js where it computes the same thing, against float64 references of
// Keras 3's formulas where TF.js differs or lacks the loss, and against the numbers in Keras's own docstrings;
// options (fromLogits, label smoothing, ignoreClass, reductions), configs, and bad input.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy, CosineSimilarity,
  Hinge, Huber, LOSSES, LogCosh, Loss, MeanSquaredError, SparseCategoricalCrossentropy, lossFromConfig, losses, resolveLoss,
} from '../src/losses.js';
import { Tensor } from '../src/tensor.js';
import { ShapeError, ValueError } from '../src/errors.js';
import { LOSS_REFS, binaryFocalRef, categoricalFocalRef, expectClose, labels, mulberry32, oneHot, randn, uniform, type LossName } from './helpers.js';

beforeAll(async () => { await tf.setBackend('cpu'); });

const ROWS = 5, COLS = 4;
const rows2d = (x: Float32Array, cols = COLS) => Array.from({ length: x.length / cols }, (_, r) => Array.from(x.subarray(r * cols, (r + 1) * cols)));
const data = (t: Tensor | number) => Array.from((t as Tensor).data);
const tfValues = (t: tf.Tensor) => Array.from(t.dataSync());

/** Inputs each loss is meant for. */
function inputs(name: string, seed: number) {
  const rng = mulberry32(seed);
  const n = ROWS * COLS;
  switch (name) {
    case 'binaryCrossentropy': case 'binaryFocalCrossentropy': case 'klDivergence':
      return { p: uniform(n, rng, 0.02, 0.98), t: uniform(n, rng, 0, 1) };
    case 'categoricalCrossentropy': case 'categoricalFocalCrossentropy':
      return { p: uniform(n, rng, 0.05, 1), t: oneHot(labels(ROWS, COLS, rng), COLS) };
    case 'sparseCategoricalCrossentropy': return { p: uniform(n, rng, 0.05, 1), t: labels(ROWS, COLS, rng) };
    case 'categoricalHinge': return { p: randn(n, rng), t: oneHot(labels(ROWS, COLS, rng), COLS) };
    case 'meanSquaredLogarithmicError': case 'poisson': return { p: uniform(n, rng, 0.1, 3), t: uniform(n, rng, 0, 3) };
    default: return { p: randn(n, rng), t: randn(n, rng) };
  }
}

describe('losses.* per sample', () => {
  it.each(Object.keys(LOSSES))('%s matches the float64 reference row by row', (name) => {
    const { p, t } = inputs(name, 7);
    const sparse = name === 'sparseCategoricalCrossentropy';
    const out = (losses as unknown as Record<string, (a: unknown, b: unknown) => Tensor>)[name]!(sparse ? Array.from(t) : rows2d(t), rows2d(p));
    expect(out.shape).toEqual([ROWS]);
    const ref = LOSS_REFS[name as LossName];
    const tc = sparse ? 1 : COLS;
    const expected = Array.from({ length: ROWS }, (_, r) =>
      ref.value(p.subarray(r * COLS, (r + 1) * COLS), t.subarray(r * tc, (r + 1) * tc), 1, COLS, 1));
    expectClose(out.data, expected, { rtol: 1e-5, atol: 1e-6, label: name });
  });

  it('match TF.js where it computes the same (tf.metrics.*, tf.losses.huberLoss per row)', () => {
    const pairs: ['meanSquaredError' | 'meanAbsoluteError' | 'meanAbsolutePercentageError' | 'binaryCrossentropy' | 'categoricalCrossentropy', (t: tf.Tensor, p: tf.Tensor) => tf.Tensor][] = [
      ['meanSquaredError', tf.metrics.meanSquaredError], ['meanAbsoluteError', tf.metrics.meanAbsoluteError],
      ['meanAbsolutePercentageError', tf.metrics.meanAbsolutePercentageError],
      ['binaryCrossentropy', tf.metrics.binaryCrossentropy], ['categoricalCrossentropy', tf.metrics.categoricalCrossentropy],
    ];
    for (const [name, ref] of pairs) {
      const { p, t } = inputs(name, 11);
      const ours = data(losses[name](rows2d(t), rows2d(p)));
      expectClose(ours, tfValues(ref(tf.tensor2d(rows2d(t)), tf.tensor2d(rows2d(p)))), { rtol: 1e-5, atol: 1e-6, label: name });
    }
    // TF.js's cosineProximity is already the negated similarity, as Keras's loss
    const { p, t } = inputs('cosineSimilarity', 12);
    expectClose(data(losses.cosineSimilarity(rows2d(t), rows2d(p))),
      tfValues(tf.metrics.cosineProximity(tf.tensor2d(rows2d(t)), tf.tensor2d(rows2d(p)))), { rtol: 1e-5, atol: 1e-6 });
    // sparse: TF.js's categorical cross-entropy on the one-hot labels
    const s = inputs('sparseCategoricalCrossentropy', 13);
    expectClose(data(losses.sparseCategoricalCrossentropy(Array.from(s.t), rows2d(s.p))),
      tfValues(tf.metrics.categoricalCrossentropy(tf.tensor2d(rows2d(oneHot(Array.from(s.t), COLS))), tf.tensor2d(rows2d(s.p)))), { rtol: 1e-5, atol: 1e-6 });
    // Huber: TF.js reduces to one number (its mean over all entries equals Keras's sum_over_batch_size here)
    const h = inputs('huber', 14);
    const keras = new Huber({ delta: 0.7 }).call(rows2d(h.t), rows2d(h.p)) as number;
    expectClose([keras], tfValues(tf.losses.huberLoss(tf.tensor2d(rows2d(h.t)), tf.tensor2d(rows2d(h.p)), undefined, 0.7)), { rtol: 1e-5 });
    // logCosh: TF.js has none; Keras's x + softplus(−2x) − log 2 in float64
    const l = inputs('logCosh', 15);
    expectClose([new LogCosh().call(rows2d(l.t), rows2d(l.p)) as number], [LOSS_REFS.logCosh.value(l.p, l.t, ROWS, COLS, 0)], { rtol: 1e-5 });
  });

  it("hinge follows Keras, not TF.js: 0/1 targets become ±1 only when every target is 0 or 1", () => {
    const p = [[0.3, -0.8, 1.5], [2, 0.1, -0.4]];
    const binary = [[0, 1, 1], [1, 0, 0]];
    const expected = (y: number[][]) => y.map((row, r) => row.reduce((s, v, j) => s + Math.max(1 - v * p[r]![j]!, 0), 0) / 3);
    expectClose(data(losses.hinge(binary, p)), expected(binary.map((r) => r.map((v) => 2 * v - 1))), { rtol: 1e-6 });
    const mixed = [[0, 1, 0.5], [1, 0, 0]];
    expectClose(data(losses.hinge(mixed, p)), expected(mixed), { rtol: 1e-6 });
    // TF.js's hingeLoss always converts: the same for 0/1 targets
    expectClose([new Hinge().call(binary, p) as number], tfValues(tf.losses.hingeLoss(tf.tensor2d(binary), tf.tensor2d(p))), { rtol: 1e-5 });
  });
});

describe("Keras's docstring numbers", () => {
  it('function examples', () => {
    const yTrue = [[0, 1], [0, 0]], yPred = [[0.6, 0.4], [0.4, 0.6]];
    expectClose(data(losses.binaryCrossentropy(yTrue, yPred)), [0.916, 0.714], { atol: 1e-3 });
    expectClose(data(losses.binaryFocalCrossentropy(yTrue, yPred, { gamma: 2 })), [0.330, 0.206], { atol: 1e-3 });
    expectClose(data(losses.categoricalCrossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), [0.0513, 2.303], { atol: 1e-3 });
    expectClose(data(losses.sparseCategoricalCrossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), [0.0513, 2.303], { atol: 1e-3 });
    expectClose(data(losses.categoricalFocalCrossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])),
      [2.63401289e-4, 6.75912094e-1], { rtol: 1e-4 });
    expectClose(data(losses.cosineSimilarity([[0, 1], [1, 1], [1, 1]], [[1, 0], [1, 1], [-1, -1]])), [0, -0.99999994, 0.99999994], { atol: 1e-6 });
    expectClose([new Huber().call([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) as number], [0.155], { atol: 1e-3 });
    expectClose([new LogCosh().call([[0, 1], [0, 0]], [[1, 1], [0, 0]]) as number], [0.108], { atol: 1e-3 });
  });

  it('BinaryFocalCrossentropy class examples (fromLogits, balancing, sample weights, reductions)', () => {
    const t1 = [0, 1, 0, 0], p1 = [-18.6, 0.51, 2.94, -12.8];
    expect(new BinaryFocalCrossentropy({ gamma: 2, fromLogits: true }).call(t1, p1)).toBeCloseTo(0.691, 3);
    expect(new BinaryFocalCrossentropy({ applyClassBalancing: true, gamma: 2, fromLogits: true }).call(t1, p1)).toBeCloseTo(0.51, 2);
    const t = [[0, 1], [0, 0]], p = [[-18.6, 0.51], [2.94, -12.8]];
    expect(new BinaryFocalCrossentropy({ gamma: 3, fromLogits: true }).call(t, p)).toBeCloseTo(0.647, 3);
    expect(new BinaryFocalCrossentropy({ applyClassBalancing: true, gamma: 3, fromLogits: true }).call(t, p)).toBeCloseTo(0.482, 3);
    expect(new BinaryFocalCrossentropy({ gamma: 3, fromLogits: true }).call(t, p, [0.8, 0.2])).toBeCloseTo(0.133, 3);
    expect(new BinaryFocalCrossentropy({ applyClassBalancing: true, gamma: 3, fromLogits: true }).call(t, p, [0.8, 0.2])).toBeCloseTo(0.097, 3);
    expect(new BinaryFocalCrossentropy({ gamma: 4, fromLogits: true, reduction: 'sum' }).call(t, p)).toBeCloseTo(1.222, 3);
    expect(new BinaryFocalCrossentropy({ applyClassBalancing: true, gamma: 4, fromLogits: true, reduction: 'sum' }).call(t, p)).toBeCloseTo(0.914, 3);
    expectClose(data(new BinaryFocalCrossentropy({ gamma: 5, fromLogits: true, reduction: 'none' }).call(t, p)), [0.0017, 1.1561], { atol: 1e-4 });
    expectClose(data(new BinaryFocalCrossentropy({ applyClassBalancing: true, gamma: 5, fromLogits: true, reduction: 'none' }).call(t, p)),
      [0.0004, 0.8670], { atol: 1e-4 });
  });
});

describe('options', () => {
  const sigmoid = (z: Float32Array) => Float32Array.from(z, (v) => 1 / (1 + Math.exp(-v)));
  const softmax = (z: Float32Array, cols: number) => {
    const out = new Float32Array(z.length);
    for (let r = 0; r < z.length / cols; r++) {
      const row = Array.from(z.subarray(r * cols, (r + 1) * cols));
      const m = Math.max(...row), e = row.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
      e.forEach((v, j) => { out[r * cols + j] = v / s; });
    }
    return out;
  };

  it('fromLogits agrees with the probability path', () => {
    const rng = mulberry32(3);
    const z = randn(ROWS * COLS, rng, 2);
    const bt = uniform(ROWS * COLS, rng, 0, 1);
    const ct = oneHot(labels(ROWS, COLS, rng), COLS);
    const lt = labels(ROWS, COLS, rng);
    const close = { rtol: 2e-5, atol: 1e-6 };
    expectClose(data(losses.binaryCrossentropy(rows2d(bt), rows2d(z), { fromLogits: true })), data(losses.binaryCrossentropy(rows2d(bt), rows2d(sigmoid(z)))), close);
    expectClose(data(losses.binaryFocalCrossentropy(rows2d(bt), rows2d(z), { fromLogits: true, applyClassBalancing: true, alpha: 0.3, gamma: 1.5 })),
      data(losses.binaryFocalCrossentropy(rows2d(bt), rows2d(sigmoid(z)), { applyClassBalancing: true, alpha: 0.3, gamma: 1.5 })), close);
    expectClose(data(losses.categoricalCrossentropy(rows2d(ct), rows2d(z), { fromLogits: true })), data(losses.categoricalCrossentropy(rows2d(ct), rows2d(softmax(z, COLS)))), close);
    expectClose(data(losses.categoricalFocalCrossentropy(rows2d(ct), rows2d(z), { fromLogits: true })),
      data(losses.categoricalFocalCrossentropy(rows2d(ct), rows2d(softmax(z, COLS)))), close);
    expectClose(data(losses.sparseCategoricalCrossentropy(Array.from(lt), rows2d(z), { fromLogits: true })),
      data(losses.sparseCategoricalCrossentropy(Array.from(lt), rows2d(softmax(z, COLS)))), close);
    // and TF.js's sigmoid/softmax cross-entropies on logits
    expectClose([new BinaryCrossentropy({ fromLogits: true }).call(rows2d(bt), rows2d(z)) as number],
      tfValues(tf.losses.sigmoidCrossEntropy(tf.tensor2d(rows2d(bt)), tf.tensor2d(rows2d(z)))), { rtol: 1e-5 });
  });

  it('logits of ±1e4 give finite losses and gradients', () => {
    const z = Float32Array.from([1e4, -1e4, 1e4, -1e4, 0, 1e4, -1e4, 1e4]);
    const bt = Float32Array.from([0, 1, 1, 0, 1, 0.5, 0.5, 0]);
    const ct = Float32Array.from([1, 0, 0, 0, 0, 0, 1, 0]);
    for (const loss of [new BinaryCrossentropy({ fromLogits: true }), new BinaryFocalCrossentropy({ fromLogits: true, gamma: 0.5 }),
      new CategoricalCrossentropy({ fromLogits: true }), new CategoricalFocalCrossentropy({ fromLogits: true }),
      new SparseCategoricalCrossentropy({ fromLogits: true })]) {
      const sparse = loss instanceof SparseCategoricalCrossentropy;
      const binary = loss.className.startsWith('Binary');
      const t = sparse ? [0, 2] : rows2d(binary ? bt : ct);
      const value = loss.call(t, rows2d(z)) as number;
      expect(Number.isFinite(value), loss.className).toBe(true);
      expect(value).toBeGreaterThan(1e3); // the wrong-sign logits cost about 1e4, not a clipped −log ε
      // the gradient kernel on the same data
      const k = loss.kernels();
      expect(k.logits).toBeUndefined();
      const grads = runGrad(k, z, sparse ? Float32Array.from([0, 2]) : binary ? bt : ct, 2, 4);
      for (const g of grads.dp) expect(Number.isFinite(g), loss.className).toBe(true);
      expectClose([grads.value], [value], { rtol: 1e-6 });
    }
  });

  it('label smoothing moves targets towards ½ (binary) or 1/classes (categorical)', () => {
    const { p, t } = inputs('binaryCrossentropy', 21);
    const s = 0.2;
    const smoothed = Float32Array.from(t, (v) => v * (1 - s) + 0.5 * s);
    expectClose(data(losses.binaryCrossentropy(rows2d(t), rows2d(p), { labelSmoothing: s })), data(losses.binaryCrossentropy(rows2d(smoothed), rows2d(p))), { rtol: 1e-6 });
    expectClose([new BinaryCrossentropy({ labelSmoothing: s }).call(rows2d(t), rows2d(p)) as number],
      tfValues(tf.losses.sigmoidCrossEntropy(tf.tensor2d(rows2d(t)), tf.tensor2d(rows2d(p)).div(tf.scalar(1).sub(tf.tensor2d(rows2d(p)))).log(), undefined, s)), { rtol: 1e-4 });
    const c = inputs('categoricalCrossentropy', 22);
    const cs = Float32Array.from(c.t, (v) => v * (1 - s) + s / COLS);
    expectClose(data(losses.categoricalCrossentropy(rows2d(c.t), rows2d(c.p), { labelSmoothing: s })), data(losses.categoricalCrossentropy(rows2d(cs), rows2d(c.p))), { rtol: 1e-6 });
    expectClose(data(losses.categoricalFocalCrossentropy(rows2d(c.t), rows2d(c.p), { labelSmoothing: s, alpha: 0.5, gamma: 1 })),
      Array.from({ length: ROWS }, (_, r) => categoricalFocalRef(0.5, 1, s, false).value(c.p.subarray(r * COLS, (r + 1) * COLS), c.t.subarray(r * COLS, (r + 1) * COLS), 1, COLS, 0)), { rtol: 1e-5 });
    expectClose(data(losses.binaryFocalCrossentropy(rows2d(t), rows2d(p), { labelSmoothing: s, applyClassBalancing: true, alpha: 0.4, gamma: 3 })),
      Array.from({ length: ROWS }, (_, r) => binaryFocalRef(3, 0.4, 0.6, s, false).value(p.subarray(r * COLS, (r + 1) * COLS), t.subarray(r * COLS, (r + 1) * COLS), 1, COLS, 0)), { rtol: 1e-5 });
  });

  it('ignoreClass: ignored rows have loss 0, no gradient, and leave the mean', () => {
    const p = [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4]];
    const y = [1, -1, 0, -1];
    const plain = data(losses.sparseCategoricalCrossentropy([1, 2, 0, 2], p));
    const none = data(losses.sparseCategoricalCrossentropy(y, p, { ignoreClass: -1 }));
    expectClose(none, [plain[0]!, 0, plain[2]!, 0], { rtol: 1e-7 });
    const loss = new SparseCategoricalCrossentropy({ ignoreClass: -1 });
    expectClose([loss.call(y, p) as number], [(plain[0]! + plain[2]!) / 2], { rtol: 1e-6 });
    expect(new SparseCategoricalCrossentropy({ ignoreClass: -1, reduction: 'sum' }).call(y, p)).toBeCloseTo(plain[0]! + plain[2]!, 6);
    expect(loss.call([-1, -1, -1, -1], p)).toBe(0);
    for (const fromLogits of [false, true]) {
      const k = new SparseCategoricalCrossentropy({ ignoreClass: -1, fromLogits }).kernels();
      const flat = Float32Array.from(p.flat());
      const { value, dp, count } = runGrad(k, flat, Float32Array.from(y), 4, 3);
      expect(count).toBe(2);
      expect(Array.from(dp.subarray(3, 6))).toEqual([0, 0, 0]);
      expect(Array.from(dp.subarray(9, 12))).toEqual([0, 0, 0]);
      const full = runGrad(new SparseCategoricalCrossentropy({ fromLogits }).kernels(), Float32Array.from([...p[0]!, ...p[2]!]), Float32Array.from([1, 0]), 2, 3);
      expectClose([value], [full.value], { rtol: 1e-6 });
      expectClose([...dp.subarray(0, 3), ...dp.subarray(6, 9)], full.dp, { rtol: 1e-6 });
    }
  });

  it('reductions and sample weights', () => {
    const { p, t } = inputs('meanSquaredError', 31);
    const per = data(losses.meanSquaredError(rows2d(t), rows2d(p)));
    const w = [0.5, 1, 2, 0, 1.5];
    const sum = per.reduce((a, b) => a + b, 0);
    expect(new MeanSquaredError().call(rows2d(t), rows2d(p))).toBeCloseTo(sum / ROWS, 5);
    expect(new MeanSquaredError({ reduction: 'mean' }).call(rows2d(t), rows2d(p))).toBeCloseTo(sum / ROWS, 5);
    expect(new MeanSquaredError({ reduction: 'sum' }).call(rows2d(t), rows2d(p))).toBeCloseTo(sum, 5);
    expectClose(data(new MeanSquaredError({ reduction: 'none' }).call(rows2d(t), rows2d(p), w)), per.map((v, i) => v * w[i]!), { rtol: 1e-6 });
    expect(new MeanSquaredError().call(rows2d(t), rows2d(p), w)).toBeCloseTo(per.reduce((a, v, i) => a + v * w[i]!, 0) / ROWS, 5);
    expectClose([new MeanSquaredError().call(rows2d(t), rows2d(p)) as number],
      tfValues(tf.losses.meanSquaredError(tf.tensor2d(rows2d(t)), tf.tensor2d(rows2d(p)))), { rtol: 1e-5 });
    // higher rank: one value per position of the leading axes
    const out = losses.meanSquaredError([[[1, 2], [3, 4]]], [[[1, 0], [3, 5]]]);
    expect(out.shape).toEqual([1, 2]);
    expectClose(out.data, [2, 0.5], { rtol: 1e-7 });
  });
});

describe('objects and configs', () => {
  it("names, class names and Keras's configs round-trip", () => {
    const loss = new BinaryFocalCrossentropy({ alpha: 0.4, gamma: 3, applyClassBalancing: true, labelSmoothing: 0.1 });
    expect(loss.name).toBe('binary_focal_crossentropy');
    expect(loss.getConfig()).toEqual({
      name: 'binary_focal_crossentropy', reduction: 'sum_over_batch_size', from_logits: false, label_smoothing: 0.1, axis: -1,
      apply_class_balancing: true, alpha: 0.4, gamma: 3,
    });
    const back = lossFromConfig({ class_name: loss.className, config: loss.getConfig() }, 'test');
    expect(back).toBeInstanceOf(BinaryFocalCrossentropy);
    expect(back.getConfig()).toEqual(loss.getConfig());
    expect(new SparseCategoricalCrossentropy({ ignoreClass: 255 }).getConfig()).toMatchObject({ ignore_class: 255, from_logits: false });
    expect(new Huber().getConfig()).toEqual({ name: 'huber_loss', reduction: 'sum_over_batch_size', delta: 1 });
    for (const name of ['mape', 'msle', 'logcosh', 'log_cosh', 'kld', 'kullback_leibler_divergence', 'kl_divergence', 'KLDivergence', 'hinge',
      'squared_hinge', 'categorical_hinge', 'cosine_similarity', 'poisson', 'binary_focal_crossentropy', 'CategoricalFocalCrossentropy']) {
      const l = resolveLoss(name, 'test');
      expect(l).toBeInstanceOf(Loss);
      expect(lossFromConfig({ class_name: l.className, config: l.getConfig() }, 'test').getConfig()).toEqual(l.getConfig());
    }
    expect(resolveLoss('kld', 'test').className).toBe('KLDivergence');
    expect(lossFromConfig({ class_name: 'MeanSquaredError', config: { name: 'mse', reduction: null, dtype: 'float32' } }, 'test').reduction).toBe('none');
    expect(lossFromConfig('binary_crossentropy', 'test')).toBeInstanceOf(BinaryCrossentropy);
    expect(resolveLoss(loss, 'test')).toBe(loss);
    expect(new CosineSimilarity().kernels()).toBe(LOSSES.cosineSimilarity);
    expect(new BinaryCrossentropy().kernels().logits?.activation).toBe('sigmoid');
  });

  it('refuses bad input with errors naming the call', () => {
    expect(() => losses.meanSquaredError([[1, 2]], [[1, 2, 3]])).toThrow(ShapeError);
    expect(() => losses.meanSquaredError([[1, NaN]], [[1, 2]])).toThrow(/losses.meanSquaredError\(\): yTrue .*not a finite/);
    expect(() => losses.sparseCategoricalCrossentropy([0, 3], [[0.5, 0.5, 0], [0.2, 0.3, 0.5]])).toThrow(/yTrue\[1\] is 3; class indices must be integers in \[0, 2\]/);
    expect(() => losses.sparseCategoricalCrossentropy([0, 0.5], [[0.5, 0.5], [0.2, 0.8]])).toThrow(ValueError);
    expect(() => losses.sparseCategoricalCrossentropy([[0, 1]], [[0.5, 0.5], [0.2, 0.8]])).toThrow(ShapeError);
    expect(losses.sparseCategoricalCrossentropy([[0], [1]], [[0.5, 0.5], [0.2, 0.8]]).shape).toEqual([2]);
    expect(() => losses.binaryCrossentropy([[1]], [[0.5]], { fromLogit: true } as never)).toThrow(/losses.binaryCrossentropy\(\): unknown option 'fromLogit'; did you mean 'fromLogits'/);
    expect(() => losses.meanSquaredError([[1]], [[1]], { reduction: 'sum' } as never)).toThrow(/unknown option 'reduction'/);
    expect(() => losses.binaryCrossentropy([[1]], [[0.5]], { labelSmoothing: 2 })).toThrow(/losses.binaryCrossentropy\(\): labelSmoothing must be in \[0, 1\]/);
    expect(() => new BinaryCrossentropy({ axis: 0 })).toThrow(/axis must be -1/);
    expect(() => new MeanSquaredError({ reduction: 'avg' as never })).toThrow(/reduction must be/);
    expect(() => new BinaryFocalCrossentropy({ gamma: -1 })).toThrow(ValueError);
    expect(() => new SparseCategoricalCrossentropy({ ignoreClass: 0.5 })).toThrow(ValueError);
    expect(() => new MeanSquaredError().call([[1, 2]], [[1, 2]], [1, 2, 3])).toThrow(/sampleWeight/);
    expect(() => resolveLoss('nope', 'compile()')).toThrow(/compile\(\): unknown loss "nope"/);
    expect(() => lossFromConfig({ class_name: 'Huber', config: { delta: 1, bogus: 2 } }, 'load')).toThrow(/load: loss Huber: .*unknown option 'bogus'/);
  });
});

import { kernels as wasmKernels } from '../src/backend.js';
import { arena } from '../src/arena.js';
import type { LossKernels } from '../src/losses.js';

/** Runs a bound Grad kernel on copies in the arena: the returned mean, the gradient, and `count` if any. */
function runGrad(k: LossKernels, p: Float32Array, t: Float32Array, rows: number, cols: number) {
  void wasmKernels;
  const at = [arena.alloc(p.length * 4, 'test'), arena.alloc(t.length * 4, 'test'), arena.alloc(p.length * 4, 'test')];
  try {
    arena.write(at[0]!, p);
    arena.write(at[1]!, t);
    const value = k.grad(at[2]!, at[0]!, at[1]!, rows, cols, ...k.options); // the options after cols, as the training step passes them
    return { value, dp: arena.read(at[2]!, p.length), count: k.count?.(at[1]!, rows, cols) };
  } finally {
    for (const a of at) arena.release(a);
  }
}
