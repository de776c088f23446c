// The model's plan: shapes through the layers, and the memory it takes, counted here from the shapes alone and
// compared with what the arena actually hands out while a convolutional network trains.
import { describe, expect, it } from 'vitest';
import { Sequential, Conv2D, MaxPooling2D, Flatten, Dense, BatchNormalization, Dropout, getThreads, tensor } from '../src/index.js';
import { arena } from '../src/arena.js';
import { disposeAfterEach, mulberry32, randn } from './helpers.js';

const track = disposeAfterEach();

describe('the plan of a convolutional network', () => {
  it('each layer knows its output shape; summary shows them as Keras does', () => {
    const m = track(new Sequential([
      new Conv2D(8, 5, { inputShape: [28, 28, 1], activation: 'relu' }),
      new MaxPooling2D(2),
      new Conv2D(16, 5, { activation: 'relu' }),
      new MaxPooling2D(2),
      new Flatten(),
      new Dense(10, { activation: 'softmax' }),
    ]));
    expect(m.layers.map((l) => l.outputShape)).toEqual([[null, 24, 24, 8], [null, 12, 12, 8], [null, 8, 8, 16], [null, 4, 4, 16], [null, 256], [null, 10]]);
    expect(m.layers[2]!.inputShape).toEqual([null, 12, 12, 8]);
    const text = m.summary({ printFn: () => {} });
    expect(text).toContain('(None, 24, 24, 8)');
    expect(text).toMatch(/Total params: 5,994 .*\n Trainable params: 5,994 .*\n Non-trainable params: 0 /);
  });

  it('the memory a training run takes is what the shapes say, to the alignment of its blocks', async () => {
    // Weights, gradients, Adam's two slots, the generator's streams, the uploaded data and its shuffle order,
    // and the per-batch buffers: input, targets, per-row values, and each layer's output, output gradient and own.
    const samples = 96;
    const batch = 32;
    const before = arena.bytesInUse;
    const m = track(new Sequential([
      new Conv2D(6, 3, { inputShape: [12, 10, 2], activation: 'relu' }), // out [10, 8, 6]; pre buffer (relu)
      new BatchNormalization(), // xhat [10, 8, 6]; mean, invStd [6]; moving statistics not trainable
      new MaxPooling2D(2), // out [5, 4, 6]; argmax [5, 4, 6]
      new Dropout(0.1), // mask
      new Flatten(), // [120]
      new Dense(3, { activation: 'softmax' }), // pre [3]
    ], { seed: 1 }));
    const weights = 3 * 3 * 2 * 6 + 6 + 6 + 6 + 6 + 6 + 120 * 3 + 3;
    const trainable = weights - 12;
    expect(m.countParams()).toBe(weights);
    expect(m.countTrainableParams()).toBe(trainable);
    const perSample = 12 * 10 * 2 + 3 + 1 // input, one-hot target, one loss row
      + 2 * 480 + 480 // conv: out, grad, pre
      + 2 * 480 + 480 // batch norm: out, grad, xhat
      + 2 * 120 + 120 // pooling: out, grad, argmax
      + 2 * 120 + 120 // dropout: out, grad, mask
      + 2 * 120 // flatten
      + 2 * 3 + 3; // dense: out, grad, pre
    const fixed = 2 * 6; // batch norm's mean and invStd
    // With threads (by default here, one per core), fit gathers each shuffled batch while the one before trains: two batches' inputs of its own.
    const prefetched = getThreads() > 1 ? 2 * batch * 12 * 10 * 2 : 0;
    const expected = 4 * (weights + trainable * 3 + 16 + samples * (12 * 10 * 2 + 3) + samples + batch * perSample + fixed + prefetched);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    let during = 0;
    const rng = mulberry32(3);
    const y = new Float32Array(samples * 3);
    for (let r = 0; r < samples; r++) y[r * 3 + (r % 3)] = 1;
    await m.fit(tensor(randn(samples * 240, rng), [samples, 12, 10, 2]), tensor(y, [samples, 3]), {
      epochs: 2, batchSize: batch, verbose: 0,
      callbacks: [{ onEpochEnd: () => { during = arena.bytesInUse - before; } }],
    });
    // Blocks are rounded up to 64 bytes: 8 blocks here (weights, gradients, slots, streams, x, y, order, workspace), and the batches.
    expect(during).toBeGreaterThanOrEqual(expected);
    expect(during).toBeLessThanOrEqual(expected + 9 * 64);
    // After fit the data, its order and the batches go back; the model keeps its weights, gradients, slots, streams and buffers.
    expect(arena.bytesInUse - before).toBeLessThanOrEqual(expected - 4 * (samples * 243 + samples + prefetched) + 5 * 64);
  });
});
