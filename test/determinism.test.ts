// Determinism: a model's seed fixes every bit it produces — initial weights, shuffling, dropout masks, hence
// the logged history, the trained weights and the predictions — whatever else runs in the process; a
// different seed gives different numbers. Compared as raw bits (float32 weights, float64 logs), never with a tolerance.
import { describe, expect, it } from 'vitest';
import { Adam, Dense, Dropout, Sequential, oneHot, tensor, trainTestSplit, type Tensor } from '../src/index.js';
import { expectSameBits, mulberry32, uniform } from './helpers.js';

const FEATURES = 6;
const CLASSES = 3;

/** Rows of uniform features labelled by which of three linear scores is largest: learnable, not trivial. */
function data(rows: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = mulberry32(seed);
  const x = uniform(rows * FEATURES, rng);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const f = x.subarray(r * FEATURES, (r + 1) * FEATURES);
    const scores = [f[0]! + f[1]! - f[2]!, f[3]! - f[4]! + 0.5 * f[5]!, -f[0]! + f[4]!];
    labels[r] = scores.indexOf(Math.max(...scores));
  }
  return { x: tensor(x, [rows, FEATURES]), y: oneHot(labels, CLASSES) };
}

const { x, y } = data(203, 1); // 203: the last batch of each epoch is partial

function makeModel(seed: number, dropout = true): Sequential {
  const layers = dropout
    ? [new Dense(16, { inputDim: FEATURES, activation: 'relu' }), new Dropout(0.3), new Dense(12, { activation: 'tanh' }), new Dropout(0.2), new Dense(CLASSES, { activation: 'softmax' })]
    : [new Dense(16, { inputDim: FEATURES, activation: 'relu' }), new Dense(12, { activation: 'tanh' }), new Dense(CLASSES, { activation: 'softmax' })];
  const model = new Sequential(layers, { seed });
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mse'] });
  return model;
}

interface Run {
  initial: Tensor[];
  history: Record<string, number[]>;
  epochs: number[];
  final: Tensor[];
  predictions: Tensor;
}

async function run(seed: number, options: { shuffle?: boolean; initial?: Tensor[] } = {}): Promise<Run> {
  const model = makeModel(seed);
  if (options.initial) model.setWeights(options.initial);
  const initial = model.getWeights();
  const history = await model.fit(x, y, { epochs: 6, batchSize: 16, shuffle: options.shuffle ?? true, validationSplit: 0.2, verbose: 0 });
  const result = { initial, history: history.history, epochs: history.epoch, final: model.getWeights(), predictions: model.predict(x) };
  model.dispose();
  return result;
}

function expectSameWeights(a: Tensor[], b: Tensor[], label: string): void {
  expect(a.map((w) => w.shape)).toEqual(b.map((w) => w.shape));
  a.forEach((w, i) => expectSameBits(w.data, b[i]!.data, `${label} ${i}`));
}

/** The logs as float64 bits, so 0.1 + 0.2 ≠ 0.3 and −0 ≠ +0 would be told apart. */
function historyBits(h: Record<string, number[]>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.from(new Uint32Array(Float64Array.from(v).buffer))]));
}

function differs(a: Float32Array, b: Float32Array): boolean {
  return a.some((v, i) => v !== b[i]);
}

describe('the same seed gives the same bits', () => {
  it('initial weights, history, final weights and predictions, with shuffling and Dropout on', async () => {
    const first = await run(5);
    const other = await run(6); // a different model trained in between must not disturb the next one
    const second = await run(5);

    expectSameWeights(second.initial, first.initial, 'initial weight');
    expect(Object.keys(second.history).sort()).toEqual(['accuracy', 'loss', 'mse', 'val_accuracy', 'val_loss', 'val_mse']);
    expect(historyBits(second.history)).toEqual(historyBits(first.history));
    expect(second.epochs).toEqual([0, 1, 2, 3, 4, 5]);
    expectSameWeights(second.final, first.final, 'final weight');
    expectSameBits(second.predictions.data, first.predictions.data, 'predictions');

    // Not vacuous: training changed the weights and learnt something, and the other seed went elsewhere.
    expect(differs(first.final[0]!.data, first.initial[0]!.data)).toBe(true);
    expect(first.history.accuracy!.at(-1)!).toBeGreaterThan(first.history.accuracy![0]!);
    expect(differs(other.final[0]!.data, first.final[0]!.data)).toBe(true);
    expect(other.history.loss).not.toEqual(first.history.loss);
  });

  it('the seed drives the shuffling and the dropout masks, not only the initial weights', async () => {
    const reference = await run(5);
    // Same starting weights, same seed, no shuffling: only the batch order differs.
    const unshuffled = await run(5, { shuffle: false });
    expectSameWeights(unshuffled.initial, reference.initial, 'initial weight');
    expect(unshuffled.history.loss).not.toEqual(reference.history.loss);
    // Same starting weights, another seed: shuffling and dropout draw other numbers.
    const reseeded = await run(9, { initial: reference.initial });
    expectSameWeights(reseeded.initial, reference.initial, 'initial weight');
    expect(reseeded.history.loss).not.toEqual(reference.history.loss);
    expect(differs(reseeded.final[0]!.data, reference.final[0]!.data)).toBe(true);
  });

  it('two models training at once, interleaved on the event loop, give the bits each gives alone', async () => {
    const big = data(4000, 2);
    const EPOCHS = 3;
    const epochEnds: number[] = [];
    // NOTE: the interleaving is forced, not hoped for (a busy machine could run one fit to the end first): at
    // each epoch's end a model hands the turn to the other and waits for it back, except after its last epoch.
    let turn = 0;
    const handOver = (seed: number, other: number) => ({
      onEpochEnd: async (epoch: number) => {
        epochEnds.push(seed);
        turn = other;
        if (epoch === EPOCHS - 1) return;
        while (turn !== seed) await new Promise((resolve) => setImmediate(resolve));
      },
    });
    const train = async (seed: number, callback: object) => {
      const model = makeModel(seed);
      const h = await model.fit(big.x, big.y, { epochs: EPOCHS, batchSize: 8, verbose: 0, callbacks: [callback] });
      const out = { loss: h.history.loss!, final: model.getWeights() };
      model.dispose();
      return out;
    };
    const alone = await train(21, {});
    turn = 21;
    const [together] = await Promise.all([train(21, handOver(21, 22)), train(22, handOver(22, 21))]);
    expect(epochEnds).toHaveLength(6);
    expect(epochEnds.every((seed, i) => i === 0 || seed !== epochEnds[i - 1]), `epoch order ${epochEnds}`).toBe(true);
    expect(historyBits({ loss: together!.loss })).toEqual(historyBits({ loss: alone.loss }));
    expectSameWeights(together!.final, alone.final, 'final weight');
  });

  it('adding Dropout layers leaves the initial weights unchanged (one random stream per purpose)', () => {
    expectSameWeights(makeModel(5, false).getWeights(), makeModel(5, true).getWeights(), 'initial weight');
  });

  it('predict and evaluate are repeatable and ignore Dropout', () => {
    const model = makeModel(5);
    const a = model.predict(x);
    const b = model.predict(x, { batchSize: 7 });
    expectSameBits(b.data, a.data, 'predictions');
    // Dropout is the identity outside training: the same weights without Dropout layers predict the same.
    const plain = makeModel(5, false);
    plain.setWeights(model.getWeights());
    expectSameBits(plain.predict(x).data, a.data, 'predictions without Dropout');
    expect(model.evaluate(x, y)).toEqual(model.evaluate(x, y));
  });
});

describe('different seeds give different numbers', () => {
  it('every initial weight tensor with a random initialiser differs', () => {
    const a = makeModel(1).getWeights();
    const b = makeModel(2).getWeights();
    // Kernels are glorotUniform (random); biases are zeros (identical by design).
    for (const i of [0, 2, 4]) {
      const [wa, wb] = [a[i]!.data, b[i]!.data];
      const same = wa.filter((v, j) => v === wb[j]).length;
      expect(same, `kernel ${i}: ${same} of ${wa.length} values equal`).toBeLessThanOrEqual(1);
    }
    for (const i of [1, 3, 5]) expect(Array.from(a[i]!.data)).toEqual(new Array(a[i]!.size).fill(0));
  });

  it('adjacent seeds are not correlated in their draws', () => {
    // A weak generator seeded with s and s + 1 can give shifted or nearly equal streams.
    const a = makeModel(1000).getWeights()[0]!.data;
    const b = makeModel(1001).getWeights()[0]!.data;
    let dot = 0, na = 0, nb = 0;
    for (let i = 0; i < a.length; i++) { dot += a[i]! * b[i]!; na += a[i]! ** 2; nb += b[i]! ** 2; }
    expect(Math.abs(dot / Math.sqrt(na * nb))).toBeLessThan(0.4); // 96 values: |r| of independent draws ~0.1
    expect(Array.from(a.slice(1))).not.toEqual(Array.from(b.slice(0, -1)));
  });
});

describe('trainTestSplit with a seed', () => {
  it('is repeatable, and another seed gives another split', () => {
    const [xa, xta, ya, yta] = trainTestSplit(x, y, { testSize: 0.25, seed: 3 });
    const [xb, xtb, yb, ytb] = trainTestSplit(x, y, { testSize: 0.25, seed: 3 });
    for (const [p, q] of [[xa, xb], [xta, xtb], [ya, yb], [yta, ytb]] as const) expectSameBits(p.data, q.data);
    expect(xta.shape).toEqual([51, FEATURES]); // ⌈203 · 0.25⌉, as scikit-learn rounds
    expect(xa.shape).toEqual([152, FEATURES]);
    const [, xtc] = trainTestSplit(x, y, { testSize: 0.25, seed: 4 });
    expect(differs(xtc.data, xta.data)).toBe(true);
  });
});
