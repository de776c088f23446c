// Sequential's behaviour against Keras 3: names, name spellings, summary(), evaluate/predict, History, the
// validation split, the callback protocol, EarlyStopping and TerminateOnNaN, progress output, yielding to the
// event loop, and memory (steady under repeated calls, released by dispose).
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Activation, Adam, BatchNormalization, Dense, Dropout, EarlyStopping, SGD, Sequential, SparseCategoricalCrossentropy, StateError, TerminateOnNaN,
  losses, modelFromJSON, tensor,
  type Callback, type Logs, type Tensor,
} from '../src/index.js';
import { toArtifacts } from '../src/saving.js';
import { Plan } from '../src/plan.js';
import { disposeAfterEach } from './helpers.js';
import { arena } from '../src/arena.js';
import type { LossSpelling } from '../src/losses.js';
import type { InitializerLike } from '../src/initializers.js';
import type { ActivationSpelling } from '../src/activations.js';
import type { OptimizerSpelling } from '../src/optimizers.js';

const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_Y = [0, 1, 1, 0];

// Every model is disposed after its test, so no finalizer frees memory in the middle of a later test.
const track = disposeAfterEach();
afterEach(() => {
  vi.restoreAllMocks();
});

function xorModel(seed = 1, units = 4): Sequential {
  const m = track(new Sequential([
    new Dense(units, { inputDim: 2, activation: 'relu' }),
    new Dense(1, { activation: 'sigmoid' }),
  ], { seed }));
  m.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

function bits(ts: readonly Tensor[]): number[] {
  return ts.flatMap((t) => Array.from(new Int32Array(t.data.buffer, t.data.byteOffset, t.data.length)));
}

/** n rows of f features, deterministic. */
function rows(n: number, f: number, offset = 0): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: f }, (_, j) => Math.sin((i + offset) * 1.7 + j * 0.9)));
}

/** Suffix of a Keras auto name: 'dense' → 0, 'dense_7' → 7. */
function suffix(name: string, prefix: string): number {
  expect(name).toMatch(new RegExp(`^${prefix}(_\\d+)?$`));
  return name === prefix ? 0 : Number(name.slice(prefix.length + 1));
}

/** Sets `logs[key]` to a scripted value each epoch; listed before EarlyStopping, which then sees it. */
function script(key: string, values: number[]): Callback {
  return { onEpochEnd: (epoch: number, logs: Logs) => { logs[key] = values[epoch]!; } };
}

/** Captures what fit writes to stdout, with colours removed, as lines (split on \r and \n). */
function captureStdout(): { lines: () => string[] } {
  let text = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write);
  // eslint-disable-next-line no-control-regex
  return { lines: () => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').split(/\r|\n/).filter((l) => l.length > 0) };
}

describe('names', () => {
  it('auto-names layers dense, dense_1, … with one counter per class, unique across models', () => {
    const a = track(new Sequential([new Dense(2, { inputDim: 2 }), new Dense(1)]));
    const b = track(new Sequential([new Dense(2, { inputDim: 2 }), new Dropout(0.5), new Dense(1), new Activation('sigmoid')]));
    const dense = [...a.layers, b.layers[0]!, b.layers[2]!].map((l) => suffix(l.name, 'dense'));
    expect(dense.slice(1).map((n, i) => n - dense[i]!)).toEqual([1, 1, 1]);
    suffix(b.layers[1]!.name, 'dropout');
    suffix(b.layers[3]!.name, 'activation');
    expect(new Set([...a.layers, ...b.layers].map((l) => l.name)).size).toBe(6);
  });

  it('auto-names models sequential, sequential_1, …; explicit names are kept and take no number', () => {
    const a = track(new Sequential());
    const named = track(new Sequential([], { name: 'mine' }));
    const b = track(new Sequential());
    expect(named.name).toBe('mine');
    expect(suffix(b.name, 'sequential') - suffix(a.name, 'sequential')).toBe(1);
    const d1 = new Dense(1, { name: 'out' });
    const d2 = new Dense(1);
    expect(d1.name).toBe('out');
    expect(d2.name).toMatch(/^dense(_\d+)?$/);
  });

  it('the first auto-named Dense of a process is "dense", as in Keras', async () => {
    // A fresh module graph gives a fresh counter, like a fresh Python process.
    vi.resetModules();
    const fresh = await import('../src/index.js');
    const first = new fresh.Dense(1);
    const second = new fresh.Dense(1);
    expect([first.name, second.name]).toEqual(['dense', 'dense_1']);
    const m = new fresh.Sequential();
    expect(m.name).toBe('sequential');
    m.dispose();
  });
});

describe("Keras's snake_case spellings", () => {
  async function trainedWeights(loss: LossSpelling, seed = 5): Promise<number[]> {
    const m = track(new Sequential([new Dense(3, { inputDim: 2, activation: 'tanh' }), new Dense(1, { activation: 'sigmoid' })], { seed }));
    m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss });
    await m.fit(XOR_X, XOR_Y, { epochs: 5, batchSize: 2, verbose: 0 });
    return bits(m.getWeights());
  }

  it("'binary_crossentropy' trains exactly as 'binaryCrossentropy'", async () => {
    expect(await trainedWeights('binary_crossentropy')).toEqual(await trainedWeights('binaryCrossentropy'));
  });

  it("'mse' and 'mean_squared_error' train exactly as 'meanSquaredError', and differ from 'mae'", async () => {
    const camel = await trainedWeights('meanSquaredError');
    expect(await trainedWeights('mse')).toEqual(camel);
    expect(await trainedWeights('mean_squared_error')).toEqual(camel);
    expect(await trainedWeights('mae')).not.toEqual(camel);
  });

  it("'glorot_uniform' and 'he_normal' initialise exactly as their camelCase names", () => {
    const init = (name: InitializerLike) => bits(track(new Sequential([new Dense(5, { inputDim: 3, kernelInitializer: name })], { seed: 9 })).getWeights());
    expect(init('glorot_uniform')).toEqual(init('glorotUniform'));
    expect(init('he_normal')).toEqual(init('heNormal'));
    expect(init('he_normal')).not.toEqual(init('glorotUniform'));
  });

  it("'leaky_relu' computes exactly as 'leakyRelu' (and is not relu)", () => {
    const out = (activation: ActivationSpelling) => {
      const m = track(new Sequential([new Dense(4, { inputDim: 2, activation })], { seed: 3 }));
      return bits([m.predict([[1, -2], [-3, 0.5], [2, 2]])]);
    };
    expect(out('leaky_relu')).toEqual(out('leakyRelu'));
    expect(out('leaky_relu')).not.toEqual(out('relu'));
  });

  it("optimizer names 'Adam' and 'adam' give the same training", async () => {
    const run = async (optimizer: OptimizerSpelling) => {
      const m = track(new Sequential([new Dense(2, { inputDim: 2 }), new Dense(1)], { seed: 4 }));
      m.compile({ optimizer, loss: 'mse' });
      await m.fit(XOR_X, XOR_Y, { epochs: 3, verbose: 0 });
      return bits(m.getWeights());
    };
    expect(await run('Adam')).toEqual(await run('adam'));
  });
});

describe('summary()', () => {
  // Keras 3's summary of the XOR model, from REFERENCE.md.
  const KERAS = [
    'Model: "sequential"',
    '┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓',
    '┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃',
    '┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩',
    '│ dense (Dense)                   │ (None, 4)              │            12 │',
    '├─────────────────────────────────┼────────────────────────┼───────────────┤',
    '│ dense_1 (Dense)                 │ (None, 1)              │             5 │',
    '└─────────────────────────────────┴────────────────────────┴───────────────┘',
    ' Total params: 17 (68.00 B)',
    ' Trainable params: 17 (68.00 B)',
    ' Non-trainable params: 0 (0.00 B)',
  ].join('\n');

  it("matches Keras's table byte for byte and prints each line through printFn", () => {
    const m = track(new Sequential([
      new Dense(4, { inputDim: 2, activation: 'relu', name: 'dense' }),
      new Dense(1, { activation: 'sigmoid', name: 'dense_1' }),
    ], { name: 'sequential' }));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const printed: string[] = [];
    const text = m.summary({ printFn: (line) => printed.push(line) });
    expect(text).toBe(KERAS);
    expect(printed.join('\n')).toBe(KERAS);
    expect(printed).toHaveLength(11);
    expect(log).not.toHaveBeenCalled();
  });

  it('shows the auto names the model got, in the same columns', () => {
    const m = track(new Sequential([new Dense(4, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })]));
    const [a, b] = m.layers.map((l) => l.name) as [string, string];
    const expected = KERAS
      .replace('Model: "sequential"', `Model: "${m.name}"`)
      .replace('dense (Dense)'.padEnd(31), `${a} (Dense)`.padEnd(31))
      .replace('dense_1 (Dense)'.padEnd(31), `${b} (Dense)`.padEnd(31));
    expect(m.summary({ printFn: () => {} })).toBe(expected);
  });

  it('prints through console.log by default', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const m = xorModel();
    m.summary();
    expect(log.mock.calls.map((c) => c[0]).join('\n')).toBe(m.summary({ printFn: () => {} }));
  });
});

describe('model queries', () => {
  it('countParams, getLayer by name and index, metricsNames', () => {
    const m = track(new Sequential([new Dense(4, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })]));
    expect(m.countParams()).toBe(17);
    const [l0, l1] = m.layers as [Dense, Dense];
    expect(m.getLayer(l0.name)).toBe(l0);
    expect(m.getLayer(l1.name)).toBe(l1);
    expect(m.getLayer(0)).toBe(l0);
    expect(m.getLayer(1)).toBe(l1);
    expect(m.metricsNames).toEqual(['loss']);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy', 'mse'] });
    expect(m.metricsNames).toEqual(['loss', 'accuracy', 'mse']);
  });

  it('getWeights returns copies: changing them leaves the model alone', () => {
    const m = xorModel();
    const w = m.getWeights();
    const before = bits(w);
    w[0]!.data.fill(7);
    expect(bits(m.getWeights())).toEqual(before);
  });

  it('setWeights then getWeights round-trips exactly', () => {
    const m = xorModel();
    const w = [[[0.1, -0.2, 0.3, -0.4], [0.5, -0.6, 0.7, -0.8]], [0.01, 0.02, 0.03, 0.04], [[1], [-1], [0.5], [-0.5]], [0.25]];
    m.setWeights(w);
    expect(m.getWeights().map((t) => t.toArray())).toEqual(w.map((a) => JSON.parse(JSON.stringify(a, (_k, v) => (typeof v === 'number' ? Math.fround(v) : v)))));
  });

  it('evaluate returns [loss, ...metrics] and, with returnDict, the same values by name', async () => {
    const m = xorModel(2);
    await m.fit(XOR_X, XOR_Y, { epochs: 5, verbose: 0 });
    const list = m.evaluate(XOR_X, XOR_Y);
    expect(list).toHaveLength(2);
    const dict = m.evaluate(XOR_X, XOR_Y, { returnDict: true });
    expect(Object.keys(dict)).toEqual(['loss', 'accuracy']);
    expect(dict.loss).toBe(list[0]);
    expect(dict.accuracy).toBe(list[1]);
    expect([0, 0.25, 0.5, 0.75, 1]).toContain(dict.accuracy);
  });

  it('evaluate gives the same numbers for any batchSize', async () => {
    const m = xorModel(3);
    await m.fit(XOR_X, XOR_Y, { epochs: 3, verbose: 0 });
    const x = rows(37, 2);
    const y = x.map((r) => (r[0]! > 0 ? 1 : 0));
    const whole = m.evaluate(x, y, { batchSize: 37 });
    for (const b of [1, 5, 32]) {
      const part = m.evaluate(x, y, { batchSize: b });
      expect(part[0]).toBeCloseTo(whole[0]!, 6);
      expect(part[1]).toBe(whole[1]);
    }
  });

  it('predict returns [samples, outputs] and toArray gives nested rows equal to the data', () => {
    const m = track(new Sequential([new Dense(3, { inputDim: 2, activation: 'softmax' })], { seed: 1 }));
    const p = m.predict(rows(5, 2));
    expect(p.shape).toEqual([5, 3]);
    const nested = p.toArray() as number[][];
    expect(nested).toHaveLength(5);
    nested.forEach((row, i) => {
      expect(row).toEqual(Array.from(p.data.subarray(i * 3, i * 3 + 3)));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    });
    expect(p.get(4, 2)).toBe(nested[4]![2]);
  });

  it('predict gives the same bits for any batchSize', () => {
    const m = xorModel(4);
    const x = rows(70, 2);
    const whole = bits([m.predict(x, { batchSize: 70 })]);
    expect(bits([m.predict(x)])).toEqual(whole);
    expect(bits([m.predict(x, { batchSize: 1 })])).toEqual(whole);
    expect(bits([m.predict(x, { batchSize: 9 })])).toEqual(whole);
  });
});

describe('fit and History', () => {
  it("logs Keras 3's keys (loss, accuracy, val_loss, val_accuracy) once per epoch, with history.epoch", async () => {
    const m = xorModel();
    const h = await m.fit(XOR_X, XOR_Y, { epochs: 3, verbose: 0, validationData: [XOR_X, XOR_Y] });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    for (const values of Object.values(h.history)) expect(values).toHaveLength(3);
    expect(h.epoch).toEqual([0, 1, 2]);
    // The last epoch's validation values are evaluate() on the validation data with the final weights.
    const [loss, acc] = m.evaluate(XOR_X, XOR_Y);
    expect(h.history.val_loss![2]).toBeCloseTo(loss!, 6);
    expect(h.history.val_accuracy![2]).toBe(acc);
  });

  it('without validation there are no val_ keys', async () => {
    const h = await xorModel().fit(XOR_X, XOR_Y, { epochs: 2, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss']);
  });

  it('takes optimizer steps = epochs × ceil(rows / batchSize)', async () => {
    const m = xorModel();
    const x = rows(10, 2);
    await m.fit(x, x.map((r) => +(r[0]! > 0)), { epochs: 3, batchSize: 4, verbose: 0 });
    expect(m.optimizer!.iterations).toBe(9);
  });

  it('validationSplit validates on the LAST fraction of the data, taken before shuffling', async () => {
    // 40 rows with target 0, then 10 rows with target 100: the last 20% are unmistakable.
    const x = Array.from({ length: 50 }, (_, i) => [(i % 5) / 5]);
    const y = x.map((_, i) => (i < 40 ? 0 : 100));
    const m = track(new Sequential([new Dense(1, { inputDim: 1 })], { seed: 8 }));
    // A learning rate so small that the weights do not move: the logged values are evaluate()'s.
    m.compile({ optimizer: new SGD({ learningRate: 1e-12 }), loss: 'mse' });
    const h = await m.fit(x, y, { epochs: 1, batchSize: 10, validationSplit: 0.2, shuffle: true, verbose: 0 });
    const [lastLoss] = m.evaluate(x.slice(40), y.slice(40));
    const [firstLoss] = m.evaluate(x.slice(0, 40), y.slice(0, 40));
    expect(lastLoss).toBeGreaterThan(1000);
    expect(Math.abs(h.history.val_loss![0]! - lastLoss!) / lastLoss!).toBeLessThan(1e-6);
    expect(Math.abs(h.history.loss![0]! - firstLoss!) / firstLoss!).toBeLessThan(1e-5);
    expect(m.optimizer!.iterations, 'trained on 40 rows in batches of 10').toBe(4);
  });

  it('initialEpoch resumes the count: epochs initialEpoch…epochs-1 run', async () => {
    const m = xorModel();
    const begun: number[] = [];
    const h = await m.fit(XOR_X, XOR_Y, { epochs: 5, initialEpoch: 3, batchSize: 2, verbose: 0, callbacks: [{ onEpochBegin: (e) => { begun.push(e); } }] });
    expect(begun).toEqual([3, 4]);
    expect(h.epoch).toEqual([3, 4]);
    expect(h.history.loss).toHaveLength(2);
    expect(m.optimizer!.iterations).toBe(4);
  });

  it('a model without inputDim builds on its first fit, from the data', async () => {
    const m = track(new Sequential([new Dense(4, { activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 2 }));
    expect(m.getWeights()).toEqual([]);
    expect(m.countParams()).toBe(0);
    expect(() => m.predict([[1, 2, 3]])).toThrow(StateError);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const x = rows(8, 3);
    const h = await m.fit(x, x.map((r) => +(r[1]! > 0)), { epochs: 2, verbose: 0 });
    expect(m.countParams()).toBe(3 * 4 + 4 + 4 + 1);
    expect(m.getWeights().map((t) => t.shape)).toEqual([[3, 4], [4], [4, 1], [1]]);
    expect(m.predict(x).shape).toEqual([8, 1]);
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss']);
    expect(h.history.accuracy!.every((a) => a >= 0 && a <= 1)).toBe(true);
  });

  it('add() after build keeps the existing weights and initialises the new layer', async () => {
    const m = track(new Sequential([new Dense(4, { inputDim: 2, activation: 'relu' })], { seed: 6 }));
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await m.fit(XOR_X, XOR_X.map((r) => [r[0]!, r[1]!, 1, 0]), { epochs: 3, verbose: 0 });
    const trained = bits(m.getWeights());
    m.add(new Dense(1, { activation: 'sigmoid' }));
    const w = m.getWeights();
    expect(bits(w.slice(0, 2))).toEqual(trained);
    expect(w[2]!.shape).toEqual([4, 1]);
    const limit = Math.sqrt(6 / (4 + 1)); // glorot_uniform
    const kernel = Array.from(w[2]!.data);
    expect(kernel.every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(new Set(kernel).size).toBe(4);
    expect(Array.from(w[3]!.data)).toEqual([0]);
    expect(m.countParams()).toBe(17);
    // Still compiled, with gradients and optimizer state for the new size.
    await m.fit(XOR_X, XOR_Y, { epochs: 2, verbose: 0 });
    expect(m.predict(XOR_X).shape).toEqual([4, 1]);
    expect(bits(m.getWeights().slice(2))).not.toEqual(bits(w.slice(2)));
  });

  it('recompiling resets the optimizer: iterations 0 and fresh slots, as a newly compiled model', async () => {
    const m = xorModel(12);
    const adam = m.optimizer!;
    await m.fit(XOR_X, XOR_Y, { epochs: 4, batchSize: 2, verbose: 0 });
    expect(adam.iterations).toBe(8);
    m.compile({ optimizer: adam, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    expect(m.optimizer).toBe(adam);
    expect(adam.iterations).toBe(0);

    // A second model with the same weights and a fresh Adam must train to the same bits.
    const fresh = xorModel(99);
    fresh.setWeights(m.getWeights());
    fresh.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy' });
    await m.fit(XOR_X, XOR_Y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    await fresh.fit(XOR_X, XOR_Y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    expect(bits(m.getWeights())).toEqual(bits(fresh.getWeights()));

    m.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(m.optimizer!.iterations).toBe(0);
    expect(m.metricsNames).toEqual(['loss']);
  });

  it('the same seed gives the same bits; another seed does not', async () => {
    const run = async (seed: number) => {
      const m = xorModel(seed);
      await m.fit(XOR_X, XOR_Y, { epochs: 4, batchSize: 2, verbose: 0 });
      return bits(m.getWeights());
    };
    expect(await run(21)).toEqual(await run(21));
    expect(await run(21)).not.toEqual(await run(22));
  });
});

describe('callbacks', () => {
  it('calls the hooks in order with epoch and batch indices, awaiting async hooks', async () => {
    const events: string[] = [];
    const hooks: Callback = {
      setModel: () => { events.push('setModel'); },
      onTrainBegin: () => { events.push('trainBegin'); },
      onEpochBegin: (e) => { events.push(`epochBegin ${e}`); },
      onBatchBegin: async (b) => {
        events.push(`batchBegin ${b}`);
        await new Promise((r) => setTimeout(r, 1));
        events.push(`batchBegin ${b} done`);
      },
      onBatchEnd: (b, logs) => { events.push(`batchEnd ${b} ${Object.keys(logs).sort().join(',')}`); },
      onEpochEnd: (e, logs) => { events.push(`epochEnd ${e} ${Object.keys(logs).sort().join(',')}`); },
      onTrainEnd: () => { events.push('trainEnd'); },
    };
    const x = rows(10, 2);
    await xorModel().fit(x, x.map((r) => +(r[0]! > 0)), { epochs: 2, batchSize: 4, verbose: 0, validationData: [XOR_X, XOR_Y], callbacks: [hooks] });
    const epoch = (e: number) => [
      `epochBegin ${e}`,
      ...[0, 1, 2].flatMap((b) => [`batchBegin ${b}`, `batchBegin ${b} done`, `batchEnd ${b} accuracy,loss`]),
      `epochEnd ${e} accuracy,loss,val_accuracy,val_loss`,
    ];
    expect(events).toEqual(['setModel', 'trainBegin', ...epoch(0), ...epoch(1), 'trainEnd']);
  });

  it('batch logs hold the running mean of the epoch; the epoch log is the last one', async () => {
    const seen: Array<{ batch: number; loss: number }> = [];
    let epochLoss = NaN;
    const x = rows(12, 2);
    await xorModel().fit(x, x.map((r) => +(r[0]! > 0)), {
      epochs: 1, batchSize: 4, verbose: 0,
      callbacks: [{ onBatchEnd: (batch, logs) => { seen.push({ batch, loss: logs.loss! }); }, onEpochEnd: (_e, logs) => { epochLoss = logs.loss!; } }],
    });
    expect(seen.map((s) => s.batch)).toEqual([0, 1, 2]);
    expect(seen[2]!.loss).toBe(epochLoss);
  });

  it('model.stopTraining = true in onBatchEnd ends fit after that batch; the epoch still ends', async () => {
    const m = xorModel();
    const ends: string[] = [];
    const x = rows(16, 2);
    const h = await m.fit(x, x.map((r) => +(r[0]! > 0)), {
      epochs: 3, batchSize: 4, verbose: 0,
      callbacks: [{
        onBatchEnd: (b) => { if (b === 1) m.stopTraining = true; },
        onEpochEnd: (e) => { ends.push(`epoch ${e}`); },
        onTrainEnd: () => { ends.push('train'); },
      }],
    });
    expect(m.optimizer!.iterations).toBe(2);
    expect(h.epoch).toEqual([0]);
    expect(ends).toEqual(['epoch 0', 'train']);
    // The flag is reset by the next fit.
    await m.fit(x, x.map((r) => +(r[0]! > 0)), { epochs: 2, batchSize: 4, verbose: 0 });
    expect(m.optimizer!.iterations).toBe(2 + 8);
  });

  it('model.stopTraining = true in onEpochEnd ends fit after that epoch', async () => {
    const m = xorModel();
    const h = await m.fit(XOR_X, XOR_Y, { epochs: 10, verbose: 0, callbacks: [{ onEpochEnd: (e) => { if (e === 1) m.stopTraining = true; } }] });
    expect(h.epoch).toEqual([0, 1]);
  });

  it('setModel hands the callback the model, which can stop it', async () => {
    const m = xorModel();
    let got: unknown;
    const h = await m.fit(XOR_X, XOR_Y, {
      epochs: 5, verbose: 0,
      callbacks: [{ setModel(model) { got = model; }, onEpochEnd() { (got as Sequential).stopTraining = true; } }],
    });
    expect(got).toBe(m);
    expect(h.epoch).toEqual([0]);
  });

  it('predict from a callback while fit runs gives the current outputs and leaves training bit-identical', async () => {
    const x = Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
    const y = x.map((r) => +(r[0]! * r[1]! > 0));
    const m = xorModel();
    const twin = xorModel();
    const seen: Float32Array[] = [];
    // batchSize 4 < 12 rows: predict must work through fit's 4-row buffers in chunks.
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [{ onBatchEnd: () => { seen.push(m.predict(x, { batchSize: 32 }).data); } }] });
    await twin.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(seen).toHaveLength(6);
    expect(bits(m.getWeights())).toEqual(bits(twin.getWeights()));
    // The last prediction during training is the trained model's prediction.
    expect(Array.from(seen.at(-1)!)).toEqual(Array.from(m.predict(x).data));
  });

  it('fit after a predict on fewer rows trains exactly as without it (buffers resized for the batch)', async () => {
    const x = Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
    const y = x.map((r) => +(r[0]! * r[1]! > 0));
    const m = xorModel();
    const twin = xorModel();
    m.predict([x[0]!]); // leaves 1-row buffers behind
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    await twin.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    expect(bits(m.getWeights())).toEqual(bits(twin.getWeights()));
  });

  it('computeGradients from a callback while fit runs is refused', async () => {
    const m = xorModel();
    let error: unknown;
    await m.fit(XOR_X, XOR_Y, { epochs: 1, verbose: 0, callbacks: [{ onBatchEnd: () => { try { m.computeGradients(XOR_X, XOR_Y); } catch (e) { error = e; } } }] });
    expect(error).toBeInstanceOf(StateError);
  });

  it('evaluate from a callback while fit runs either is refused or leaves training bit-identical', async () => {
    // evaluate() resizes the per-batch buffers that fit is using; it must not corrupt the training run.
    const x = rows(64, 2);
    const y = x.map((r) => +(r[0]! * r[1]! > 0));
    const plain = xorModel(31, 8);
    await plain.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0 });
    const probed = xorModel(31, 8);
    let error: unknown;
    await probed.fit(x, y, {
      epochs: 3, batchSize: 16, verbose: 0,
      callbacks: [{ onBatchEnd: () => { try { probed.evaluate(XOR_X, XOR_Y); } catch (e) { error = e; } } }],
    });
    if (error !== undefined) expect(error).toBeInstanceOf(StateError);
    else expect(bits(probed.getWeights())).toEqual(bits(plain.getWeights()));
  });
});

describe('EarlyStopping', () => {
  async function runWith(values: number[], options: ConstructorParameters<typeof EarlyStopping>[0], key = 'val_loss') {
    const m = xorModel(17);
    const es = new EarlyStopping({ monitor: key, ...options });
    const h = await m.fit(XOR_X, XOR_Y, { epochs: values.length, verbose: 0, validationData: [XOR_X, XOR_Y], callbacks: [script(key, values), es] });
    return { m, es, h };
  }

  it('stops once the value has not improved for `patience` epochs', async () => {
    const { h, es } = await runWith([1, 2, 3, 4, 5, 6], { patience: 2 });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(es.stoppedEpoch).toBe(2);
    expect(es.bestEpoch).toBe(0);
  });

  it('patience counts epochs since the last improvement', async () => {
    const { h } = await runWith([5, 4, 4.5, 3, 3.5, 3.6, 3.7, 1], { patience: 2 });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('does not stop while the value keeps improving', async () => {
    const { h, es } = await runWith([5, 4, 3, 2, 1], { patience: 0 });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(es.stoppedEpoch).toBe(0);
  });

  it('minDelta: smaller improvements do not count', async () => {
    const values = [1.0, 0.95, 0.91, 0.9, 0.5];
    expect((await runWith(values, { patience: 1, minDelta: 0.1 })).h.epoch).toEqual([0, 1]);
    expect((await runWith(values, { patience: 1 })).h.epoch).toEqual([0, 1, 2, 3, 4]);
  });

  it("mode 'auto' maximises accuracy and minimises loss", async () => {
    const rising = [0.5, 0.6, 0.7, 0.8];
    expect((await runWith(rising, { patience: 0 }, 'val_accuracy')).h.epoch).toEqual([0, 1, 2, 3]);
    expect((await runWith(rising, { patience: 0, mode: 'min' }, 'val_accuracy')).h.epoch).toEqual([0, 1]);
    expect((await runWith(rising, { patience: 0 }, 'val_loss')).h.epoch).toEqual([0, 1]);
    expect((await runWith([0.8, 0.7, 0.6], { patience: 0 }, 'accuracy')).h.epoch).toEqual([0, 1]);
  });

  it('restoreBestWeights puts back the weights of the best epoch when it stops', async () => {
    const m = xorModel(17);
    const atEpochEnd: number[][] = [];
    const es = new EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const h = await m.fit(XOR_X, XOR_Y, {
      epochs: 8, verbose: 0, validationData: [XOR_X, XOR_Y],
      callbacks: [script('val_loss', [3, 1, 2, 2.5, 2.7, 2.8, 2.9, 3]), { onEpochEnd: () => { atEpochEnd.push(bits(m.getWeights())); } }, es],
    });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(es.bestEpoch).toBe(1);
    expect(atEpochEnd[3]).not.toEqual(atEpochEnd[1]);
    expect(bits(m.getWeights())).toEqual(atEpochEnd[1]);
  });

  it('restoreBestWeights also restores when training runs to the end (Keras 3)', async () => {
    const m = xorModel(17);
    const atEpochEnd: number[][] = [];
    await m.fit(XOR_X, XOR_Y, {
      epochs: 4, verbose: 0, validationData: [XOR_X, XOR_Y],
      callbacks: [script('val_loss', [3, 1, 2, 2.5]), { onEpochEnd: () => { atEpochEnd.push(bits(m.getWeights())); } }, new EarlyStopping({ patience: 10, restoreBestWeights: true })],
    });
    expect(bits(m.getWeights())).toEqual(atEpochEnd[1]);
  });

  it('without restoreBestWeights the last weights stay', async () => {
    const m = xorModel(17);
    const atEpochEnd: number[][] = [];
    await m.fit(XOR_X, XOR_Y, {
      epochs: 4, verbose: 0, validationData: [XOR_X, XOR_Y],
      callbacks: [script('val_loss', [3, 1, 2, 2.5]), { onEpochEnd: () => { atEpochEnd.push(bits(m.getWeights())); } }, new EarlyStopping({ patience: 10 })],
    });
    expect(bits(m.getWeights())).toEqual(atEpochEnd[3]);
  });

  it('baseline: an improving epoch never stops training, as in Keras 3', async () => {
    // Keras returns right after an improvement; only the wait counter ignores improvements short of the baseline.
    const { h } = await runWith([1.0, 0.9, 0.8, 0.7], { patience: 1, baseline: 0.5 });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
  });

  it('baseline: stops at the first non-improving epoch once patience is used up', async () => {
    const { h } = await runWith([1.0, 0.9, 0.95, 0.7], { patience: 1, baseline: 0.5 });
    expect(h.epoch).toEqual([0, 1, 2]);
  });

  it('a NaN value is not an improvement and does not become the best (Keras compares with <)', async () => {
    const { h } = await runWith([NaN, 0.5, 0.4, 0.3], { patience: 1 });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
  });

  it('warns once and never stops when the monitored value is not logged', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = xorModel();
    const h = await m.fit(XOR_X, XOR_Y, { epochs: 3, verbose: 0, callbacks: [new EarlyStopping({ monitor: 'val_loss' })] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/val_loss/);
  });

  it('can be reused for a second fit', async () => {
    const es = new EarlyStopping({ monitor: 'val_loss', patience: 1 });
    const m = xorModel(17);
    const first = await m.fit(XOR_X, XOR_Y, { epochs: 4, verbose: 0, validationData: [XOR_X, XOR_Y], callbacks: [script('val_loss', [1, 2, 3, 4]), es] });
    const second = await m.fit(XOR_X, XOR_Y, { epochs: 4, verbose: 0, validationData: [XOR_X, XOR_Y], callbacks: [script('val_loss', [9, 8, 7, 6]), es] });
    expect(first.epoch).toEqual([0, 1]);
    expect(second.epoch).toEqual([0, 1, 2, 3]);
  });
});

describe('TerminateOnNaN', () => {
  // Hidden pre-activations of 3e38·x overflow to +Infinity for x = 2; the output weights (1, −1) then give
  // ∞ − ∞ = NaN. For x = 0.1 both hidden values are equal and finite, the output and its gradient are 0.
  function nanModel(): Sequential {
    const m = track(new Sequential([new Dense(2, { inputDim: 1, activation: 'relu' }), new Dense(1)], { seed: 1 }));
    m.setWeights([[[3e38, 3e38]], [0, 0], [[1], [-1]], [0]]);
    m.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'mse' });
    return m;
  }
  const x = [0.1, 0.1, 0.1, 2, 0.1];
  const y = [0, 0, 0, 0, 0];

  it('stops after the batch whose loss is NaN, and says so', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const losses: number[] = [];
    const m = nanModel();
    const h = await m.fit(x, y, {
      epochs: 5, batchSize: 1, shuffle: false, verbose: 0,
      callbacks: [{ onBatchEnd: (_b, logs) => { losses.push(logs.loss!); } }, new TerminateOnNaN()],
    });
    expect(losses).toEqual([0, 0, 0, NaN]);
    expect(m.optimizer!.iterations).toBe(4);
    expect(h.epoch).toEqual([0]);
    expect(h.history.loss![0]).toBeNaN();
    expect(log).toHaveBeenCalledWith('Batch 3: Invalid loss, terminating training');
  });

  it('without it, the same fit runs every batch', async () => {
    const m = nanModel();
    await m.fit(x, y, { epochs: 5, batchSize: 1, shuffle: false, verbose: 0 });
    expect(m.optimizer!.iterations).toBe(25);
  });

  it('stops a run that diverges under a huge learning rate', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const m = track(new Sequential([new Dense(4, { inputDim: 2, activation: 'relu' }), new Dense(1)], { seed: 1 }));
    m.compile({ optimizer: new SGD({ learningRate: 1e5 }), loss: 'mse' });
    const batchLosses: number[] = [];
    const h = await m.fit([[1, 2], [2, 1], [3, -1], [-2, 4]], [10, -20, 30, 40], {
      epochs: 50, batchSize: 1, shuffle: false, verbose: 0,
      callbacks: [{ onBatchEnd: (_b, logs) => { batchLosses.push(logs.loss!); } }, new TerminateOnNaN()],
    });
    expect(h.epoch.length).toBeLessThan(50);
    expect(Number.isFinite(batchLosses[batchLosses.length - 1]!)).toBe(false);
    expect(batchLosses.slice(0, -1).every(Number.isFinite)).toBe(true);
  });
});

describe('event loop', () => {
  it('fit yields: a timer and an immediate scheduled before a long fit run before it resolves', async () => {
    const m = xorModel();
    const events: string[] = [];
    setTimeout(() => events.push('timeout'), 0);
    setImmediate(() => events.push('immediate'));
    // NOTE: the fit is made long by a hook that holds the thread for 40 ms, not by a size that is long only
    // on a slow machine: whatever the machine, fit has run for longer than its 16 ms between yields.
    const busy = () => { const until = performance.now() + 40; while (performance.now() < until) { /* hold the thread */ } };
    await m.fit(XOR_X, XOR_Y, { epochs: 3, verbose: 0, callbacks: [{ onEpochBegin: busy, onTrainEnd: () => { events.push('trainEnd'); } }] });
    expect(events.indexOf('timeout')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('immediate')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('timeout')).toBeLessThan(events.indexOf('trainEnd'));
    expect(events.indexOf('immediate')).toBeLessThan(events.indexOf('trainEnd'));
  });
});

describe('progress output', () => {
  it('verbose 1: "Epoch i/n", then "1/1 ━…━ <time> <time>/step - accuracy: … - loss: …" in .4f', async () => {
    const out = captureStdout();
    const h = await xorModel().fit(XOR_X, XOR_Y, { epochs: 3, verbose: 1 });
    vi.restoreAllMocks();
    const lines = out.lines();
    expect(lines.filter((l) => l.startsWith('Epoch '))).toEqual(['Epoch 1/3', 'Epoch 2/3', 'Epoch 3/3']);
    const bars = lines.filter((l) => l.startsWith('1/1 '));
    expect(bars.length).toBeGreaterThanOrEqual(3);
    const finals = bars.filter((l) => / - loss: /.test(l)).slice(-3);
    expect(finals).toHaveLength(3);
    finals.forEach((line, i) => {
      expect(line).toMatch(/^1\/1 ━{20} \d+s \d+(s|ms|us)\/step - accuracy: \d\.\d{4} - loss: \d+\.\d{4}$/);
      expect(line).toContain(` - loss: ${h.history.loss![i]!.toFixed(4)}`);
      expect(line).toContain(` - accuracy: ${h.history.accuracy![i]!.toFixed(4)}`);
    });
    const epochLine = lines.indexOf('Epoch 2/3');
    expect(lines.slice(epochLine).some((l) => l.startsWith('1/1 '))).toBe(true);
  });

  it('verbose 2: one line per epoch, "3/3 - <time> - <time>/step - …", val_ entries last', async () => {
    const out = captureStdout();
    const x = rows(10, 2);
    const h = await xorModel().fit(x, x.map((r) => +(r[0]! > 0)), { epochs: 2, batchSize: 4, verbose: 2, validationData: [XOR_X, XOR_Y] });
    vi.restoreAllMocks();
    const lines = out.lines();
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('Epoch 1/2');
    expect(lines[2]).toBe('Epoch 2/2');
    for (const i of [0, 1]) {
      const line = lines[2 * i + 1]!;
      expect(line).toMatch(/^3\/3 - \d+s - \d+(s|ms|us)\/step - accuracy: \d\.\d{4} - loss: \d+\.\d{4} - val_accuracy: \d\.\d{4} - val_loss: \d+\.\d{4}$/);
      expect(line).toContain(` - val_loss: ${h.history.val_loss![i]!.toFixed(4)}`);
    }
  });

  it('prints values at most 1e-3 in .4e, as Keras does', async () => {
    const out = captureStdout();
    const m = track(new Sequential([new Dense(1, { inputDim: 1 })], { seed: 1 }));
    m.setWeights([[[2]], [0]]);
    m.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'mse' });
    await m.fit([1, 2, 3], [2, 4, 6], { epochs: 1, verbose: 2 });
    vi.restoreAllMocks();
    expect(out.lines()[1]).toMatch(/ - loss: 0\.0000e\+00$/);
  });

  it('initialEpoch shows in the epoch counter', async () => {
    const out = captureStdout();
    await xorModel().fit(XOR_X, XOR_Y, { epochs: 4, initialEpoch: 2, verbose: 2 });
    vi.restoreAllMocks();
    expect(out.lines().filter((l) => l.startsWith('Epoch '))).toEqual(['Epoch 3/4', 'Epoch 4/4']);
  });

  it('verbose 0 prints nothing', async () => {
    const out = captureStdout();
    const log = vi.spyOn(console, 'log');
    await xorModel().fit(XOR_X, XOR_Y, { epochs: 2, verbose: 0 });
    const printed = out.lines();
    const logged = log.mock.calls.length;
    vi.restoreAllMocks();
    expect(printed).toEqual([]);
    expect(logged).toBe(0);
  });
});

describe('memory', () => {
  it('repeated predict, fit and evaluate do not grow the arena after warm-up', async () => {
    const m = xorModel(5, 16);
    const big = rows(100, 2);
    const x = rows(10, 2);
    const y = x.map((r) => +(r[0]! > 0));
    const cycle = async () => {
      m.predict(big);
      await m.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0 });
      m.evaluate(x, y, { batchSize: 7 });
    };
    const predictPair = () => {
      m.predict(big);
      m.predict(x, { batchSize: 4 });
    };
    await cycle();
    predictPair();
    const afterPredict = arena.bytesInUse;
    const memory = arena.memoryBytes;
    for (let i = 0; i < 50; i++) {
      predictPair();
      expect(arena.bytesInUse, `after predict ${i}`).toBe(afterPredict);
    }
    await cycle();
    const afterCycle = arena.bytesInUse;
    for (let i = 0; i < 20; i++) {
      await cycle();
      expect(arena.bytesInUse, `after fit/evaluate cycle ${i}`).toBe(afterCycle);
    }
    expect(arena.memoryBytes).toBe(memory);
  });

  it('dispose() releases every byte the model took; a second dispose is harmless', async () => {
    const before = arena.bytesInUse;
    const m = new Sequential([new Dense(32, { inputDim: 8, activation: 'relu' }), new Dense(1)], { seed: 1 });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const x = rows(50, 8);
    await m.fit(x, x.map((r) => r[0]!), { epochs: 2, verbose: 0 });
    m.predict(x);
    const during = arena.bytesInUse;
    expect(during - before).toBeGreaterThanOrEqual((8 * 32 + 32 + 33) * 4 * 4); // weights, grads, Adam m and v
    m.dispose();
    expect(arena.bytesInUse).toBe(before);
    m.dispose();
    expect(arena.bytesInUse).toBe(before);
    expect(() => m.predict(x)).toThrow(StateError);
  });

  it('a failed fit leaves no bytes behind', async () => {
    const m = xorModel();
    await m.fit(XOR_X, XOR_Y, { epochs: 1, verbose: 0 });
    const before = arena.bytesInUse;
    await expect(m.fit(XOR_X, [0, 1, 2, 0], { verbose: 0 })).rejects.toThrow();
    await expect(m.fit(XOR_X, XOR_Y, { verbose: 0, callbacks: [{ onEpochEnd: () => { throw new Error('callback failed'); } }] })).rejects.toThrow('callback failed');
    expect(arena.bytesInUse).toBe(before);
    // and the model is usable again after a callback threw mid-fit
    await expect(m.fit(XOR_X, XOR_Y, { epochs: 1, verbose: 0 })).resolves.toBeDefined();
  });
});

describe('tensors as input', () => {
  it('fit, evaluate and predict accept a Tensor the same as nested arrays', async () => {
    const a = xorModel(40);
    const b = xorModel(40);
    await a.fit(XOR_X, XOR_Y, { epochs: 3, verbose: 0 });
    await b.fit(tensor(new Float32Array(XOR_X.flat()), [4, 2]), tensor(new Float32Array(XOR_Y)), { epochs: 3, verbose: 0 });
    expect(bits(a.getWeights())).toEqual(bits(b.getWeights()));
    expect(bits([b.predict(tensor(XOR_X))])).toEqual(bits([a.predict(XOR_X)]));
  });
});

describe("a loss that leaves rows out (ignoreClass) is averaged as Keras 3 does: each batch's mean, weighted by its size", () => {
  it('evaluate and val_loss give what fit logs for the same batches (a callbacks audit found evaluate used one mean over all rows)', async () => {
    const x = [[1], [2], [3], [4]];
    const y = [0, 2, 1, 1]; // class 2 ignored: row 1 leaves the first batch of 2 with one row
    const m = track(new Sequential([new Dense(3, { inputDim: 1, activation: 'softmax' })], { seed: 1 }));
    m.setWeights([[[0.5, -0.3, 0.2]], [0.1, 0.4, -0.2]]);
    m.compile({ optimizer: new SGD({ learningRate: 1e-30 }), loss: new SparseCategoricalCrossentropy({ ignoreClass: 2 }) });
    const [a, , c, d] = Array.from(losses.sparseCategoricalCrossentropy([0, 0, 1, 1], m.predict(x)).data);
    expect(m.evaluate(x, y, { batchSize: 4 })[0]).toBeCloseTo((a! + c! + d!) / 3, 5);
    expect(m.evaluate(x, y, { batchSize: 2 })[0]).toBeCloseTo((2 * a! + (c! + d!)) / 4, 5); // (2·a/1 + 2·(c + d)/2) / 4
    expect(m.evaluate(x, y, { batchSize: 1 })[0]).toBeCloseTo((a! + 0 + c! + d!) / 4, 5); // an all-ignored batch's mean is 0
    const h = await m.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0, validationData: [x, y] });
    expect(h.history.loss![0]).toBeCloseTo((2 * a! + (c! + d!)) / 4, 5);
    expect(h.history.val_loss![0]).toBeCloseTo(h.history.loss![0]!, 5);
  });
});

describe('construction', () => {
  it('lays the weights out once for all the layers given, with the bits of adding them one by one', () => {
    const build = vi.spyOn(Plan.prototype, 'build');
    const layers = () => [new Dense(8, { inputDim: 3, activation: 'relu' }), new Dense(8, { activation: 'tanh' }), new Dropout(0.1), new Dense(2)];
    const once = track(new Sequential(layers(), { seed: 7 }));
    expect(build).toHaveBeenCalledTimes(1); // was once per layer: the old and new weights held at once, each time
    const oneByOne = track(new Sequential([], { seed: 7 }));
    for (const l of layers()) oneByOne.add(l);
    expect(oneByOne.getWeights().map((w) => Array.from(w.data))).toEqual(once.getWeights().map((w) => Array.from(w.data)));
  });
});

describe("freezing layers: Layer.trainable and Sequential.trainable (Keras's trainable; found missing by a parity audit)", () => {
  const bitsOf = (m: Sequential) => m.getWeights().map((t) => Array.from(new Int32Array(t.data.buffer, t.data.byteOffset, t.size)));

  it('a frozen layer keeps its weights through fit, counts as non-trainable, and the layers above it match TensorFlow.js', async () => {
    const tf = await import('@tensorflow/tfjs');
    const x = [[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.2], [0.3, 0.9]];
    const y = [[0], [1], [1], [0], [1], [0]];
    const m = track(new Sequential([new Dense(5, { inputDim: 2, activation: 'tanh', trainable: false }), new Dense(1, { activation: 'sigmoid' })], { seed: 3 }));
    m.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'binaryCrossentropy' });
    const start = m.getWeights();
    const before = bitsOf(m);
    expect([m.countParams(), m.countTrainableParams()]).toEqual([21, 6]);
    const lines: string[] = [];
    m.summary({ printFn: (line) => lines.push(line) });
    expect(lines.slice(-2)).toEqual([' Trainable params: 6 (24.00 B)', ' Non-trainable params: 15 (60.00 B)']);
    await m.fit(x, y, { epochs: 10, batchSize: 3, shuffle: false, verbose: 0 });
    const after = bitsOf(m);
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2]).not.toEqual(before[2]);

    const t = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [2], activation: 'tanh', trainable: false }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
    // Layer by layer: TF.js's model.getWeights()/setWeights() list the trainable weights first.
    t.layers.forEach((l, i) => l.setWeights(start.slice(2 * i, 2 * i + 2).map((w) => tf.tensor(w.data, [...w.shape]))));
    t.compile({ optimizer: tf.train.sgd(0.5), loss: 'binaryCrossentropy' });
    await t.fit(tf.tensor2d(x), tf.tensor2d(y), { epochs: 10, batchSize: 3, shuffle: false, verbose: 0 });
    const theirs = t.layers.flatMap((l) => l.getWeights().map((w) => w.dataSync()));
    m.getWeights().forEach((w, i) => w.data.forEach((v, j) => expect(v).toBeCloseTo(theirs[i]![j]!, 5)));
    t.dispose();
  });

  it('takes effect at the next fit or compile; model.trainable = false freezes every layer, whatever its own flag', async () => {
    const m = track(new Sequential([new Dense(3, { inputDim: 2, activation: 'relu' }), new Dense(1, { activation: 'sigmoid' })], { seed: 1 }));
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    await m.fit(XOR_X, XOR_Y, { epochs: 2, verbose: 0 });
    m.layers[1]!.trainable = false; // after compile: the next fit applies it
    expect(m.countTrainableParams()).toBe(9);
    const before = bitsOf(m);
    await m.fit(XOR_X, XOR_Y, { epochs: 3, verbose: 0 });
    expect(bitsOf(m)[2]).toEqual(before[2]);
    expect(bitsOf(m)[0]).not.toEqual(before[0]);
    m.trainable = false;
    expect([m.trainable, m.layers[0]!.trainable, m.layers[1]!.trainable, m.countTrainableParams()]).toEqual([false, false, false, 0]);
    m.layers[0]!.trainable = true; // the model's flag still freezes it, as in Keras
    const frozen = bitsOf(m);
    const history = await m.fit(XOR_X, XOR_Y, { epochs: 2, verbose: 0 });
    expect(bitsOf(m)).toEqual(frozen);
    expect(history.history.loss![0]).toBeCloseTo(history.history.loss![1]!, 12);
    m.trainable = true;
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    expect(m.countTrainableParams()).toBe(13);
    await m.fit(XOR_X, XOR_Y, { epochs: 2, verbose: 0 });
    expect(bitsOf(m)[0]).not.toEqual(frozen[0]);
    expect(bitsOf(m)[2]).not.toEqual(frozen[2]);
  });

  it('a frozen BatchNormalization normalises by its moving statistics in training and leaves them, as in Keras 3; the layers below it still train by the right gradient', async () => {
    const x = [[1, 2], [3, -1], [0.5, 0.5], [-2, 1]];
    const y = [[1], [0], [0.5], [2]];
    const m = track(new Sequential([new Dense(3, { inputDim: 2 }), new BatchNormalization({ trainable: false }), new Dense(1)], { seed: 2 }));
    m.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'mse' });
    const w = m.getWeights();
    // Moving statistics far from the batch's, so training-mode and inference-mode outputs differ unless frozen works.
    m.layers[1]!.setWeights([tensor([1.5, 0.5, 2]), tensor([0.1, -0.2, 0.3]), tensor([0.2, -0.1, 0.4]), tensor([2, 0.5, 3])]);
    // Training mode (computeGradients) gives the loss evaluate gives: the inference normalisation.
    const { loss, gradients } = m.computeGradients(x, y);
    expect(loss).toBeCloseTo(m.evaluate(x, y) as unknown as number, 6);
    // The first kernel's gradient flows through the frozen normalisation: finite differences of evaluate's loss.
    const kernel = Float64Array.from(m.getWeights()[0]!.data);
    const lossAt = (k: Float64Array) => {
      m.layers[0]!.setWeights([tensor(Float32Array.from(k), [2, 3]), w[1]!]);
      return (m.evaluate(x, y) as number[])[0]!;
    };
    const h = 1e-2;
    for (const i of [0, 2, 4]) {
      const up = Float64Array.from(kernel); up[i]! += h;
      const down = Float64Array.from(kernel); down[i]! -= h;
      expect(gradients[0]!.data[i]!).toBeCloseTo((lossAt(up) - lossAt(down)) / (2 * h), 2);
    }
    lossAt(kernel);
    const bn = bitsOf(m).slice(2, 6);
    await m.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
    expect(bitsOf(m).slice(2, 6)).toEqual(bn); // gamma, beta and the moving statistics unchanged
    expect(gradients).toHaveLength(4); // the two Dense layers' kernels and biases, none of the BatchNormalization's
  });

  it('is saved and loaded with the model; a TensorFlow.js file that says trainable: false loads frozen', async () => {
    const m = track(new Sequential([new Dense(3, { inputDim: 2, trainable: false }), new Dense(1)], { seed: 1 }));
    const json = m.toJSON() as unknown as { config: { layers: Array<{ config: { trainable: boolean } }> } };
    expect(json.config.layers.map((l) => l.config.trainable)).toEqual([false, true]);
    const loaded = track(await modelFromJSON(json));
    expect(loaded.layers.map((l) => l.trainable)).toEqual([false, true]);
    expect(loaded.countTrainableParams()).toBe(4);
  });

  it('a value that is not true or false is a ValueError; saving the optimizer between a change and the next fit is a StateError', async () => {
    expect(() => new Dense(2, { trainable: 'no' as never })).toThrow(/^Dense\(\): trainable must be true or false, got .no.$/);
    const m = track(new Sequential([new Dense(2, { inputDim: 2 }), new Dense(1)], { seed: 1 }));
    expect(() => { m.layers[0]!.trainable = 0 as never; }).toThrow(/trainable must be true or false, got 0/);
    expect(() => { m.trainable = null as never; }).toThrow(/trainable must be true or false, got null/);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await m.fit(XOR_X, XOR_Y, { epochs: 1, verbose: 0 });
    m.layers[0]!.trainable = false;
    expect(() => toArtifacts(m, { includeOptimizer: true })).toThrow(/a layer was frozen or unfrozen since the optimizer's state was laid out/);
    await m.fit(XOR_X, XOR_Y, { epochs: 1, verbose: 0 });
    expect(toArtifacts(m, { includeOptimizer: true }).weightSpecs!.filter((s) => s.group === 'optimizer').map((s) => s.name)).toEqual(
      expect.arrayContaining(['iter', expect.stringMatching(/^dense_\d+\/kernel\/m$/)]));
  });
});
