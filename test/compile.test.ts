// compile with Keras's objects: loss objects with options (fromLogits through the fused path, ignoreClass), metric
// objects streaming over an epoch (the epoch value is the whole epoch's, not a mean of batch values), weighted
// metrics (Σw·v/Σw, Keras's `weighted_metrics`), and all of it through save and load.
import { describe, expect, it } from 'vitest';
import {
  AUC, BinaryCrossentropy, Dense, Precision, SGD, Sequential, SparseCategoricalCrossentropy, loadModel, losses, metrics,
  type Tensor,
} from '../src/index.js';
import { disposeAfterEach, expectClose, expectSameBits, mulberry32, randn } from './helpers.js';
import type { ActivationSpelling } from '../src/activations.js';

const track = disposeAfterEach();

const rng = mulberry32(21);
const ROWS = 40;
const X = randn(ROWS * 3, rng);
const XS = Array.from({ length: ROWS }, (_, r) => [X[r * 3]!, X[r * 3 + 1]!, X[r * 3 + 2]!]);
const Y = XS.map(([a, b]) => (a! + 0.5 * b! > 0 ? 1 : 0));

function flat(ts: readonly Tensor[]): Float32Array {
  return Float32Array.from(ts.flatMap((t) => Array.from(t.data)));
}

// Biases start at 1, not 0: a learning rate of 1e-30 then changes no weight's bits (see the streaming test).
function binary(activation: ActivationSpelling, seed = 4): Sequential {
  return track(new Sequential([
    new Dense(4, { inputShape: [3], activation: 'tanh', biasInitializer: 'ones' }), new Dense(1, { activation, biasInitializer: 'ones' }),
  ], { seed }));
}

describe('loss objects', () => {
  it('BinaryCrossentropy({ fromLogits: true }) on a linear output trains as sigmoid + binaryCrossentropy does', async () => {
    const a = binary('linear');
    const b = binary('sigmoid');
    a.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: new BinaryCrossentropy({ fromLogits: true }) });
    b.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
    const ha = await a.fit(XS, Y, { epochs: 3, batchSize: 8, verbose: 0 });
    const hb = await b.fit(XS, Y, { epochs: 3, batchSize: 8, verbose: 0 });
    expectClose(flat(a.getWeights()), flat(b.getWeights()), { rtol: 1e-5, atol: 1e-6 });
    expectClose(ha.history.loss!, hb.history.loss!, { rtol: 1e-5 });
  });

  it('fromLogits stays finite for logits of ±1e4 (the fused, overflow-free path)', () => {
    const m = track(new Sequential([new Dense(1, { inputShape: [1], useBias: false, kernelInitializer: 'ones' })], { seed: 1 }));
    m.compile({ optimizer: 'sgd', loss: new BinaryCrossentropy({ fromLogits: true }) });
    const [loss] = m.evaluate([[1e4], [-1e4], [1e4]], [0, 1, 1]);
    expectClose([loss!], [(1e4 + 1e4 + 0) / 3], { rtol: 1e-6 });
    const { gradients } = m.computeGradients([[1e4], [-1e4]], [0, 1]);
    expect(Number.isFinite(gradients[0]!.data[0]!)).toBe(true);
  });

  it('SparseCategoricalCrossentropy({ ignoreClass }) averages over the rows it keeps, in fit and evaluate', async () => {
    const labels = [0, 2, -1, 1, 2, -1, 0, 1];
    const xs = XS.slice(0, 8);
    const make = () => {
      const m = track(new Sequential([new Dense(3, { inputShape: [3], activation: 'softmax' })], { seed: 8 }));
      m.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: new SparseCategoricalCrossentropy({ ignoreClass: -1 }) });
      return m;
    };
    const a = make();
    const b = make();
    b.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    const kept = labels.flatMap((l, i) => (l >= 0 ? [i] : []));
    expectClose([a.evaluate(xs, labels)[0]!], [b.evaluate(kept.map((i) => xs[i]!), kept.map((i) => labels[i]!))[0]!], { rtol: 1e-6 });
    await a.fit(xs, labels, { batchSize: 8, shuffle: false, verbose: 0 });
    await b.fit(kept.map((i) => xs[i]!), kept.map((i) => labels[i]!), { batchSize: 8, shuffle: false, verbose: 0 });
    expectClose(flat(a.getWeights()), flat(b.getWeights()), { rtol: 1e-5, atol: 1e-7 });
    expect(() => a.evaluate(xs, [0, 2, -2, 1, 2, -1, 0, 1])).toThrow(/label y\[2\] = -2 is not a class index in \[0, 2\] nor the ignored class -1/);
  });

  it('every row ignored: the loss is 0 (Keras 3\'s masked mean), not 0/0 = NaN, in evaluate, weighted fit and validation', async () => {
    // Found by the fuzz suite: evaluate and a fit with sampleWeight divided the loss sum by 0 counted rows.
    const m = track(new Sequential([new Dense(2, { inputDim: 2, activation: 'softmax' })], { seed: 1 }));
    m.compile({ optimizer: 'sgd', loss: new SparseCategoricalCrossentropy({ ignoreClass: 1 }) });
    expect(m.evaluate([[0, 1]], [1])).toEqual([0]);
    const weighted = await m.fit([[0, 1], [1, 0]], [1, 1], { verbose: 0, sampleWeight: [1, 2], validationData: [[[0, 1]], [1]] });
    expect(weighted.history).toEqual({ loss: [0], val_loss: [0] });
    const plain = await m.fit([[0, 1], [1, 0]], [1, 1], { verbose: 0 });
    expect(plain.history).toEqual({ loss: [0] });
  });
});

describe('metric objects in fit', () => {
  it('an epoch logs the whole epoch\'s AUC and precision, not a mean of batch values', async () => {
    // A learning rate of 1e-30 leaves every weight's bits as they are, so the predictions are the same at every
    // step and the epoch's streamed value must equal evaluate's over the same rows, exactly.
    const m = binary('sigmoid', 6);
    m.compile({ optimizer: new SGD({ learningRate: 1e-30 }), loss: 'binaryCrossentropy', metrics: [new AUC(), new Precision(), 'accuracy'] });
    const before = flat(m.getWeights());
    const batchValues: number[] = [];
    const h = await m.fit(XS, Y, { epochs: 1, batchSize: 7, verbose: 0, callbacks: [{ onBatchEnd: (_b, logs) => { batchValues.push(logs.auc!); } }] });
    expectSameBits(flat(m.getWeights()), before);
    const [, auc, precision, accuracy] = m.evaluate(XS, Y);
    expect(h.history.auc![0]).toBe(auc);
    expect(h.history.precision![0]).toBe(precision);
    expect(h.history.accuracy![0]).toBe(accuracy);
    const standalone = new AUC();
    standalone.updateState(Y.map((v) => [v]), m.predict(XS));
    expect(standalone.result()).toBe(auc);
    const meanOfBatches = batchValues.reduce((s, v) => s + v, 0) / batchValues.length;
    expect(meanOfBatches).not.toBe(auc);
  });

  it('weightedMetrics are Σw·v/Σw; the same metric unweighted keeps its name and the weighted one gets weighted_', async () => {
    const m = binary('sigmoid', 7);
    m.compile({ optimizer: new SGD({ learningRate: 1e-30 }), loss: 'binaryCrossentropy', metrics: ['accuracy'], weightedMetrics: ['accuracy', 'mse'] });
    expect(m.metricsNames).toEqual(['loss', 'accuracy', 'weighted_accuracy', 'mse']);
    const w = Array.from({ length: ROWS }, (_, i) => (i % 4) * 0.5);
    const values = m.evaluate(XS, Y, { sampleWeight: w, returnDict: true });
    const p = m.predict(XS).data;
    let hits = 0, sq = 0, sw = 0, plain = 0;
    for (let i = 0; i < ROWS; i++) {
      const hit = (p[i]! > 0.5 ? 1 : 0) === Y[i] ? 1 : 0;
      hits += w[i]! * hit; sq += w[i]! * (p[i]! - Y[i]!) ** 2; sw += w[i]!; plain += hit;
    }
    expectClose([values.weighted_accuracy!, values.mse!, values.accuracy!], [hits / sw, sq / sw, plain / ROWS], { rtol: 1e-6 });
    const h = await m.fit(XS, Y, { sampleWeight: w, batchSize: 16, verbose: 0 });
    expectClose([h.history.weighted_accuracy![0]!, h.history.mse![0]!], [hits / sw, sq / sw], { rtol: 1e-6 });
  });

  it('refuses per-class metrics, duplicate names and sparse/one-hot mismatches at compile, changing nothing', () => {
    const m = binary('sigmoid');
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    expect(() => m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: [new Precision({ thresholds: [0.3, 0.7] })] })).toThrow(/one value per class or threshold/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['mse', 'mse'] })).toThrow(/listed twice/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['sparse_categorical_accuracy'] })).toThrow(/needs class-index targets/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: 'accuracy' as never })).toThrow(/metrics must be an array/);
    expect(m.metricsNames).toEqual(['loss', 'accuracy']);
  });
});

describe('saving', () => {
  it('keeps the loss object, metric objects and weighted metrics: the loaded model evaluates to the same bits', async () => {
    const m = binary('linear', 9);
    m.compile({
      optimizer: new SGD({ learningRate: 0.1 }), loss: new BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }),
      metrics: [new AUC({ numThresholds: 50, name: 'roc' })], weightedMetrics: ['mse'],
    });
    await m.fit(XS, Y, { epochs: 2, verbose: 0 });
    const artifacts = await m.save();
    // TensorFlow.js cannot compile a loss object: it gets no trainingConfig, and neurasm's whole one is beside it.
    expect(artifacts.trainingConfig).toBeUndefined();
    const tc = (artifacts.userDefinedMetadata as { neurasm: { trainingConfig: NonNullable<typeof artifacts.trainingConfig> } }).neurasm.trainingConfig;
    expect(tc.loss).toMatchObject({ class_name: 'BinaryCrossentropy', config: { from_logits: true, label_smoothing: 0.1 } });
    expect(tc.metrics).toEqual([{ class_name: 'AUC', config: expect.objectContaining({ name: 'roc', num_thresholds: 50 }) }]);
    expect(tc.weighted_metrics).toEqual(['mse']);
    const loaded = track(await loadModel(artifacts));
    const w = XS.map((_, i) => (i % 3) + 0.5);
    expect(loaded.metricsNames).toEqual(m.metricsNames);
    expect(loaded.evaluate(XS, Y, { sampleWeight: w })).toEqual(m.evaluate(XS, Y, { sampleWeight: w }));
  });

  it('saves a loss with default options by name, which TensorFlow.js also reads', async () => {
    const m = binary('sigmoid', 10);
    m.compile({ optimizer: 'adam', loss: new BinaryCrossentropy(), metrics: ['accuracy'] });
    expect((await m.save()).trainingConfig!.loss).toBe('binaryCrossentropy');
  });
});

describe('standalone', () => {
  it('the loss classes are in the losses namespace too, as keras.losses.BinaryCrossentropy', () => {
    expect(losses.BinaryCrossentropy).toBe(BinaryCrossentropy);
    const loss = new losses.BinaryCrossentropy({ fromLogits: true, reduction: 'none' });
    expectClose((loss.call([[1], [0]], [[0], [0]]) as Tensor).data, [Math.LN2, Math.LN2], { rtol: 1e-6 });
  });

  it('metrics.binaryAccuracy gives per-sample values from the same kernels', () => {
    const t = metrics.binaryAccuracy([[1], [0], [1]], [[0.7], [0.6], [0.2]], { threshold: 0.5 });
    expect(Array.from(t.data)).toEqual([1, 0, 0]);
  });
});
