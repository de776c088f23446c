// Saving and loading the convolutional layers in the TensorFlow.js Layers format, checked against real
// TensorFlow.js both ways: a network of every image layer trained in neurasm predicts the same in TF.js, one
// built and trained by TF.js loads and trains in neurasm, and one written as the Python converter writes a
// Keras 3 model (model_config, InputLayer batch_shape, Keras's names) loads too.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Sequential, Conv2D, Conv1D, MaxPooling2D, AveragePooling2D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling2D,
  GlobalMaxPooling1D, GlobalAveragePooling1D, Flatten, Reshape, BatchNormalization, ZeroPadding2D, UpSampling2D, DepthwiseConv2D,
  SeparableConv2D, Dropout, Dense, NeurasmError, tensor, modelFromJSON, type ModelArtifacts,
} from '../src/index.js';
import { fromArtifacts } from '../src/saving.js';
import { arena } from '../src/arena.js';
import { disposeAfterEach, mulberry32, randn } from './helpers.js';
import type { LossSpelling } from '../src/losses.js';

const own = disposeAfterEach();
/** neurasm's and TF.js's float32 convolutions sum in different orders: agreement to this, scaled by max(1, |y|). */
const TOL = 1e-5;

const ROWS = 24;
const imagesData = randn(ROWS * 9 * 7 * 2, mulberry32(5));
const IMAGES = tensor(imagesData, [ROWS, 9, 7, 2]);
const labelsData = Float32Array.from({ length: ROWS }, (_, r) => (imagesData[r * 126]! + imagesData[r * 126 + 5]! > 0 ? 1 : 0));
const sequencesData = randn(ROWS * 12 * 3, mulberry32(6));
const SEQUENCES = tensor(sequencesData, [ROWS, 12, 3]);

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}

/** What `tfModel.save` writes, captured in memory. */
async function tfSave(model: tf.LayersModel): Promise<ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return captured as unknown as ModelArtifacts;
}

const tfPredict = (m: tf.LayersModel, x: Float32Array, shape: number[]) => tf.tidy(() => (m.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);

/** Every image layer in one network. */
function imageNetwork(): Sequential {
  return new Sequential([
    new ZeroPadding2D([[1, 0], [1, 2]], { inputShape: [9, 7, 2] }),
    new Conv2D(6, [3, 2], { activation: 'relu', padding: 'same', strides: [1, 2] }),
    new BatchNormalization({ momentum: 0.9 }),
    new DepthwiseConv2D(3, { depthMultiplier: 2, padding: 'same', activation: 'tanh' }),
    new MaxPooling2D(2, { padding: 'same' }),
    new UpSampling2D([2, 1]),
    new SeparableConv2D(5, 2, { activation: 'relu', dilationRate: 2 }),
    new AveragePooling2D([2, 1], { strides: 1 }),
    new Dropout(0.2),
    new Flatten(),
    new Reshape([-1, 5]),
    new GlobalAveragePooling1D(),
    new Dense(2, { activation: 'softmax' }),
  ], { seed: 3 });
}

/** The sequence layers. */
function sequenceNetwork(): Sequential {
  return new Sequential([
    // NOTE: not 'causal' padding here: TF.js 4.22 has none ("not implemented yet"); layers.test.ts checks it.
    new Conv1D(4, 3, { inputShape: [12, 3], padding: 'same', dilationRate: 2, activation: 'relu' }),
    new MaxPooling1D(2),
    new Conv1D(6, 2, { strides: 2, padding: 'same' }),
    new AveragePooling1D(2, { strides: 1, padding: 'same' }),
    new Dense(4, { activation: 'tanh' }), // on the last axis of [steps, 6]
    new GlobalMaxPooling1D(),
    new Dense(1, { activation: 'sigmoid' }),
  ], { seed: 4 });
}

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('neurasm → TensorFlow.js: convolutional networks trained here load in TF.js and predict the same', () => {
  it.each([
    { name: 'every image layer', make: imageNetwork, x: IMAGES, shape: [ROWS, 9, 7, 2], loss: 'sparseCategoricalCrossentropy', y: labelsData },
    { name: 'the sequence layers', make: sequenceNetwork, x: SEQUENCES, shape: [ROWS, 12, 3], loss: 'binaryCrossentropy', y: labelsData },
  ])('$name', async ({ make, x, shape, loss, y }) => {
    const model = own(make());
    model.compile({ optimizer: 'adam', loss: loss as LossSpelling, metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const artifacts = await model.save();
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts as unknown as tf.io.ModelArtifacts));
    try {
      expect(tfModel.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.className));
      expect(tfModel.countParams()).toBe(model.countParams());
      // The moving statistics moved in training, so TF.js's inference uses the ones neurasm learned.
      expect(maxDiff(model.predict(x).data, tfPredict(tfModel, x.data, shape))).toBeLessThanOrEqual(TOL);
    } finally {
      tfModel.dispose();
    }
  });
});

describe('TensorFlow.js → neurasm: a convolutional network built and trained by TF.js', () => {
  let tfModel: tf.Sequential;
  let artifacts: ModelArtifacts;
  beforeAll(async () => {
    tfModel = tf.sequential({
      layers: [
        tf.layers.zeroPadding2d({ padding: [[1, 0], [1, 2]], inputShape: [9, 7, 2] }),
        tf.layers.conv2d({ filters: 6, kernelSize: [3, 2], activation: 'relu', padding: 'same', strides: [1, 2] }),
        tf.layers.batchNormalization({ momentum: 0.9 }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'tanh' }),
        tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
        tf.layers.upSampling2d({ size: [2, 1] }),
        // NOTE: no dilation here, unlike imageNetwork(): TF.js cannot train a dilated depthwise convolution.
        tf.layers.separableConv2d({ filters: 5, kernelSize: 2, activation: 'relu' }),
        tf.layers.averagePooling2d({ poolSize: [2, 1], strides: 1 }),
        tf.layers.dropout({ rate: 0.2 }),
        tf.layers.flatten(),
        tf.layers.reshape({ targetShape: [-1, 5] }),
        tf.layers.globalAveragePooling1d(),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    tfModel.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
    const [x, y] = [tf.tensor(imagesData, [ROWS, 9, 7, 2]), tf.tensor(labelsData, [ROWS])];
    await tfModel.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    tf.dispose([x, y]);
    artifacts = await tfSave(tfModel);
  });
  afterAll(() => tfModel.dispose());

  it('loads with the same weights, predicts within 1e-5, and trains further', async () => {
    const model = own(fromArtifacts(artifacts));
    expect(model.layers.map((l) => l.className)).toEqual(tfModel.layers.map((l) => l.getClassName()));
    expect(model.countParams()).toBe(tfModel.countParams());
    expect(model.countTrainableParams()).toBe(tfModel.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0));
    expect(maxDiff(model.predict(IMAGES).data, tfPredict(tfModel, imagesData, [ROWS, 9, 7, 2]))).toBeLessThanOrEqual(TOL);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const before = model.evaluate(IMAGES, labelsData)[0]!;
    await model.fit(IMAGES, labelsData, { epochs: 10, batchSize: 8, verbose: 0 });
    expect(model.evaluate(IMAGES, labelsData)[0]!).toBeLessThan(before);
  });

  it('its topology alone builds the same layers and shapes (modelFromJSON)', () => {
    const model = own(modelFromJSON(artifacts.modelTopology));
    // TF.js leaves the dimension a Reshape infers unknown (null); Keras and neurasm compute it (16 here).
    const ours = model.layers.map((l) => l.outputShape);
    const theirs = tfModel.layers.map((l, i) => (l.outputShape as Array<number | null>).map((d, j) => (d === null && j > 0 ? ours[i]![j] : d)));
    expect(ours).toEqual(theirs);
    expect(ours[10]).toEqual([null, 16, 5]);
  });

  it("as the Python converter writes a Keras 3 model: model_config, an InputLayer's batch_shape, Keras's layer names", () => {
    // Keras 3 writes the input as an InputLayer with batch_shape, and its own config keys; the weights are renamed
    // to the Keras layer names, as tensorflowjs_converter does.
    const tfLayers = (artifacts.modelTopology as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } }).config.layers;
    const rename = new Map<string, string>();
    const counts = new Map<string, number>();
    const layers = tfLayers.map((l) => {
      const base = l.class_name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
      const n = counts.get(base) ?? 0;
      counts.set(base, n + 1);
      const name = n === 0 ? base : `${base}_${n}`;
      rename.set(l.config.name as string, name);
      const { batch_input_shape: _shape, ...config } = l.config;
      return { module: 'keras.layers', class_name: l.class_name, config: { ...config, name, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } } } };
    });
    const topology = {
      keras_version: '3.6.0', backend: 'tensorflow',
      model_config: {
        module: 'keras', class_name: 'Sequential',
        config: { name: 'sequential', layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 9, 7, 2], dtype: 'float32', sparse: false, name: 'input_layer' } }, ...layers] },
      },
    };
    const weightSpecs = artifacts.weightSpecs.map((s) => {
      const [layer, ...rest] = s.name.split('/');
      return { ...s, name: [rename.get(layer!)!, ...rest].join('/') };
    });
    const model = own(fromArtifacts({ ...artifacts, modelTopology: topology, weightSpecs }));
    expect(model.layers.map((l) => l.name).slice(0, 3)).toEqual(['zero_padding2d', 'conv2d', 'batch_normalization']);
    expect(maxDiff(model.predict(IMAGES).data, tfPredict(tfModel, imagesData, [ROWS, 9, 7, 2]))).toBeLessThanOrEqual(TOL);
  });
});

describe('save → load keeps everything of a convolutional model', () => {
  it('weights and moving statistics survive (the same predictions); optimizer slots cover only the trainable weights', async () => {
    const original = own(imageNetwork());
    original.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await original.fit(IMAGES, labelsData, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    const copy = own(fromArtifacts(await original.save(undefined, { includeOptimizer: true })));
    expect(Array.from(copy.predict(IMAGES).data)).toEqual(Array.from(original.predict(IMAGES).data));
    expect(copy.getWeights().map((w) => Array.from(w.data))).toEqual(original.getWeights().map((w) => Array.from(w.data)));
    expect(copy.getOptimizerSlots()).toEqual(original.getOptimizerSlots());
    // The non-trainable moving statistics have no optimizer slots: the saved optimizer state covers the trainable weights only.
    const saved = await original.save(undefined, { includeOptimizer: true });
    expect(saved.weightSpecs.filter((s) => s.name.includes('moving_') && s.group === 'optimizer')).toEqual([]);
    expect(saved.weightSpecs.filter((s) => s.name.endsWith('/m')).length).toBe(original.getWeights().length - 2);
  });
});

describe('hostile layer configs are refused with a clear error, before anything is allocated', () => {
  const topology = (layer: Record<string, unknown>) =>
    ({ class_name: 'Sequential', config: { layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 8, 8, 2] } }, layer] } });
  const ROWS: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a kernel past the largest size', { class_name: 'Conv2D', config: { name: 'c', filters: 4, kernel_size: [1e9, 1e9] } }, /Conv2D\(\): kernelSize\[0\] must be a positive integer ≤ 268435456/],
    ['2^28 filters', { class_name: 'Conv2D', config: { name: 'c', filters: 2 ** 28, kernel_size: [3, 3], padding: 'same' } }, /layer 'c' would output \[8, 8, 268435456\], more than 268435456 values per sample/],
    ['a kernel size that is a string', { class_name: 'Conv2D', config: { name: 'c', filters: 4, kernel_size: 'x' } }, /'kernel_size' must be an integer or a list of integers, got "x"/],
    ['an unknown padding', { class_name: 'Conv2D', config: { name: 'c', filters: 4, kernel_size: [3, 3], padding: 'full' } }, /Conv2D\(\): padding must be "valid" or "same", got "full"/],
    ['channels-first data', { class_name: 'Conv2D', config: { name: 'c', filters: 4, kernel_size: [3, 3], data_format: 'channels_first' } }, /data_format "channels_first" is not supported/],
    ['a pool of 0', { class_name: 'MaxPooling2D', config: { name: 'p', pool_size: [0, 2] } }, /poolSize\[0\] must be a positive integer, got 0/],
    ['a pool larger than the image', { class_name: 'MaxPooling2D', config: { name: 'p', pool_size: [9, 9] } }, /modelTopology: layer 'p': a 9×9 pool does not fit in an input of 8×8 with padding 'valid'/],
    ['padding that is a string', { class_name: 'ZeroPadding2D', config: { name: 'z', padding: 'abc' } }, /padding must be a number, \[rows, columns\] or \[\[top, bottom\], \[left, right\]\]/],
    ['a billion rows of padding', { class_name: 'ZeroPadding2D', config: { name: 'z', padding: [[1e9, 1], [1, 1]] } }, /top must be a non-negative integer, got 1000000000/],
    ['an upsampling to 2^46 pixels', { class_name: 'UpSampling2D', config: { name: 'u', size: [2 ** 20, 2 ** 20] } }, /layer 'u' would output \[8388608, 8388608, 2\]/],
    ['bilinear upsampling', { class_name: 'UpSampling2D', config: { name: 'u', size: [2, 2], interpolation: 'bilinear' } }, /interpolation 'bilinear' is not supported yet/],
    ['a target shape with -2', { class_name: 'Reshape', config: { name: 'r', target_shape: [-2] } }, /targetShape \[-2\] must hold positive integers and at most one -1/],
    ['batch norm over two axes', { class_name: 'BatchNormalization', config: { name: 'b', axis: [1, 2] } }, /axis .* is not supported; neurasm normalises one axis, the last/],
    ['a momentum that is a string', { class_name: 'BatchNormalization', config: { name: 'b', momentum: 'x' } }, /'momentum' must be a number, got "x"/],
    ['a depth multiplier of 0', { class_name: 'DepthwiseConv2D', config: { name: 'd', kernel_size: [3, 3], depth_multiplier: 0 } }, /'depth_multiplier' must be a positive integer, got 0/],
    ['strides and dilation both above 1', { class_name: 'SeparableConv2D', config: { name: 's', filters: 3, kernel_size: [3, 3], strides: [2, 2], dilation_rate: [2, 2] } }, /cannot both exceed 1/],
    ['a Conv1D on images', { class_name: 'Conv1D', config: { name: 'c1', filters: 3, kernel_size: [3] } }, /layer 'c1' expects samples of shape \[steps, channels\], got \[8, 8, 2\]/],
    ['keepdims that is a string', { class_name: 'GlobalAveragePooling2D', config: { name: 'g', keepdims: 'yes' } }, /'keepdims' must be true or false, got "yes"/],
    ['a Dropout noise shape', { class_name: 'Dropout', config: { name: 'dr', rate: 0.5, noise_shape: [1, 2] } }, /noiseShape \[1, 2\] has 2 entries/],
  ];
  it.each(ROWS)('%s', (_, layer, message) => {
    const bytes = arena.bytesInUse;
    expect(() => modelFromJSON(topology(layer))).toThrow(message);
    let thrown: unknown;
    try { modelFromJSON(topology(layer)); } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(NeurasmError);
    expect(arena.bytesInUse).toBe(bytes);
  });
});

describe("BatchNormalization's moving variance cannot be negative", () => {
  // The square root of a negative variance would make every output of its channel NaN.
  it('setWeights (model and layer) and loading refuse one, naming the weight; nothing changes', async () => {
    const m = own(new Sequential([new Dense(2, { inputShape: [3] }), new BatchNormalization()], { seed: 1 }));
    const good = m.getWeights();
    const bad = good.map((w) => w.data.slice());
    bad[5]![1] = -1; // batch_normalization/moving_variance
    const tensors = bad.map((d, i) => tensor(d, good[i]!.shape as number[]));
    expect(() => m.setWeights(tensors)).toThrow(/moving_variance must be ≥ 0 everywhere, got -1 at index 1/);
    expect(() => m.layers[1]!.setWeights(tensors.slice(2))).toThrow(/moving_variance must be ≥ 0 everywhere/);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(good.map((w) => Array.from(w.data)));
    const artifacts = await m.save();
    const data = new Float32Array((artifacts.weightData as ArrayBuffer).slice(0));
    data[data.length - 1] = -0.5;
    const bytes = arena.bytesInUse;
    expect(() => fromArtifacts({ ...artifacts, weightData: data.buffer })).toThrow(/loadModel\(\): weight '.*\/moving_variance' must be ≥ 0 everywhere, got -0.5 at index 1/);
    expect(arena.bytesInUse).toBe(bytes);
  });
});
