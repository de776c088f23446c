// Parity of the public API with TensorFlow.js, the independent reference: the same architecture, initial
// weights, data and batch order, trained for exactly 20 optimizer steps, must give the same predictions,
// weights, loss history and evaluate() values. One table of cases; a row names its optimizer pair and data.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, Dense, RMSprop, SGD, Sequential, tensor, type Optimizer, type Tensor } from '../src/index.js';
import { labels, mulberry32, oneHot, randn } from './helpers.js';
import type { MetricSpelling } from '../src/metrics.js';

/** Optimizer steps per case: epochs × ⌈rows / batchSize⌉. */
const STEPS = 20;
/** Forward pass on identical weights: only the order of float32 sums differs. */
const PREDICT_ATOL = 1e-5;
/**
 * Weights after 20 steps, elementwise: |a − b| ≤ 1e-4 · max(|b|, 1e-3). Elementwise rather than norm-relative,
 * so one wrong weight (a bias, one row of a kernel) cannot hide inside a large norm; a norm-relative check
 * would also fail for the wrong reason on XOR, whose whole hidden bias vector ends near 1e-4. The floor keeps
 * the bound meaningful for weights that pass near zero (biases start at exactly 0): their error is set by the
 * size of the steps, not by where they land. NOTE: Adam's error grows with its learning rate: both libraries
 * are ~1.5e-6 from a float64 reference after 20 steps at lr 0.01 (float32 bias correction 1 − β2ᵗ alone is
 * off by up to 3e-5 relative), which this bound would reject; so the Adam rows use Keras's default 0.001.
 * Measured worst cases are 2× (Adam on the classifier) to 1000× (plain SGD) inside the bound.
 */
const RTOL = 1e-4;
const FLOOR = 1e-3;

// NOTE: tfjs's Adam is the textbook form `w −= lr·m̂/(√v̂ + ε)`; Keras (and neurasm) compute
// `w −= lr·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v + ε)`, which is the textbook form with ε replaced by ε/√(1−β2ᵗ) (3.2e-6 at
// step 1). On XOR that alone moves the weights by up to 7e-6 in 20 steps, and a hidden bias ending near 7e-5
// by 1e-7, just outside the bound above. This subclass of tfjs's AdamOptimizer (what `tf.train.adam` returns)
// sets that ε at each step, so it computes Keras's form, and the rows measure neurasm rather than the documented
// difference between the two forms; the last test compares against stock `tf.train.adam` on its own.
class KerasAdam extends tf.AdamOptimizer {
  private t = 0;
  constructor(learningRate: number, beta1: number, private readonly beta2_: number, private readonly epsilon_: number) {
    super(learningRate, beta1, beta2_, epsilon_);
  }
  override applyGradients(gradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    this.t++;
    this.epsilon = this.epsilon_ / Math.sqrt(1 - this.beta2_ ** this.t);
    super.applyGradients(gradients);
  }
}

type LossName = 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'meanSquaredError';

interface Case {
  name: string;
  layers: () => Dense[];
  optimizer: () => Optimizer;
  tfOptimizer: () => tf.Optimizer;
  loss: LossName;
  /** neurasm's metric name, and the key tfjs logs it under. */
  metric: { name: string; tf: string };
  data: [Tensor, Tensor];
  batchSize: number;
  epochs: number;
  /** Batch size of the evaluate() comparisons, chosen so the last batch is partial. */
  evalBatchSize: number;
}

/** Gaussian features and uniformly drawn class indices (no signal: the point is the arithmetic). */
function classes(rows: number, features: number, count: number, seed: number): { x: Tensor; labels: Tensor } {
  const rng = mulberry32(seed);
  const x = randn(rows * features, rng);
  return { x: tensor(x, [rows, features]), labels: tensor(labels(rows, count, rng), [rows, 1]) };
}

/** y = x·w + 0.5 + N(0, 0.1²) for a fixed w: a target the linear head can fit. */
function regression(rows: number, seed: number): [Tensor, Tensor] {
  const w = [1.5, -2, 0.7, 3];
  const rng = mulberry32(seed);
  const x = randn(rows * w.length, rng);
  const noise = randn(rows, rng, 0.1);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0.5 + noise[r]!;
    for (let c = 0; c < w.length; c++) s += x[r * w.length + c]! * w[c]!;
    y[r] = s;
  }
  return [tensor(x, [rows, w.length]), tensor(y, [rows, 1])];
}

const xor: [Tensor, Tensor] = [tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), tensor([[0], [1], [1], [0]])];
// 44 rows in batches of 10: four full batches and a partial one of 4 per epoch; 4 epochs = 20 steps.
const blobs = classes(44, 5, 3, 11);
const blobsOneHot: [Tensor, Tensor] = [blobs.x, tensor(oneHot(blobs.labels.data, 3), [44, 3])];
// 50 rows in batches of 16: 16, 16, 16, 2 per epoch; 5 epochs = 20 steps.
const linear = regression(50, 12);

const xorStack = () => [new Dense(4, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })];
const softmaxStack = () => [
  new Dense(16, { inputDim: 5, activation: 'tanh' }),
  new Dense(12, { activation: 'relu' }),
  new Dense(3, { activation: 'softmax' }),
];
const accuracy = { name: 'accuracy', tf: 'acc' };

const CASES: Case[] = [
  {
    name: '(a) XOR 2 → 4 relu → 1 sigmoid, Adam, binaryCrossentropy',
    layers: xorStack, optimizer: () => new Adam(), tfOptimizer: () => new KerasAdam(0.001, 0.9, 0.999, 1e-7),
    loss: 'binaryCrossentropy', metric: accuracy, data: xor, batchSize: 4, epochs: 20, evalBatchSize: 3,
  },
  {
    name: '(b) 5 → 16 tanh → 12 relu → 3 softmax, SGD momentum, categoricalCrossentropy',
    layers: softmaxStack,
    optimizer: () => new SGD({ learningRate: 0.1, momentum: 0.9 }), tfOptimizer: () => tf.train.momentum(0.1, 0.9, false),
    loss: 'categoricalCrossentropy', metric: accuracy, data: blobsOneHot, batchSize: 10, epochs: 4, evalBatchSize: 7,
  },
  {
    name: '(b′) the same with Nesterov momentum',
    layers: softmaxStack,
    optimizer: () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), tfOptimizer: () => tf.train.momentum(0.1, 0.9, true),
    loss: 'categoricalCrossentropy', metric: accuracy, data: blobsOneHot, batchSize: 10, epochs: 4, evalBatchSize: 7,
  },
  {
    name: '(b″) the same with class indices: Adam, sparseCategoricalCrossentropy',
    layers: softmaxStack,
    optimizer: () => new Adam(), tfOptimizer: () => new KerasAdam(0.001, 0.9, 0.999, 1e-7),
    loss: 'sparseCategoricalCrossentropy', metric: accuracy, data: [blobs.x, blobs.labels], batchSize: 10, epochs: 4, evalBatchSize: 7,
  },
  {
    name: '(c) linear regression head 4 → 1, RMSprop, meanSquaredError',
    layers: () => [new Dense(1, { inputDim: 4 })],
    optimizer: () => new RMSprop({ learningRate: 0.01 }), tfOptimizer: () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7),
    loss: 'meanSquaredError', metric: { name: 'mae', tf: 'mae' }, data: linear, batchSize: 16, epochs: 5, evalBatchSize: 7,
  },
  {
    name: '(c′) the same with RMSprop momentum 0.9',
    layers: () => [new Dense(1, { inputDim: 4 })],
    optimizer: () => new RMSprop({ learningRate: 0.01, momentum: 0.9 }), tfOptimizer: () => tf.train.rmsprop(0.01, 0.9, 0.9, 1e-7),
    loss: 'meanSquaredError', metric: { name: 'mae', tf: 'mae' }, data: linear, batchSize: 16, epochs: 5, evalBatchSize: 7,
  },
  {
    name: '(c″) the same with plain SGD',
    layers: () => [new Dense(1, { inputDim: 4 })],
    optimizer: () => new SGD({ learningRate: 0.05 }), tfOptimizer: () => tf.train.sgd(0.05),
    loss: 'meanSquaredError', metric: { name: 'mae', tf: 'mae' }, data: linear, batchSize: 16, epochs: 5, evalBatchSize: 7,
  },
];

/** The same stack in TensorFlow.js, read off neurasm's Dense layers. */
function tfModelOf(layers: readonly Dense[]): tf.Sequential {
  return tf.sequential({
    layers: layers.map((l, i) => tf.layers.dense({
      units: l.units,
      activation: l.activation as 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax',
      useBias: l.useBias,
      ...(i === 0 ? { inputShape: [l.inputDim] } : {}),
    })),
  });
}

const toTf = (t: Tensor) => tf.tensor(t.data, [...t.shape]);
const tfPredict = (m: tf.Sequential, x: tf.Tensor): ArrayLike<number> => (m.predict(x) as tf.Tensor).dataSync();
const tfEvaluate = (m: tf.Sequential, x: tf.Tensor, y: tf.Tensor, batchSize: number) =>
  (m.evaluate(x, y, { batchSize }) as tf.Scalar[]).map((s) => s.dataSync()[0]!);

/** Worst elementwise errors: max |a − b|, and max |a − b| / max(|b|, floor), the quantity bounded by RTOL. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, floor = FLOOR): { abs: number; rel: number } {
  expect(a.length).toBe(b.length);
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    abs = Math.max(abs, d);
    rel = Math.max(rel, d / Math.max(Math.abs(b[i]!), floor));
  }
  return { abs, rel };
}

const fmt = (e: { abs: number; rel: number }) => `max abs ${e.abs.toExponential(2)}, max rel ${e.rel.toExponential(2)}`;

beforeAll(async () => {
  tf.enableProdMode(); // silences the "install tfjs-node" banner; numerics are unchanged
  await tf.setBackend('cpu');
  await tf.ready();
});

/** neurasm's values and tfjs's, in that order. */
type Pair<T> = [ours: T, theirs: T];

/** Both models built from the same initial weights, with everything the tests compare. */
async function trainBoth(c: Case, tfOptimizer: tf.Optimizer) {
  const [x, y] = c.data;
  const [tx, ty] = [toTf(x), toTf(y)];
  const model = new Sequential(c.layers(), { seed: 7 });
  model.compile({ optimizer: c.optimizer(), loss: c.loss, metrics: [c.metric.name as MetricSpelling] });
  const tfModel = tfModelOf(model.layers as Dense[]);
  tfModel.compile({ optimizer: tfOptimizer, loss: c.loss, metrics: [c.metric.tf] });
  const initial = model.getWeights();
  tfModel.setWeights(initial.map(toTf));

  const before: { predict: Pair<ArrayLike<number>>; evaluate: Pair<number[]> } = {
    predict: [model.predict(x).data, tfPredict(tfModel, tx)],
    evaluate: [model.evaluate(x, y, { batchSize: c.evalBatchSize }), tfEvaluate(tfModel, tx, ty, c.evalBatchSize)],
  };
  const history = await model.fit(x, y, { epochs: c.epochs, batchSize: c.batchSize, shuffle: false, verbose: 0 });
  const tfHistory = await tfModel.fit(tx, ty, { epochs: c.epochs, batchSize: c.batchSize, shuffle: false, verbose: 0 });
  const after: { weights: Tensor[]; tfWeights: ArrayLike<number>[]; predict: Pair<ArrayLike<number>>; evaluate: Pair<number[]> } = {
    weights: model.getWeights(),
    tfWeights: tfModel.getWeights().map((w) => w.dataSync()),
    predict: [model.predict(x).data, tfPredict(tfModel, tx)],
    evaluate: [model.evaluate(x, y, { batchSize: c.evalBatchSize }), tfEvaluate(tfModel, tx, ty, c.evalBatchSize)],
  };
  const result = { model, initial, before, after, history: history.history, tfHistory: tfHistory.history as Record<string, number[]> };
  tfModel.dispose();
  tf.dispose([tx, ty]);
  return result;
}

describe.each(CASES)('$name', (c) => {
  let r: Awaited<ReturnType<typeof trainBoth>>;
  beforeAll(async () => {
    r = await trainBoth(c, c.tfOptimizer());
  });
  afterAll(() => r.model.dispose());

  it(`takes exactly ${STEPS} optimizer steps`, () => {
    expect(c.epochs * Math.ceil(c.data[0].shape[0]! / c.batchSize)).toBe(STEPS);
    expect(r.model.optimizer!.iterations).toBe(STEPS);
  });

  it('predicts and evaluates like TensorFlow.js before training', () => {
    const [ours, theirs] = r.before.predict;
    const p = worst(ours, theirs);
    expect(p.abs, `predictions: ${fmt(p)}`).toBeLessThanOrEqual(PREDICT_ATOL);
    const [evaluated, tfEvaluated] = r.before.evaluate;
    expect(r.model.metricsNames).toEqual(['loss', c.metric.name]);
    const e = worst(evaluated, tfEvaluated);
    expect(e.rel, `evaluate ${evaluated} vs ${tfEvaluated}: ${fmt(e)}`).toBeLessThanOrEqual(1e-5);
  });

  it(`has every weight within ${RTOL} of TensorFlow.js's after ${STEPS} steps`, () => {
    expect(r.after.weights).toHaveLength(r.after.tfWeights.length);
    let moved = 0;
    r.after.weights.forEach((w, i) => {
      const e = worst(w.data, r.after.tfWeights[i]!);
      expect(e.rel, `weight ${i} [${w.shape.join(', ')}]: ${fmt(e)}`).toBeLessThanOrEqual(RTOL);
      moved = Math.max(moved, worst(w.data, r.initial[i]!.data).abs);
    });
    // The comparison means something only if training moved the weights far beyond the tolerance.
    expect(moved).toBeGreaterThan(1e-3);
  });

  it('logs the same loss and metric history', () => {
    const loss = r.history.loss!;
    const tfLoss = r.tfHistory.loss!;
    expect(loss).toHaveLength(c.epochs);
    const e = worst(loss, tfLoss);
    expect(e.rel, `loss ${loss} vs ${tfLoss}: ${fmt(e)}`).toBeLessThanOrEqual(RTOL);
    expect(loss.at(-1)!).toBeLessThan(loss[0]!);
    const m = worst(r.history[c.metric.name]!, r.tfHistory[c.metric.tf]!);
    expect(m.rel, `${c.metric.name}: ${fmt(m)}`).toBeLessThanOrEqual(RTOL);
  });

  it('predicts and evaluates like TensorFlow.js after training', () => {
    const [ours, theirs] = r.after.predict;
    const p = worst(ours, theirs);
    expect(p.rel, `predictions: ${fmt(p)}`).toBeLessThanOrEqual(RTOL);
    const [evaluated, tfEvaluated] = r.after.evaluate;
    const e = worst(evaluated, tfEvaluated);
    expect(e.rel, `evaluate ${evaluated} vs ${tfEvaluated}: ${fmt(e)}`).toBeLessThanOrEqual(RTOL);
    // evaluate's loss is the loss of the trained weights, below the first epoch's running mean.
    expect(evaluated[0]!).toBeLessThan(r.history.loss![0]!);
  });
});

describe("Adam follows Keras's update form, not tfjs's textbook form", () => {
  it("is closer to Keras's form than to stock tf.train.adam, which it still matches to 1e-4 of the weights' norm", async () => {
    const xorCase = CASES[0]!;
    const keras = await trainBoth(xorCase, new KerasAdam(0.001, 0.9, 0.999, 1e-7));
    const stock = await trainBoth(xorCase, tf.train.adam(0.001, 0.9, 0.999, 1e-7));
    const flat = (ws: ArrayLike<number>[]) => ws.flatMap((w) => Array.from(w));
    const ours = flat(keras.after.weights.map((w) => w.data));
    expect(flat(stock.after.weights.map((w) => w.data))).toEqual(ours); // neurasm is deterministic
    const toKeras = worst(ours, flat(keras.after.tfWeights));
    const toStock = worst(ours, flat(stock.after.tfWeights));
    expect(toKeras.abs * 5, `Keras form ${fmt(toKeras)}; textbook form ${fmt(toStock)}`).toBeLessThan(toStock.abs);
    // Against the stock optimizer, norm-relative over all weights: the ε difference is tiny in aggregate.
    const stockWeights = flat(stock.after.tfWeights);
    const diff = Math.hypot(...ours.map((v, i) => v - stockWeights[i]!));
    expect(diff / Math.hypot(...stockWeights)).toBeLessThan(1e-4);
  });
});
