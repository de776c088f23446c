// Every layer kind of issue 10 against TensorFlow.js (cpu backend), from one table: a row is a neurasm layer,
// the same layer in TensorFlow.js and a sample shape. Each row checks the forward pass on the same (random)
// weights, the gradients of an MSE loss through [Dense → layer] against tf.variableGrads, and a few of those
// gradients by central differences of neurasm's own loss. BatchNormalization's training is checked apart.
// NOTE: TensorFlow.js 4.22 falls short in six places here, each worked around in the row that meets it (see the
// Case fields): no gradient of dilated convolutions, a DepthwiseConv2D layer that ignores dilationRate, no Conv1D
// 'causal', wrong AvgPool 'same' and batched ResizeNearestNeighbor gradients, and BatchNormalization without
// gamma or beta failing in training.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AveragePooling1D, AveragePooling2D, BatchNormalization, Conv1D, Conv2D, Dense, DepthwiseConv2D, Dropout, Flatten,
  GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D,
  Reshape, SGD, SeparableConv2D, Sequential, ShapeError, UpSampling2D, ValueError, ZeroPadding2D, tensor,
  type GlobalPoolingOptions, type Layer, type PoolingOptions, type Tensor,
} from '../src/index.js';
import { binding } from '../src/layers/index.js';
import { expectClose, mulberry32, randn, uniform } from './helpers.js';

type TfLayer = tf.LayersModel['layers'][number];
/** Options a harness passes to a row's factories: the input shape when the layer comes first, else nothing. */
type First = { inputShape?: number[] };

interface Case {
  name: string;
  /** One sample's shape. */
  input: number[];
  ours: (o: First) => Layer;
  /** The TensorFlow.js equivalent (several layers where TF.js lacks an option, e.g. keepdims). */
  theirs: (o: First) => TfLayer | TfLayer[];
  /**
   * TF.js has no gradient for dilated convolutions ("dilation rates greater than 1 are not yet supported in
   * gradients"): its reference gradient then comes from the same layer undilated, with the kernel spread out
   * by zeros to its dilated span, and read back at the taps. `theirs` builds that layer; `rates` per spatial axis.
   */
  undilated?: { theirs: (o: First) => TfLayer | TfLayer[]; rates: number[] };
  /** Also use `undilated` for the forward pass (TF.js's DepthwiseConv2D layer ignores dilationRate). */
  undilatedForward?: boolean;
  /**
   * Why TF.js's own gradient is wrong for this row; its reference gradient is then the central difference of
   * TF.js's forward loss with a step of 0.5, exact (up to rounding) because these rows are linear in their input,
   * so the loss is a quadratic function of each weight of the Dense in front.
   */
  tfGradientBug?: string;
  /**
   * TF.js 4.22's BatchNormalization reads gamma and beta unconditionally in training (`this.gamma.read()` on an
   * undefined weight), so `center: false` / `scale: false` cannot train there: the TF.js row keeps the weight,
   * fixed at `fill` and made non-trainable.
   */
  tfFrozen?: Frozen;
  /** Why the gradient checks are skipped (a random mask in training). */
  noGradients?: string;
  /** The layer passes its input through unchanged in inference (checked bit for bit). */
  identity?: boolean;
}

interface Frozen { weight: 'gamma' | 'beta'; index: number; fill: number }

const BATCH = 3;
/** Forward on identical weights: only the order of float32 sums differs (≤ ~30 terms of size ~1 here). */
const FORWARD = { rtol: 1e-5, atol: 1e-5 };

const conv2d = (filters: number, kernelSize: number | number[], o: Record<string, unknown> = {}): Pick<Case, 'ours' | 'theirs'> => ({
  ours: (f) => new Conv2D(filters, kernelSize as [number, number], { ...f, ...o }),
  theirs: (f) => tf.layers.conv2d({ ...f, filters, kernelSize, ...o } as never),
});
const conv1d = (filters: number, kernelSize: number, o: Record<string, unknown> = {}): Pick<Case, 'ours' | 'theirs'> => ({
  ours: (f) => new Conv1D(filters, kernelSize, { ...f, ...o }),
  theirs: (f) => tf.layers.conv1d({ ...f, filters, kernelSize, ...o } as never),
});
const depthwise = (kernelSize: number | number[], o: Record<string, unknown> = {}): Pick<Case, 'ours' | 'theirs'> => ({
  ours: (f) => new DepthwiseConv2D(kernelSize as [number, number], { ...f, ...o }),
  theirs: (f) => tf.layers.depthwiseConv2d({ ...f, kernelSize, ...o } as never),
});
const separable = (filters: number, kernelSize: number | number[], o: Record<string, unknown> = {}): Pick<Case, 'ours' | 'theirs'> => ({
  ours: (f) => new SeparableConv2D(filters, kernelSize as [number, number], { ...f, ...o }),
  theirs: (f) => tf.layers.separableConv2d({ ...f, filters, kernelSize, ...o } as never),
});
const pool = (ours: new (poolSize: never, options: PoolingOptions) => Layer, theirs: (args: never) => TfLayer, poolSize: number | number[],
  o: PoolingOptions = {}): Pick<Case, 'ours' | 'theirs'> => ({
  ours: (f) => new ours(poolSize as never, { ...f, ...o }),
  theirs: (f) => theirs({ ...f, poolSize, ...o } as never),
});
/** Global pooling; TF.js 4.22 has no keepdims, so a Reshape to [1, (1,) channels] follows there. */
const globalPool = (ours: new (options: GlobalPoolingOptions) => Layer, theirs: (args: never) => TfLayer, rank: 1 | 2, keepdims: boolean,
  channels: number): Pick<Case, 'ours' | 'theirs'> => ({
  ours: (f) => new ours({ ...f, keepdims }),
  theirs: (f) => (keepdims ? [theirs(f as never), tf.layers.reshape({ targetShape: [...Array<number>(rank).fill(1), channels] })] : theirs(f as never)),
});
/** The undilated TF.js stand-in of a dilated convolution row (see Case.undilated). */
const spread = (kernel: number[], rates: number[], make: (kernelSize: number[], f: First) => TfLayer | TfLayer[]) => ({
  rates,
  theirs: (f: First) => make(kernel.map((k, i) => (k - 1) * rates[i]! + 1), f),
});
/**
 * TF.js 4.22 cannot run Conv1D with padding 'causal' ("The support for CAUSAL padding mode in conv1dWithBias is
 * not implemented yet"): its stand-in pads (span − 1) zero steps in front (a ZeroPadding2D between two Reshapes)
 * and convolves with 'valid', which is what 'causal' means.
 */
const causal = (steps: number, channels: number, filters: number, kernelSize: number, o: Record<string, unknown> = {}) => (f: First): TfLayer[] => {
  const pad = (kernelSize - 1) * ((o.dilationRate as number | undefined) ?? 1);
  return [
    tf.layers.reshape({ ...f, targetShape: [steps, 1, channels] }),
    tf.layers.zeroPadding2d({ padding: [[pad, 0], [0, 0]] }),
    tf.layers.reshape({ targetShape: [steps + pad, channels] }),
    tf.layers.conv1d({ filters, kernelSize, ...o, padding: 'valid' } as never),
  ];
};

const AVG_SAME = "TF.js's AvgPoolGrad divides by the whole window (1 / (filterHeight·filterWidth)) where its forward pass divides by the cells inside the input";
const UPSAMPLING = "TF.js's cpu ResizeNearestNeighborGrad offsets dy by the input's batch stride, wrong for batches > 1 (dx of sample 1 reads sample 0's dy)";

const IMAGE = [7, 5, 3];
const SEQUENCE = [9, 3];
const SMALL = [3, 2, 2];

const CASES: Case[] = [
  // ── Conv2D on a 7×5×3 image with a 3×2 kernel: every padding × stride × dilation Keras allows ──
  { name: 'Conv2D 3×2 valid', input: IMAGE, ...conv2d(4, [3, 2]) },
  { name: 'Conv2D 3×2 same', input: IMAGE, ...conv2d(4, [3, 2], { padding: 'same' }) },
  { name: 'Conv2D 3×2 valid strides 2', input: IMAGE, ...conv2d(4, [3, 2], { strides: 2 }) },
  { name: 'Conv2D 3×2 same strides 2', input: IMAGE, ...conv2d(4, [3, 2], { padding: 'same', strides: 2 }) },
  { name: 'Conv2D 3×2 same strides [2, 1] relu', input: IMAGE, ...conv2d(4, [3, 2], { padding: 'same', strides: [2, 1], activation: 'relu' }) },
  { name: 'Conv2D 2×3 valid strides [1, 2] no bias', input: IMAGE, ...conv2d(3, [2, 3], { strides: [1, 2], useBias: false }) },
  { name: 'Conv2D 4×4 same strides 3 (kernel wider than the image, padded)', input: IMAGE, ...conv2d(2, [4, 4], { padding: 'same', strides: 3 }) },
  {
    name: 'Conv2D 3×2 valid dilation 2', input: IMAGE, ...conv2d(4, [3, 2], { dilationRate: 2 }),
    undilated: spread([3, 2], [2, 2], (kernelSize) => tf.layers.conv2d({ filters: 4, kernelSize })),
  },
  {
    name: 'Conv2D 3×2 same dilation 2 relu', input: IMAGE, ...conv2d(4, [3, 2], { padding: 'same', dilationRate: 2, activation: 'relu' }),
    undilated: spread([3, 2], [2, 2], (kernelSize) => tf.layers.conv2d({ filters: 4, kernelSize, padding: 'same', activation: 'relu' })),
  },
  {
    name: 'Conv2D 2×2 same dilation [2, 1] no bias', input: IMAGE, ...conv2d(2, 2, { padding: 'same', dilationRate: [2, 1], useBias: false }),
    undilated: spread([2, 2], [2, 1], (kernelSize) => tf.layers.conv2d({ filters: 2, kernelSize, padding: 'same', useBias: false })),
  },
  { name: 'Conv2D 1×1', input: IMAGE, ...conv2d(2, 1) },

  // ── Conv1D on 9 steps × 3 channels ──
  { name: 'Conv1D 3 valid', input: SEQUENCE, ...conv1d(2, 3) },
  { name: 'Conv1D 3 same', input: SEQUENCE, ...conv1d(2, 3, { padding: 'same' }) },
  { name: 'Conv1D 2 same (even kernel)', input: SEQUENCE, ...conv1d(2, 2, { padding: 'same' }) },
  { name: 'Conv1D 3 causal relu', input: SEQUENCE, ...conv1d(2, 3, { padding: 'causal', activation: 'relu' }), theirs: causal(9, 3, 2, 3, { activation: 'relu' }) },
  { name: 'Conv1D 3 valid strides 2', input: SEQUENCE, ...conv1d(2, 3, { strides: 2 }) },
  { name: 'Conv1D 3 same strides 2 no bias', input: SEQUENCE, ...conv1d(2, 3, { padding: 'same', strides: 2, useBias: false }) },
  { name: 'Conv1D 3 causal strides 2', input: SEQUENCE, ...conv1d(2, 3, { padding: 'causal', strides: 2 }), theirs: causal(9, 3, 2, 3, { strides: 2 }) },
  {
    name: 'Conv1D 3 valid dilation 2', input: SEQUENCE, ...conv1d(2, 3, { dilationRate: 2 }),
    undilated: spread([3], [2], ([kernelSize]) => tf.layers.conv1d({ filters: 2, kernelSize: kernelSize! })),
  },
  {
    name: 'Conv1D 3 same dilation 2', input: SEQUENCE, ...conv1d(2, 3, { padding: 'same', dilationRate: 2 }),
    undilated: spread([3], [2], ([kernelSize]) => tf.layers.conv1d({ filters: 2, kernelSize: kernelSize!, padding: 'same' })),
  },
  {
    name: 'Conv1D 3 causal dilation 2', input: SEQUENCE, ...conv1d(2, 3, { padding: 'causal', dilationRate: 2 }), theirs: causal(9, 3, 2, 3, { dilationRate: 2 }),
    undilated: spread([3], [2], ([kernelSize], f) => causal(9, 3, 2, kernelSize!)(f)),
  },

  // ── 2-D pooling on 7×5×2, strides equal to and different from the pool ──
  { name: 'MaxPooling2D 2 valid', input: [7, 5, 2], ...pool(MaxPooling2D, tf.layers.maxPooling2d, 2) },
  { name: 'MaxPooling2D 2 same', input: [7, 5, 2], ...pool(MaxPooling2D, tf.layers.maxPooling2d, 2, { padding: 'same' }) },
  { name: 'MaxPooling2D 3×2 valid strides [2, 1]', input: [7, 5, 2], ...pool(MaxPooling2D, tf.layers.maxPooling2d, [3, 2], { strides: [2, 1] }) },
  { name: 'MaxPooling2D 3 same strides 2', input: [7, 5, 2], ...pool(MaxPooling2D, tf.layers.maxPooling2d, 3, { padding: 'same', strides: 2 }) },
  { name: 'MaxPooling2D 2 same strides 1', input: [7, 5, 2], ...pool(MaxPooling2D, tf.layers.maxPooling2d, 2, { padding: 'same', strides: 1 }) },
  { name: 'AveragePooling2D 2 valid', input: [7, 5, 2], ...pool(AveragePooling2D, tf.layers.averagePooling2d, 2) },
  { name: 'AveragePooling2D 2 same', input: [7, 5, 2], ...pool(AveragePooling2D, tf.layers.averagePooling2d, 2, { padding: 'same' }), tfGradientBug: AVG_SAME },
  { name: 'AveragePooling2D 3×2 valid strides [2, 1]', input: [7, 5, 2], ...pool(AveragePooling2D, tf.layers.averagePooling2d, [3, 2], { strides: [2, 1] }) },
  { name: 'AveragePooling2D 3 same strides 2', input: [7, 5, 2], ...pool(AveragePooling2D, tf.layers.averagePooling2d, 3, { padding: 'same', strides: 2 }), tfGradientBug: AVG_SAME },
  { name: 'AveragePooling2D 3 same strides 1', input: [7, 5, 2], ...pool(AveragePooling2D, tf.layers.averagePooling2d, 3, { padding: 'same', strides: 1 }), tfGradientBug: AVG_SAME },

  // ── 1-D pooling on 9 steps × 2 ──
  { name: 'MaxPooling1D 2 valid', input: [9, 2], ...pool(MaxPooling1D, tf.layers.maxPooling1d, 2) },
  { name: 'MaxPooling1D 2 same', input: [9, 2], ...pool(MaxPooling1D, tf.layers.maxPooling1d, 2, { padding: 'same' }) },
  { name: 'MaxPooling1D 3 same strides 2', input: [9, 2], ...pool(MaxPooling1D, tf.layers.maxPooling1d, 3, { padding: 'same', strides: 2 }) },
  { name: 'MaxPooling1D 3 valid strides 1', input: [9, 2], ...pool(MaxPooling1D, tf.layers.maxPooling1d, 3, { strides: 1 }) },
  { name: 'AveragePooling1D 2 valid', input: [9, 2], ...pool(AveragePooling1D, tf.layers.averagePooling1d, 2) },
  { name: 'AveragePooling1D 2 same', input: [9, 2], ...pool(AveragePooling1D, tf.layers.averagePooling1d, 2, { padding: 'same' }), tfGradientBug: AVG_SAME },
  { name: 'AveragePooling1D 3 valid strides 2', input: [9, 2], ...pool(AveragePooling1D, tf.layers.averagePooling1d, 3, { strides: 2 }) },
  { name: 'AveragePooling1D 4 same strides 3', input: [9, 2], ...pool(AveragePooling1D, tf.layers.averagePooling1d, 4, { padding: 'same', strides: 3 }), tfGradientBug: AVG_SAME },

  // ── global pooling ──
  { name: 'GlobalAveragePooling2D', input: [5, 3, 2], ...globalPool(GlobalAveragePooling2D, tf.layers.globalAveragePooling2d, 2, false, 2) },
  { name: 'GlobalAveragePooling2D keepdims', input: [5, 3, 2], ...globalPool(GlobalAveragePooling2D, tf.layers.globalAveragePooling2d, 2, true, 2) },
  { name: 'GlobalMaxPooling2D', input: [5, 3, 2], ...globalPool(GlobalMaxPooling2D, tf.layers.globalMaxPooling2d, 2, false, 2) },
  { name: 'GlobalMaxPooling2D keepdims', input: [5, 3, 2], ...globalPool(GlobalMaxPooling2D, tf.layers.globalMaxPooling2d, 2, true, 2) },
  { name: 'GlobalAveragePooling1D', input: [7, 3], ...globalPool(GlobalAveragePooling1D, tf.layers.globalAveragePooling1d, 1, false, 3) },
  { name: 'GlobalAveragePooling1D keepdims', input: [7, 3], ...globalPool(GlobalAveragePooling1D, tf.layers.globalAveragePooling1d, 1, true, 3) },
  { name: 'GlobalMaxPooling1D', input: [7, 3], ...globalPool(GlobalMaxPooling1D, tf.layers.globalMaxPooling1d, 1, false, 3) },
  { name: 'GlobalMaxPooling1D keepdims', input: [7, 3], ...globalPool(GlobalMaxPooling1D, tf.layers.globalMaxPooling1d, 1, true, 3) },

  // ── reshaping and resizing ──
  { name: 'Flatten', input: SMALL, ours: (f) => new Flatten(f), theirs: (f) => tf.layers.flatten(f) },
  { name: 'Reshape [2, -1]', input: [4, 3], ours: (f) => new Reshape([2, -1], f), theirs: (f) => tf.layers.reshape({ ...f, targetShape: [2, -1] }) },
  { name: 'Reshape [3, 2, 2]', input: [4, 3], ours: (f) => new Reshape([3, 2, 2], f), theirs: (f) => tf.layers.reshape({ ...f, targetShape: [3, 2, 2] }) },
  { name: 'ZeroPadding2D 1', input: SMALL, ours: (f) => new ZeroPadding2D(1, f), theirs: (f) => tf.layers.zeroPadding2d({ ...f, padding: 1 }) },
  { name: 'ZeroPadding2D [1, 2]', input: SMALL, ours: (f) => new ZeroPadding2D([1, 2], f), theirs: (f) => tf.layers.zeroPadding2d({ ...f, padding: [1, 2] }) },
  { name: 'ZeroPadding2D [[1, 2], [0, 3]]', input: SMALL, ours: (f) => new ZeroPadding2D([[1, 2], [0, 3]], f), theirs: (f) => tf.layers.zeroPadding2d({ ...f, padding: [[1, 2], [0, 3]] }) },
  { name: 'UpSampling2D 2', input: SMALL, ours: (f) => new UpSampling2D(2, f), theirs: (f) => tf.layers.upSampling2d({ ...f, size: [2, 2] }), tfGradientBug: UPSAMPLING },
  { name: 'UpSampling2D [2, 3]', input: SMALL, ours: (f) => new UpSampling2D([2, 3], f), theirs: (f) => tf.layers.upSampling2d({ ...f, size: [2, 3] }), tfGradientBug: UPSAMPLING },

  // ── depthwise and separable convolutions ──
  { name: 'DepthwiseConv2D 3×2 valid', input: IMAGE, ...depthwise([3, 2]) },
  { name: 'DepthwiseConv2D 3×2 same depthMultiplier 2', input: IMAGE, ...depthwise([3, 2], { padding: 'same', depthMultiplier: 2 }) },
  { name: 'DepthwiseConv2D 3×2 same strides 2 depthMultiplier 2', input: IMAGE, ...depthwise([3, 2], { padding: 'same', strides: 2, depthMultiplier: 2 }) },
  { name: 'DepthwiseConv2D 2×2 valid strides [2, 1] relu no bias', input: IMAGE, ...depthwise(2, { strides: [2, 1], activation: 'relu', useBias: false }) },
  {
    name: 'DepthwiseConv2D 3×2 valid dilation 2 depthMultiplier 2', input: IMAGE, ...depthwise([3, 2], { dilationRate: 2, depthMultiplier: 2 }),
    undilated: spread([3, 2], [2, 2], (kernelSize, f) => tf.layers.depthwiseConv2d({ ...f, kernelSize: kernelSize as [number, number], depthMultiplier: 2 })),
    undilatedForward: true,
  },
  {
    name: 'DepthwiseConv2D 2×3 same dilation [1, 2]', input: IMAGE, ...depthwise([2, 3], { padding: 'same', dilationRate: [1, 2] }),
    undilated: spread([2, 3], [1, 2], (kernelSize, f) => tf.layers.depthwiseConv2d({ ...f, kernelSize: kernelSize as [number, number], padding: 'same' })),
    undilatedForward: true,
  },
  { name: 'SeparableConv2D 3×2 valid', input: IMAGE, ...separable(4, [3, 2]) },
  { name: 'SeparableConv2D 3×2 same strides 2 depthMultiplier 2', input: IMAGE, ...separable(4, [3, 2], { padding: 'same', strides: 2, depthMultiplier: 2 }) },
  { name: 'SeparableConv2D 2×2 same relu no bias', input: IMAGE, ...separable(2, 2, { padding: 'same', activation: 'relu', useBias: false }) },
  {
    name: 'SeparableConv2D 3×2 same dilation 2', input: IMAGE, ...separable(3, [3, 2], { padding: 'same', dilationRate: 2 }),
    undilated: spread([3, 2], [2, 2], (kernelSize) => tf.layers.separableConv2d({ filters: 3, kernelSize: kernelSize as [number, number], padding: 'same' })),
  },

  // ── Dense on rank ≥ 2 samples (the last axis), Dropout on rank 3, BatchNormalization (inference forward) ──
  { name: 'Dense on [steps, features]', input: [4, 3], ours: (f) => new Dense(2, { ...f, activation: 'relu' }), theirs: (f) => tf.layers.dense({ ...f, units: 2, activation: 'relu' }) },
  { name: 'Dense on [h, w, c]', input: SMALL, ours: (f) => new Dense(3, f), theirs: (f) => tf.layers.dense({ ...f, units: 3 }) },
  {
    name: 'Dropout 0.5 on rank 3 (inference: identity)', input: SMALL, ours: (f) => new Dropout(0.5, f), theirs: (f) => tf.layers.dropout({ ...f, rate: 0.5 }),
    noGradients: 'training draws a random mask', identity: true,
  },
  { name: 'BatchNormalization on [4]', input: [4], ours: (f) => new BatchNormalization(f), theirs: (f) => tf.layers.batchNormalization(f) },
  { name: 'BatchNormalization on [5, 4, 3]', input: [5, 4, 3], ours: (f) => new BatchNormalization({ ...f, epsilon: 0.01 }), theirs: (f) => tf.layers.batchNormalization({ ...f, epsilon: 0.01 }) },
  {
    name: 'BatchNormalization center false', input: [4, 3], ours: (f) => new BatchNormalization({ ...f, center: false }), theirs: (f) => tf.layers.batchNormalization(f),
    tfFrozen: { weight: 'beta', index: 1, fill: 0 },
  },
  {
    name: 'BatchNormalization scale false', input: [4, 3], ours: (f) => new BatchNormalization({ ...f, scale: false }), theirs: (f) => tf.layers.batchNormalization(f),
    tfFrozen: { weight: 'gamma', index: 0, fill: 1 },
  },
];

// ─── Harness ───

const toTf = (t: Tensor) => tf.tensor(t.data, [...t.shape]);
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Random weights of the model's shapes (every bias and BN statistic non-trivial; variances positive). */
function randomWeights(model: Sequential, seed: number): Tensor[] {
  const rng = mulberry32(seed);
  return model.layers.flatMap((l) => l.getWeights().map((w, i, all) => {
    const positive = l instanceof BatchNormalization && i === all.length - 1;
    return tensor(positive ? uniform(w.size, rng, 0.5, 1.5) : uniform(w.size, rng, -0.8, 0.8), w.shape);
  }));
}

/**
 * Copies weights (neurasm's order: layer by layer) into a TF.js model, layer by layer. A BatchNormalization
 * layer of TF.js given `frozen` gets that weight inserted (filled) and made non-trainable (see Case.tfFrozen).
 */
function setTfWeights(tfModel: tf.Sequential, weights: readonly Tensor[], frozen?: Frozen): void {
  // NOTE: a tf.Sequential builds its inner model lazily (at the first predict, apply or fit) and that build sets
  // every weight trainable again: build it now, before a weight is frozen.
  tf.tidy(() => tfModel.predict(tf.zeros([1, ...(tfModel.inputs[0]!.shape.slice(1) as number[])])));
  let i = 0;
  for (const l of tfModel.layers) {
    let n = l.weights.length;
    if (n === 0) continue;
    if (frozen && l.getClassName() === 'BatchNormalization') {
      n -= 1;
      const own = weights.slice(i, i + n).map(toTf);
      own.splice(frozen.index, 0, tf.fill([own[0]!.shape[0]!], frozen.fill));
      l.setWeights(own);
      (l as unknown as Record<string, { trainable: boolean }>)[frozen.weight]!.trainable = false;
    } else {
      l.setWeights(weights.slice(i, i + n).map(toTf));
    }
    i += n;
  }
  expect(i).toBe(weights.length);
}

function tfModelOf(layers: Array<TfLayer | TfLayer[]>): tf.Sequential {
  return tf.sequential({ layers: layers.flat() });
}

/** Which of the model's weights (in getWeights order) are trainable. */
const trainableMask = (model: Sequential) => model.layers.flatMap((l) => binding(l).specs.map((s) => s.trainable));

/** The kernel `[k1, (k2), …rest]` spread by zeros to its dilated span `[(k1−1)r1+1, …]`, or (back) read at the taps. */
function spreadKernel(w: ArrayLike<number>, shape: readonly number[], rates: number[], back = false): Tensor {
  const n = rates.length;
  const big = shape.map((d, i) => (i < n ? (d - 1) * rates[i]! + 1 : d));
  const block = sizeOf(shape.slice(n));
  const out = new Float32Array(sizeOf(back ? shape : big));
  const k2 = n === 2 ? shape[1]! : 1;
  const big2 = n === 2 ? big[1]! : 1;
  for (let a = 0; a < shape[0]!; a++) {
    for (let b = 0; b < k2; b++) {
      const small = (a * k2 + b) * block;
      const wide = (a * rates[0]! * big2 + b * (n === 2 ? rates[1]! : 1)) * block;
      for (let j = 0; j < block; j++) {
        if (back) out[small + j] = w[wide + j]!;
        else out[wide + j] = w[small + j]!;
      }
    }
  }
  return tensor(out, back ? [...shape] : big);
}

/** The TF.js model of a row (first = its inputShape, or a front layer), with the weights it takes from neurasm's. */
function tfTwin(c: Case, front: TfLayer[], first: First, weights: Tensor[], spreadAt: number, undilated: boolean) {
  const tfModel = tfModelOf([...front, undilated ? c.undilated!.theirs(first) : c.theirs(first)]);
  const tfWeights = [...weights];
  if (undilated) tfWeights[spreadAt] = spreadKernel(weights[spreadAt]!.data, weights[spreadAt]!.shape, c.undilated!.rates);
  setTfWeights(tfModel, tfWeights, c.tfFrozen);
  return tfModel;
}

/** mean((model(x) − y)²) in float64 from TF.js's training-mode output. */
function tfLoss(tfModel: tf.Sequential, x: tf.Tensor, y: ArrayLike<number>): number {
  const out = tfModel.apply(x, { training: true }) as tf.Tensor;
  const p = out.dataSync();
  out.dispose();
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i]! - y[i]!) ** 2;
  return s / p.length;
}

/** TF.js's gradients of mean((model(x) − y)²) for every trainable weight (training mode), layer order. */
function tfGradients(tfModel: tf.Sequential, x: tf.Tensor, y: tf.Tensor): Float32Array[] {
  const vars = tfModel.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tfModel.apply(x, { training: true }) as tf.Tensor, y))) as tf.Scalar, vars);
  const result = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return result;
}

/** Central differences of TF.js's loss with step 0.5: exact for a loss quadratic in each weight (see Case.tfGradientBug). */
function tfQuadraticGradients(tfModel: tf.Sequential, x: tf.Tensor, y: ArrayLike<number>): Float32Array[] {
  const h = 0.5;
  return tfModel.trainableWeights.map((w) => {
    const v = w.read() as tf.Variable;
    const base = v.dataSync().slice();
    const grad = new Float32Array(base.length);
    const at = (j: number, value: number) => {
      const data = base.slice();
      data[j] = value;
      v.assign(tf.tensor(data, v.shape));
      return tfLoss(tfModel, x, y);
    };
    for (let j = 0; j < base.length; j++) grad[j] = (at(j, base[j]! + h) - at(j, base[j]! - h)) / (2 * h);
    v.assign(tf.tensor(base, v.shape));
    return grad;
  });
}

const frontUnits = (c: Case) => c.input[c.input.length - 1]!;

describe.each(CASES)('$name', (c) => {
  const rng = mulberry32(c.name.length * 7919 + c.input.length);
  const xData = randn(BATCH * sizeOf(c.input), rng);
  const x = tensor(xData, [BATCH, ...c.input]);

  it('predicts like TensorFlow.js on the same weights', () => {
    const model = new Sequential([c.ours({ inputShape: c.input })], { seed: 3 });
    const weights = randomWeights(model, 5);
    const tfModel = tfTwin(c, [], { inputShape: c.input }, weights, 0, c.undilatedForward === true);
    const tx = toTf(x);
    try {
      model.setWeights(weights);
      const ours = model.predict(x);
      const theirs = tfModel.predict(tx) as tf.Tensor;
      expect(ours.shape).toEqual(theirs.shape);
      expectClose(ours.data, theirs.dataSync(), { ...FORWARD, label: 'predict' });
      if (c.identity) expect(Array.from(ours.data)).toEqual(Array.from(xData));
      theirs.dispose();
    } finally {
      tx.dispose();
      model.dispose();
      tfModel.dispose();
    }
  });

  if (c.noGradients) return;

  describe('through Dense → layer, MSE', () => {
    let model: Sequential;
    let y: Tensor;
    let weights: Tensor[];
    beforeAll(() => {
      model = new Sequential([new Dense(frontUnits(c), { inputShape: c.input }), c.ours({})], { seed: 4 });
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const out = model.layers.at(-1)!.outputShape.slice(1) as number[];
      y = tensor(randn(BATCH * sizeOf(out), rng), [BATCH, ...out]);
      weights = randomWeights(model, 6);
    });
    afterAll(() => model.dispose());

    it(c.tfGradientBug ? 'has the gradients of central differences of TF.js\'s forward loss' : 'has the gradients of tf.variableGrads', () => {
      const front = tf.layers.dense({ units: frontUnits(c), inputShape: c.input });
      const tfModel = tfTwin(c, [front], {}, weights, 2, c.undilated !== undefined);
      const [tx, ty] = [toTf(x), toTf(y)];
      try {
        model.setWeights(weights);
        const { loss, gradients } = model.computeGradients(x, y);
        expect(loss).toBeCloseTo(tfLoss(tfModel, tx, y.data), 5);
        const ref = c.tfGradientBug ? tfQuadraticGradients(tfModel, tx, y.data) : tfGradients(tfModel, tx, ty);
        if (c.undilated) ref[2] = spreadKernel(ref[2]!, weights[2]!.shape, c.undilated.rates, true).data;
        expect(gradients).toHaveLength(ref.length);
        const scale = Math.max(...ref.flatMap((g) => Array.from(g, Math.abs)));
        expect(scale).toBeGreaterThan(1e-3);
        // Elementwise 1e-4 relative, with a floor of 1e-5 of the largest gradient for entries near zero
        // (sums of up to ~100 float32 products that cancel).
        gradients.forEach((g, i) => expectClose(g.data, ref[i]!, { rtol: 1e-4, atol: 1e-5 * scale, label: `gradient ${i} [${g.shape.join(', ')}]` }));
      } finally {
        tf.dispose([tx, ty]);
        tfModel.dispose();
      }
    });

    it('has gradients that match central differences of its own loss', () => {
      model.setWeights(weights);
      const analytic = model.computeGradients(x, y).gradients;
      const trainableIndex = trainableMask(model).flatMap((t, i) => (t ? [i] : []));
      const scale = Math.max(...analytic.flatMap((g) => Array.from(g.data, Math.abs)));
      const lossAt = (wi: number, j: number, value: number) => {
        const w = weights.map((t, i) => (i === wi ? tensor(Float32Array.from(t.data, (v, k) => (k === j ? value : v)), t.shape) : t));
        model.setWeights(w);
        return model.computeGradients(x, y).loss;
      };
      // Two entries of every trainable weight and the largest gradient entry. Step 1e-3: the float32 loss's
      // rounding (~1e-7) stays near 5e-5 of the quotient, and a max/relu kink is rarely crossed.
      const h = 1e-3;
      const picks: Array<[number, number]> = analytic.flatMap((g, gi): Array<[number, number]> => [[gi, Math.floor(g.size / 3)], [gi, Math.floor((2 * g.size) / 3)]]);
      let best: [number, number] = [0, 0];
      analytic.forEach((g, gi) => g.data.forEach((v, j) => { if (Math.abs(v) > Math.abs(analytic[best[0]]!.data[best[1]]!)) best = [gi, j]; }));
      picks.push(best);
      const numeric: number[] = [];
      const ours: number[] = [];
      for (const [gi, j] of picks) {
        const wi = trainableIndex[gi]!;
        const v = weights[wi]!.data[j]!;
        const up = Math.fround(v + h);
        const down = Math.fround(v - h);
        numeric.push((lossAt(wi, j, up) - lossAt(wi, j, down)) / (up - down));
        ours.push(analytic[gi]!.data[j]!);
      }
      model.setWeights(weights);
      expectClose(ours, numeric, { rtol: 5e-3, atol: 2e-3 * scale, label: `[weight, index] ${JSON.stringify(picks)}` });
    });
  });
});

// ─── BatchNormalization trained by fit, against TensorFlow.js's fit ───

interface BnCase {
  name: string;
  input: number[];
  ours: (o: First) => Layer[];
  theirs: (o: First) => TfLayer[];
  momentum: number;
  tfFrozen?: Frozen;
}

const BN_CASES: BnCase[] = [
  {
    name: 'Dense → BatchNormalization (rank-1 samples), momentum 0.8',
    input: [4], momentum: 0.8,
    ours: (f) => [new Dense(3, f), new BatchNormalization({ momentum: 0.8 }), new Dense(2)],
    theirs: (f) => [tf.layers.dense({ ...f, units: 3 }), tf.layers.batchNormalization({ momentum: 0.8 }), tf.layers.dense({ units: 2 })],
  },
  {
    name: 'Conv2D → BatchNormalization (rank-3 samples), default momentum, center false',
    input: [5, 4, 2], momentum: 0.99,
    ours: (f) => [new Conv2D(3, 3, { ...f, padding: 'same' }), new BatchNormalization({ center: false }), new Flatten(), new Dense(2)],
    theirs: (f) => [tf.layers.conv2d({ ...f, filters: 3, kernelSize: 3, padding: 'same' }), tf.layers.batchNormalization(), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    tfFrozen: { weight: 'beta', index: 1, fill: 0 },
  },
  {
    name: 'Conv1D → BatchNormalization → GlobalAveragePooling1D, momentum 0.5, epsilon 0.1',
    input: [6, 2], momentum: 0.5,
    ours: (f) => [new Conv1D(3, 2, f), new BatchNormalization({ momentum: 0.5, epsilon: 0.1 }), new GlobalAveragePooling1D()],
    theirs: (f) => [tf.layers.conv1d({ ...f, filters: 3, kernelSize: 2 }), tf.layers.batchNormalization({ momentum: 0.5, epsilon: 0.1 }), tf.layers.globalAveragePooling1d()],
  },
];

describe.each(BN_CASES)('BatchNormalization after fit: $name', (c) => {
  const ROWS = 8, BATCH_SIZE = 4, EPOCHS = 3, LR = 0.05;
  it(`has TF.js's weights, moving statistics and inference predictions after ${EPOCHS * (ROWS / BATCH_SIZE)} SGD steps`, async () => {
    const rng = mulberry32(99);
    const x = tensor(randn(ROWS * c.input.reduce((a, b) => a * b, 1), rng, 1.5, 0.7), [ROWS, ...c.input]);
    const model = new Sequential(c.ours({ inputShape: c.input }), { seed: 8 });
    const out = model.layers.at(-1)!.outputShape.slice(1) as number[];
    const y = tensor(randn(ROWS * out.reduce((a, b) => a * b, 1), rng), [ROWS, ...out]);
    const tfModel = tfModelOf(c.theirs({ inputShape: c.input }));
    const [tx, ty] = [toTf(x), toTf(y)];
    try {
      const initial = randomWeights(model, 10);
      model.setWeights(initial);
      model.compile({ optimizer: new SGD({ learningRate: LR }), loss: 'meanSquaredError' });
      const tfCompile = { optimizer: tf.train.sgd(LR), loss: 'meanSquaredError' };
      tfModel.compile(tfCompile);
      setTfWeights(tfModel, initial, c.tfFrozen);
      // NOTE: tf.Sequential.compile rebuilds its inner model, which makes every weight trainable again, and the
      // inner model collects the weights to train when it compiles: recompile the inner model after freezing.
      if (c.tfFrozen) (tfModel as unknown as { model: tf.LayersModel }).model.compile(tfCompile);
      await model.fit(x, y, { epochs: EPOCHS, batchSize: BATCH_SIZE, shuffle: false, verbose: 0 });
      await tfModel.fit(tx, ty, { epochs: EPOCHS, batchSize: BATCH_SIZE, shuffle: false, verbose: 0 });

      const bn = model.layers.findIndex((l) => l instanceof BatchNormalization);
      const ours = model.layers[bn]!.getWeights();
      const tfWeightsOf = (l: TfLayer) => {
        const ws = l.getWeights().map((w) => w.dataSync());
        if (c.tfFrozen && l.getClassName() === 'BatchNormalization') {
          expect(Array.from(ws[c.tfFrozen.index]!), 'the frozen weight stays put').toEqual(Array(ws[0]!.length).fill(c.tfFrozen.fill));
          ws.splice(c.tfFrozen.index, 1);
        }
        return ws;
      };
      const theirs = tfWeightsOf(tfModel.layers[bn]!);
      const names = ['gamma', 'beta', 'moving_mean', 'moving_variance'].filter((n) => n !== c.tfFrozen?.weight);
      expect(ours).toHaveLength(names.length);
      const before = initial.slice(model.layers.slice(0, bn).reduce((n, l) => n + l.getWeights().length, 0));
      ours.forEach((w, i) => {
        // Six steps of float32 SGD in two libraries: 1e-4 relative, as in parity.test.ts.
        expectClose(w.data, theirs[i]!, { rtol: 1e-4, atol: 1e-6, label: names[i]! });
        const moved = Math.max(...Array.from(w.data, (v, j) => Math.abs(v - before[i]!.data[j]!)));
        expect(moved, `${names[i]} moved`).toBeGreaterThan(c.momentum > 0.9 ? 1e-4 : 1e-2);
      });
      // Every other weight too.
      const all = model.getWeights();
      const tfAll = tfModel.layers.flatMap(tfWeightsOf);
      all.forEach((w, i) => expectClose(w.data, tfAll[i]!, { rtol: 1e-4, atol: 1e-5, label: `weight ${i}` }));
      // Inference uses the moving statistics.
      const predicted = model.predict(x);
      const tfPredicted = tfModel.predict(tx) as tf.Tensor;
      expectClose(predicted.data, tfPredicted.dataSync(), { rtol: 1e-4, atol: 1e-5, label: 'predict after fit' });
      tfPredicted.dispose();
    } finally {
      tf.dispose([tx, ty]);
      tfModel.dispose();
      model.dispose();
    }
  });
});

// ─── Hostile arguments and shapes: a clear ShapeError or ValueError, never a wasm trap ───
// (Rows that build a model or add to one live in errors.test.ts, whose harness also checks that nothing changed.)

interface Hostile { what: string; call: () => unknown; error: typeof ShapeError | typeof ValueError; message: RegExp }

const HOSTILE: Hostile[] = [
  { what: 'Conv2D unknown padding', call: () => new Conv2D(2, 3, { padding: 'full' as never }), error: ValueError, message: /Conv2D\(\): padding must be "valid" or "same", got "full"/ },
  { what: "Conv2D padding 'causal' (Conv1D only)", call: () => new Conv2D(2, 3, { padding: 'causal' }), error: ValueError, message: /Conv2D\(\): padding must be "valid" or "same", got "causal"/ },
  { what: 'Conv2D zero kernel size', call: () => new Conv2D(2, [3, 0]), error: ValueError, message: /kernelSize\[1\] must be a positive integer, got 0/ },
  { what: 'Conv2D three kernel sizes', call: () => new Conv2D(2, [3, 3, 3] as never), error: ValueError, message: /kernelSize must be a positive integer or 2 of them/ },
  { what: 'MaxPooling2D zero strides', call: () => new MaxPooling2D(2, { strides: 0 }), error: ValueError, message: /MaxPooling2D\(\): strides\[0\] must be a positive integer, got 0/ },
  { what: 'AveragePooling1D unknown padding', call: () => new AveragePooling1D(2, { padding: 'causal' as never }), error: ValueError, message: /AveragePooling1D\(\): padding must be "valid" or "same", got "causal"/ },
  { what: 'Reshape with two -1', call: () => new Reshape([-1, -1]), error: ValueError, message: /Reshape\(\): targetShape \[-1, -1\] may have only one -1/ },
  { what: 'Reshape with a zero dimension', call: () => new Reshape([0, 3]), error: ValueError, message: /Reshape\(\): targetShape \[0, 3\] must hold positive integers/ },
  { what: 'BatchNormalization epsilon 0', call: () => new BatchNormalization({ epsilon: 0 }), error: ValueError, message: /BatchNormalization\(\): epsilon must be a positive finite number, got 0/ },
  { what: 'BatchNormalization momentum 1.5', call: () => new BatchNormalization({ momentum: 1.5 }), error: ValueError, message: /BatchNormalization\(\): momentum must be in \[0, 1\], got 1.5/ },
  { what: 'ZeroPadding2D negative padding', call: () => new ZeroPadding2D(-1), error: ValueError, message: /padding must be a non-negative integer, got -1/ },
  { what: "UpSampling2D interpolation 'bilinear'", call: () => new UpSampling2D(2, { interpolation: 'bilinear' as never }), error: ValueError, message: /UpSampling2D\(\): interpolation 'bilinear' is not supported yet; use 'nearest'/ },
  { what: 'UpSampling2D size 0', call: () => new UpSampling2D(0), error: ValueError, message: /UpSampling2D\(\): size\[0\] must be a positive integer, got 0/ },
  { what: 'DepthwiseConv2D depthMultiplier 0', call: () => new DepthwiseConv2D(3, { depthMultiplier: 0 }), error: ValueError, message: /depthMultiplier must be a positive integer, got 0/ },
  { what: 'SeparableConv2D strides and dilation both > 1', call: () => new SeparableConv2D(2, 3, { strides: 2, dilationRate: 2 }), error: ValueError, message: /cannot both exceed 1/ },
  {
    what: 'setWeights with a channels-first Conv2D kernel [filters, channels, kh, kw]',
    call: () => {
      const m = new Sequential([new Conv2D(4, [3, 2], { inputShape: [5, 5, 2] })]);
      try { m.setWeights([tensor(new Float32Array(48), [4, 2, 3, 2]), tensor(new Float32Array(4), [4])]); } finally { m.dispose(); }
    },
    error: ShapeError, message: /kernel must have shape \[3, 2, 2, 4\], got \[4, 2, 3, 2\]/,
  },
  {
    what: 'evaluate with flat rows on an image model',
    call: () => {
      const m = new Sequential([new Conv2D(2, 3, { inputShape: [5, 5, 1] }), new Flatten(), new Dense(1)]);
      m.compile({ optimizer: 'sgd', loss: 'mse' });
      try { return m.evaluate(tensor(new Float32Array(2 * 25), [2, 25]), tensor(new Float32Array(2), [2, 1])); } finally { m.dispose(); }
    },
    error: ShapeError, message: /x has samples of shape \[25\], but the model expects \[5, 5, 1\]/,
  },
  {
    what: 'predict with images of the wrong size',
    call: () => {
      const m = new Sequential([new Conv2D(2, 3, { inputShape: [5, 5, 1] })]);
      try { return m.predict(tensor(new Float32Array(2 * 4 * 5), [2, 4, 5, 1])); } finally { m.dispose(); }
    },
    error: ShapeError, message: /samples of shape \[4, 5, 1\], but the model expects \[5, 5, 1\]/,
  },
];

describe('hostile arguments to the new layers', () => {
  it.each(HOSTILE.map((h) => [h.what, h] as const))('%s', (_, h) => {
    let thrown: unknown;
    try {
      h.call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown, 'the call must throw').toBeInstanceOf(h.error);
    expect((thrown as Error).message).toMatch(h.message);
  });
});

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('what Keras and TensorFlow.js users write', () => {
  it("padding in any case ('SAME' is 'same', as Keras lowercases it); TensorFlow.js's { poolSize } form; Flatten's dataFormat; layer.countParams()", () => {
    const m = new Sequential([
      new Conv2D(4, 3, { inputShape: [6, 5, 2], padding: 'SAME' as 'same' }),
      new MaxPooling2D({ poolSize: [2, 1], strides: 2, padding: 'Valid' as 'valid' }),
      new Flatten({ dataFormat: 'channels_last' }),
      new Dense(3),
    ]);
    try {
      expect(m.layers.map((l) => l.outputShape)).toEqual([[null, 6, 5, 4], [null, 3, 3, 4], [null, 36], [null, 3]]);
      expect((m.layers[0] as Conv2D).padding).toBe('same');
      expect(m.layers.map((l) => l.countParams())).toEqual([3 * 3 * 2 * 4 + 4, 0, 0, 36 * 3 + 3]);
      expect(() => new MaxPooling2D({ poolSize: 2 }, { strides: 1 })).toThrow(/give the pool size first and the options second, or one options object, not both/);
      expect(() => new MaxPooling2D(2, { poolSize: 3 } as never)).toThrow(/the pool size is given twice/);
      expect(() => new Flatten({ dataFormat: 'channelsFirst' as never })).toThrow(/dataFormat "channelsFirst" is not supported/);
    } finally {
      m.dispose();
    }
  });
});
