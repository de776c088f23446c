// Data utilities and the forms of input a model takes: trainTestSplit (scikit-learn's rules), oneHot,
// tensor()/Tensor, flat arrays as one column, and typed arrays with a shape.
import { describe, expect, it } from 'vitest';
import {
  Dense, Sequential, ShapeError, SGD, Tensor, ValueError, oneHot, tensor, trainTestSplit,
} from '../src/index.js';
import { disposeAfterEach } from './helpers.js';
import { arena } from '../src/arena.js';

const track = disposeAfterEach();

/** n rows [id, −id] and targets 10·id, so every sample and its pairing can be traced. */
function traced(n: number): { x: number[][]; y: number[] } {
  const x = Array.from({ length: n }, (_, i) => [i, -i]);
  return { x, y: x.map(([i]) => 10 * i!) };
}

function ids(t: Tensor): number[] {
  return (t.toArray() as number[][]).map((r) => r[0]!);
}

describe('trainTestSplit', () => {
  it.each([
    [10, 0.25, 3], [10, 0.2, 2], [7, 0.5, 4], [100, 0.25, 25], [3, 0.1, 1], [11, 0.33, 4],
  ])('%i samples, testSize %f → ceil = %i test samples, the rest for training', (n, testSize, nTest) => {
    const { x, y } = traced(n);
    const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize, seed: 1 });
    expect(xTest.shape).toEqual([nTest, 2]);
    expect(xTrain.shape).toEqual([n - nTest, 2]);
    expect(yTest.shape).toEqual([nTest]);
    expect(yTrain.shape).toEqual([n - nTest]);
  });

  it('defaults to testSize 0.25', () => {
    const { x, y } = traced(8);
    const [xTrain, xTest] = trainTestSplit(x, y, { seed: 3 });
    expect([xTrain.shape[0], xTest.shape[0]]).toEqual([6, 2]);
  });

  it('loses and duplicates no sample, and keeps each x with its y', () => {
    const { x, y } = traced(97);
    const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.3, seed: 42 });
    const all = [...ids(xTrain), ...ids(xTest)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 97 }, (_, i) => i));
    for (const [xs, ys] of [[xTrain, yTrain], [xTest, yTest]] as const) {
      const rowsX = xs.toArray() as number[][];
      const rowsY = ys.toArray() as number[];
      rowsX.forEach((r, i) => {
        expect(r[1]).toBe(-r[0]!);
        expect(rowsY[i]).toBe(10 * r[0]!);
      });
    }
  });

  it('the same seed gives the same split; another seed another one; the default shuffles', () => {
    const { x, y } = traced(50);
    const a = trainTestSplit(x, y, { seed: 7 }).map((t) => t.toArray());
    const b = trainTestSplit(x, y, { seed: 7 }).map((t) => t.toArray());
    const c = trainTestSplit(x, y, { seed: 8 }).map((t) => t.toArray());
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const ordered = Array.from({ length: 13 }, (_, i) => i);
    expect(ids(trainTestSplit(x, y, { seed: 7 })[1]!)).not.toEqual(ordered);
  });

  it('shuffle false keeps the order: training is the first rows, test the last, as scikit-learn', () => {
    // sklearn.model_selection.train_test_split(shuffle=False): train = arange(n_train), test = arange(n_train, n).
    const { x, y } = traced(10);
    const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.3, shuffle: false });
    expect(ids(xTrain)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ids(xTest)).toEqual([7, 8, 9]);
    expect(yTrain.toArray()).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(yTest.toArray()).toEqual([70, 80, 90]);
  });

  it('shuffle false keeps the order within each part', () => {
    const { x, y } = traced(12);
    const [xTrain, xTest] = trainTestSplit(x, y, { testSize: 0.25, shuffle: false });
    const inOrder = (a: number[]) => a.every((v, i) => i === 0 || v === a[i - 1]! + 1);
    expect(inOrder(ids(xTrain))).toBe(true);
    expect(inOrder(ids(xTest))).toBe(true);
  });

  it('splits one-hot y and 1-D x alike, keeping their shapes', () => {
    const x = [0, 1, 2, 3, 4, 5, 6, 7];
    const y = oneHot([0, 1, 2, 0, 1, 2, 0, 1], 3);
    const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.25, seed: 5 });
    expect(xTrain.shape).toEqual([6]);
    expect(xTest.shape).toEqual([2]);
    expect(yTrain.shape).toEqual([6, 3]);
    expect(yTest.shape).toEqual([2, 3]);
    (xTest.toArray() as number[]).forEach((id, i) => {
      expect((yTest.toArray() as number[][])[i]).toEqual([0, 1, 2].map((k) => +(k === id % 3)));
    });
  });

  it('frees the memory it used', () => {
    const before = arena.bytesInUse;
    const { x, y } = traced(1000);
    trainTestSplit(x, y, { seed: 1 });
    expect(arena.bytesInUse).toBe(before);
  });

  it.each([
    ['testSize 0', { testSize: 0 }, ValueError, /trainTestSplit\(\): testSize must be in \(0, 1\), got 0/],
    ['testSize 1', { testSize: 1 }, ValueError, /trainTestSplit\(\): testSize must be in \(0, 1\), got 1/],
    ['testSize NaN', { testSize: NaN }, ValueError, /trainTestSplit\(\): testSize must be in \(0, 1\), got NaN/],
    ['seed -1', { seed: -1 }, ValueError, /trainTestSplit\(\): seed must be a non-negative integer, got -1/],
    ['seed 1.5', { seed: 1.5 }, ValueError, /trainTestSplit\(\): seed must be a non-negative integer, got 1.5/],
  ] as const)('rejects %s', (_what, options, error, message) => {
    const { x, y } = traced(10);
    expect(() => trainTestSplit(x, y, options)).toThrow(error);
    expect(() => trainTestSplit(x, y, options)).toThrow(message);
  });

  it('rejects x and y of different lengths, and a split leaving a part empty', () => {
    const { x } = traced(10);
    expect(() => trainTestSplit(x, [1, 2, 3])).toThrow(ShapeError);
    expect(() => trainTestSplit(x, [1, 2, 3])).toThrow(/x has 10 samples but y has 3/);
    expect(() => trainTestSplit([[1], [2]], [1, 2], { testSize: 0.9 })).toThrow(/leaves an empty training set/);
  });
});

describe('oneHot', () => {
  it('makes one row per label with a 1 in the label column', () => {
    const t = oneHot([0, 2, 1, 2], 3);
    expect(t.shape).toEqual([4, 3]);
    expect(t.toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]]);
  });

  it('takes typed arrays, a column [n, 1] and a Tensor', () => {
    const expected = [[0, 1], [1, 0]];
    expect(oneHot(new Int32Array([1, 0]), 2).toArray()).toEqual(expected);
    expect(oneHot(new Uint8Array([1, 0]), 2).toArray()).toEqual(expected);
    expect(oneHot([[1], [0]], 2).toArray()).toEqual(expected);
    expect(oneHot(tensor([1, 0]), 2).toArray()).toEqual(expected);
  });

  it.each([
    ['a label ≥ numClasses', () => oneHot([0, 3], 3), ValueError, /oneHot\(\): label y\[1\] = 3 is not a class index in \[0, 2\]|oneHot\(\): .*labels\[1\].*3/],
    ['a negative label', () => oneHot([-1], 3), ValueError, /oneHot\(\): .*-1 is not a class index in \[0, 2\]/],
    ['a non-integer label', () => oneHot([0.5], 3), ValueError, /oneHot\(\): .*0.5 is not a class index in \[0, 2\]/],
    ['numClasses 0', () => oneHot([0], 0), ValueError, /oneHot\(\): numClasses must be an integer in \[1, 16777216\], got 0/],
    ['numClasses 2.5', () => oneHot([0], 2.5), ValueError, /oneHot\(\): numClasses must be an integer in \[1, 16777216\], got 2.5/],
    ['2-D labels', () => oneHot([[0, 1], [1, 0]], 2), ShapeError, /oneHot\(\): labels must be 1-D, got shape \[2, 2\]/],
    ['NaN', () => oneHot([NaN], 2), ValueError, /oneHot\(\): labels has a value that is not a finite float32 \(NaN\)/],
  ] as const)('rejects %s', (_what, call, error, message) => {
    expect(call).toThrow(error);
    expect(call).toThrow(message);
  });

  it("names the argument 'labels' in a bad label's message", () => {
    expect(() => oneHot([0, 3], 3)).toThrow(/labels\[1\]/);
  });
});

describe('tensor() and Tensor', () => {
  it('nested arrays give a rank-2 tensor, flat arrays and typed arrays rank 1', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a).toBeInstanceOf(Tensor);
    expect(a.shape).toEqual([2, 3]);
    expect(a.size).toBe(6);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensor([1, 2, 3]).shape).toEqual([3]);
    expect(tensor(new Float64Array([1, 2])).shape).toEqual([2]);
    expect(tensor(new Int32Array([1, 2, 3, 4])).shape).toEqual([4]);
  });

  it('a shape reshapes flat values; the data is float32', () => {
    const t = tensor(new Float64Array([0.1, 2, 3, 4, 5, 6]), [3, 2]);
    expect(t.shape).toEqual([3, 2]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data[0]).toBe(Math.fround(0.1));
    expect(t.toArray()).toEqual([[Math.fround(0.1), 2], [3, 4], [5, 6]]);
  });

  it('toArray gives number[] for rank 1 and number[][] for rank 2', () => {
    expect(tensor([1, 2]).toArray()).toEqual([1, 2]);
    expect(tensor([1, 2], [2, 1]).toArray()).toEqual([[1], [2]]);
    expect(tensor([1, 2], [1, 2]).toArray()).toEqual([[1, 2]]);
  });

  it('get(i, j) reads a value and rejects indices outside the shape', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.get(0, 0)).toBe(1);
    expect(t.get(1, 2)).toBe(6);
    expect(t.get(1)).toBe(4);
    expect(tensor([7, 8, 9]).get(2)).toBe(9);
    for (const [i, j] of [[2, 0], [0, 3], [-1, 0], [0, -1], [1.5, 0]]) {
      expect(() => t.get(i!, j!), `get(${i}, ${j})`).toThrow(ValueError);
    }
    expect(() => tensor([7, 8, 9]).get(0, 1)).toThrow(/outside shape \[3\]/);
  });

  it('copies its input: changing the source array later does not change the tensor', () => {
    const src = new Float32Array([1, 2, 3, 4]);
    const t = tensor(src, [2, 2]);
    src[0] = 99;
    expect(t.get(0, 0)).toBe(1);
    const nested = [[1, 2]];
    const u = tensor(nested);
    nested[0]![0] = 99;
    expect(u.get(0, 0)).toBe(1);
  });

  it.each([
    ['a shape that does not fit', () => tensor([1, 2, 3], [2, 2]), ShapeError, /tensor\(\): shape \[2, 2\] holds 4 values, but 3 were given/],
    ['a negative dimension', () => new Tensor(new Float32Array(0), [-1, 0]), ShapeError, /Tensor\(\): shape \[-1, 0\] must hold non-negative integers/],
    ['a fractional dimension', () => new Tensor(new Float32Array(3), [1.5, 2]), ShapeError, /Tensor\(\): shape \[1.5, 2\] must hold non-negative integers/],
    ['ragged rows', () => tensor([[1, 2], [3]]), ShapeError, /tensor\(\): values is ragged: row 0 has 2 values, row 1 has 1/],
    ['NaN', () => tensor([1, NaN]), ValueError, /tensor\(\): values has a value that is not a finite float32 \(NaN\) at row 1/],
    ['a value beyond float32', () => tensor(new Float64Array([1e39])), ValueError, /tensor\(\): values has a value that is not a finite float32/],
    ['a string', () => tensor([1, 'x' as unknown as number]), ValueError, /tensor\(\): values\[1\] must be a number, got "x"/],
    ['not an array', () => tensor({} as never), ValueError, /tensor\(\): values must be an array of rows, an array of numbers, a typed array or a Tensor; got an object/],
  ] as const)('rejects %s', (_what, call, error, message) => {
    expect(call).toThrow(error);
    expect(call).toThrow(message);
  });

  it('toString shows the shape and values', () => {
    expect(tensor([[1, 2]]).toString()).toBe('Tensor [1, 2] [[1,2]]');
  });
});

describe('forms of model input', () => {
  function linear(seed = 1): Sequential {
    const m = track(new Sequential([new Dense(1, { inputDim: 1 })], { seed }));
    m.compile({ optimizer: new SGD({ learningRate: 0.05 }), loss: 'mse' });
    return m;
  }
  function bits(t: Tensor): number[] {
    return Array.from(new Int32Array(t.data.buffer, t.data.byteOffset, t.data.length));
  }

  it('a number[] is one column: fit, evaluate and predict treat [a, b] as [[a], [b]]', async () => {
    const a = linear(3);
    const b = linear(3);
    const xs = [0, 1, 2, 3, 4, 5];
    const ys = xs.map((v) => 2 * v + 1);
    await a.fit(xs, ys, { epochs: 3, batchSize: 2, verbose: 0 });
    await b.fit(xs.map((v) => [v]), ys.map((v) => [v]), { epochs: 3, batchSize: 2, verbose: 0 });
    expect(a.getWeights().flatMap((t) => bits(t))).toEqual(b.getWeights().flatMap((t) => bits(t)));
    const p = a.predict([1, 2, 3]);
    expect(p.shape).toEqual([3, 1]);
    expect(bits(p)).toEqual(bits(b.predict([[1], [2], [3]])));
    expect(a.evaluate(xs, ys)).toEqual(b.evaluate(xs.map((v) => [v]), ys.map((v) => [v])));
  });

  it('a number[] for a model with 2 inputs is a width error naming both widths', () => {
    const m = track(new Sequential([new Dense(1, { inputDim: 2 })], { seed: 1 }));
    expect(() => m.predict([1, 2, 3, 4])).toThrow(ShapeError);
    expect(() => m.predict([1, 2, 3, 4])).toThrow(/x has 1 features per sample, but the model expects 2/);
  });

  it('typed arrays with a shape give the same results as nested arrays', async () => {
    const a = track(new Sequential([new Dense(3, { inputDim: 2, activation: 'softmax' })], { seed: 4 }));
    const b = track(new Sequential([new Dense(3, { inputDim: 2, activation: 'softmax' })], { seed: 4 }));
    a.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    b.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = [[0, 1], [1, 0], [1, 1], [0.5, 0.2], [0.3, 0.9]];
    const y = [0, 1, 2, 1, 0];
    await a.fit(x, y, { epochs: 4, batchSize: 2, verbose: 0 });
    await b.fit(tensor(new Float64Array(x.flat()), [5, 2]), new Int32Array(y), { epochs: 4, batchSize: 2, verbose: 0 });
    expect(a.getWeights().flatMap((t) => bits(t))).toEqual(b.getWeights().flatMap((t) => bits(t)));
    expect(bits(b.predict(tensor(new Float32Array(x.flat()), [5, 2])))).toEqual(bits(a.predict(x)));
    expect(b.evaluate(tensor(new Float32Array(x.flat()), [5, 2]), new Uint8Array(y))).toEqual(a.evaluate(x, y));
  });

  it('y as a [n, 1] column equals y as a flat array for a one-output model', async () => {
    const a = linear(6);
    const b = linear(6);
    const x = [[1], [2], [3]];
    await a.fit(x, [3, 5, 7], { epochs: 2, verbose: 0 });
    await b.fit(x, tensor([3, 5, 7], [3, 1]), { epochs: 2, verbose: 0 });
    expect(a.getWeights().flatMap((t) => bits(t))).toEqual(b.getWeights().flatMap((t) => bits(t)));
  });

  it('changing the input array after a call does not change the model', async () => {
    const m = linear(2);
    const x = new Float32Array([1, 2, 3]);
    const p1 = bits(m.predict(x));
    x[0] = 1000;
    expect(bits(m.predict(new Float32Array([1, 2, 3])))).toEqual(p1);
  });
});
