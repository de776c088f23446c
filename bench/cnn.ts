// The benchmark CNNs on 28×28×1 digits, described once as a list of layers and built alike in neurasm,
// TensorFlow.js and jax-js from one set of starting weights (neurasm's), trained with Adam (Keras's defaults) on
// cross-entropy. As in mlp.ts, neurasm and TensorFlow.js train through `fit`, jax-js through one jitted step.
import { jit, lax, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax';
import { Adam, Conv2D, Dense, Flatten, MaxPooling2D, Sequential } from '../src/index.js';
import { CLASSES, type Digits } from './digits.js';
import { ADAM, jaxAdam, type JaxAdam, type JaxParams } from './mlp.js';
import { convKernelOihw, type LayerSpec, type Weight } from './onnx.js';
import { onTf, tf, type TfBackend } from './peers.js';

export const IMAGE = [28, 28, 1] as const;

/** The TensorFlow.js tutorial CNN. */
export const TUTORIAL_CNN: readonly LayerSpec[] = [
  { kind: 'conv2d', filters: 8, kernelSize: 5, padding: 'valid', activation: 'relu' },
  { kind: 'maxPooling2d', poolSize: 2 },
  { kind: 'conv2d', filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' },
  { kind: 'maxPooling2d', poolSize: 2 },
  { kind: 'flatten' },
  { kind: 'dense', units: CLASSES, activation: 'softmax' },
];

/** The heavier CNN of issue 10. */
export const HEAVY_CNN: readonly LayerSpec[] = [
  { kind: 'conv2d', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' },
  { kind: 'maxPooling2d', poolSize: 2 },
  { kind: 'conv2d', filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' },
  { kind: 'maxPooling2d', poolSize: 2 },
  { kind: 'flatten' },
  { kind: 'dense', units: 128, activation: 'relu' },
  { kind: 'dense', units: CLASSES, activation: 'softmax' },
];

/** Multiply-adds per sample of each conv and dense layer, in order, on inputs of `inputShape` ([h, w, c] or [n]). */
export function layerMacs(inputShape: readonly number[], layers: readonly LayerSpec[]): number[] {
  let shape = [...inputShape];
  const macs: number[] = [];
  for (const l of layers) {
    if (l.kind === 'conv2d') {
      const [h, w, c] = shape as [number, number, number];
      const s = l.strides ?? 1;
      const out = (n: number) => (l.padding === 'same' ? Math.ceil(n / s) : Math.floor((n - l.kernelSize) / s) + 1);
      shape = [out(h), out(w), l.filters];
      macs.push(shape[0]! * shape[1]! * l.filters * l.kernelSize * l.kernelSize * c);
    } else if (l.kind === 'maxPooling2d') {
      shape = [Math.floor(shape[0]! / l.poolSize), Math.floor(shape[1]! / l.poolSize), shape[2]!];
    } else if (l.kind === 'flatten') {
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else {
      macs.push(shape[0]! * l.units);
      shape = [l.units];
    }
  }
  return macs;
}

/** FLOPs of one forward pass of one sample. */
export function forwardFlopsPerSample(inputShape: readonly number[], layers: readonly LayerSpec[]): number {
  return 2 * layerMacs(inputShape, layers).reduce((a, b) => a + b, 0);
}

/** FLOPs to train on one sample: forward, weight gradients, and input gradients for all but the first layer. */
export function trainFlopsPerSample(inputShape: readonly number[], layers: readonly LayerSpec[]): number {
  return 2 * layerMacs(inputShape, layers).reduce((sum, m, i) => sum + m * (i === 0 ? 2 : 3), 0);
}

/** A short description: 'conv 8 5×5 valid → pool 2 → … → dense 10'. */
export function describe(layers: readonly LayerSpec[]): string {
  return layers.map((l) =>
    l.kind === 'conv2d' ? `conv ${l.filters} ${l.kernelSize}×${l.kernelSize} ${l.padding}` :
    l.kind === 'maxPooling2d' ? `pool ${l.poolSize}` : l.kind === 'flatten' ? 'flatten' : `dense ${l.units}`).join(' → ');
}

// ─── neurasm ───

/** neurasm: the CNN compiled with Adam and sparse categorical cross-entropy. */
export function neurasmCnn(layers: readonly LayerSpec[], seed = 1): Sequential {
  const model = new Sequential(layers.map((l, i) => {
    const first = i === 0 ? { inputShape: [...IMAGE] } : {};
    if (l.kind === 'conv2d') return new Conv2D(l.filters, l.kernelSize, { ...first, strides: l.strides ?? 1, padding: l.padding, activation: l.activation });
    if (l.kind === 'maxPooling2d') return new MaxPooling2D(l.poolSize);
    if (l.kind === 'flatten') return new Flatten();
    return new Dense(l.units, { activation: l.activation });
  }), { seed });
  model.compile({ optimizer: new Adam(ADAM), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

// ─── TensorFlow.js ───

/** TensorFlow.js: the same layers on `backend` with `weights` (Keras order and layout, as neurasm's). */
export async function tfCnn(backend: TfBackend, layers: readonly LayerSpec[], weights: readonly Weight[]): Promise<tf.Sequential> {
  return onTf(backend, () => {
    const model = tf.sequential({
      layers: layers.map((l, i) => {
        const first = i === 0 ? { inputShape: [...IMAGE] } : {};
        if (l.kind === 'conv2d') return tf.layers.conv2d({ ...first, filters: l.filters, kernelSize: l.kernelSize, strides: l.strides ?? 1, padding: l.padding, activation: l.activation });
        if (l.kind === 'maxPooling2d') return tf.layers.maxPooling2d({ poolSize: l.poolSize, strides: l.poolSize });
        if (l.kind === 'flatten') return tf.layers.flatten();
        return tf.layers.dense({ units: l.units, activation: l.activation });
      }),
    });
    model.compile({ optimizer: tf.train.adam(ADAM.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon), loss: 'categoricalCrossentropy' });
    tf.tidy(() => model.setWeights(weights.map((w) => tf.tensor(w.data, [...w.shape]))));
    return model;
  });
}

/** The digits as TensorFlow.js tensors on `backend`: images [rows, 28, 28, 1] and one-hot labels. */
export async function tfImages(backend: TfBackend, d: Digits): Promise<{ x: tf.Tensor4D; y: tf.Tensor2D }> {
  return onTf(backend, () => ({ x: tf.tensor4d(d.x, [d.rows, ...IMAGE]), y: tf.tensor2d(d.oneHot, [d.rows, CLASSES]) }));
}

// ─── jax-js ───


/**
 * The logits of the CNN in jax-js, on images in NCHW (the layout `lax.convGeneralDilated` takes; for one channel
 * the same floats as NHWC). Pooling reshapes each 2×2 window onto its own axes and takes their max; before
 * Flatten the activations go back to NHWC so that the Dense kernels are Keras's as they are.
 */
function jaxLogits(layers: readonly LayerSpec[], params: JaxParams, x: np.Array): np.Array {
  let h = x;
  let p = 0;
  for (const l of layers) {
    if (l.kind === 'conv2d') {
      const { w, b } = params[p++]!;
      const s = l.strides ?? 1;
      h = lax.convGeneralDilated(h, w, [s, s], l.padding === 'same' ? 'SAME' : 'VALID').add(b.reshape([1, l.filters, 1, 1]));
      if (l.activation === 'relu') h = nn.relu(h);
    } else if (l.kind === 'maxPooling2d') {
      const [n, c, height, width] = h.shape as [number, number, number, number];
      const k = l.poolSize;
      h = h.reshape([n, c, height / k, k, width / k, k]).max([3, 5]);
    } else if (l.kind === 'flatten') {
      h = h.ndim === 4 ? h.transpose([0, 2, 3, 1]) : h;
      h = h.reshape([h.shape[0]!, -1]);
    } else {
      const { w, b } = params[p++]!;
      h = np.matmul(h, w).add(b);
      if (l.activation === 'relu') h = nn.relu(h);
    }
  }
  return h;
}

/**
 * jax-js: a model of `layers` (a CNN, or Dense layers alone on flat inputs), its parameters and Adam state,
 * trained batch by batch with one jitted step; predicts under jit.
 */
export class JaxSequential {
  private params: JaxParams;
  private state: JaxAdam;
  private readonly step;
  private readonly forward;

  /** `inputShape` without the batch ([h, w, c] or [n]); `weights` in neurasm's order and Keras's layout (conv kernels become OIHW here, once). */
  constructor(private readonly inputShape: readonly number[], layers: readonly LayerSpec[], weights: readonly Weight[]) {
    this.params = [];
    for (let i = 0; i < weights.length; i += 2) {
      const w = weights[i]!.shape.length === 4 ? convKernelOihw(weights[i]!) : weights[i]!;
      this.params.push({ w: np.array(w.data.slice()).reshape([...w.shape]), b: np.array(weights[i + 1]!.data.slice()) });
    }
    const zeros = () => this.params.map(({ w, b }) => ({ w: np.zeros([...w.shape]), b: np.zeros([...b.shape]) }));
    this.state = { m: zeros(), v: zeros(), beta1Power: np.array(1), beta2Power: np.array(1) };
    this.forward = jit((p: JaxParams, x: np.Array) => nn.softmax(jaxLogits(layers, p, x), -1));
    this.step = jit((p: JaxParams, s: JaxAdam, x: np.Array, y: np.Array) => jaxTrainStep(layers, p, s, x, y));
  }

  /** `rows` inputs as the model takes them: images (NHWC floats with one channel) as NCHW, the same floats. */
  input(x: Float32Array, rows: number): np.Array {
    const [h, w, c] = this.inputShape;
    if (c === undefined) return np.array(x).reshape([rows, ...this.inputShape]);
    if (c !== 1) throw new Error('bench: JaxSequential takes one-channel images (NHWC and NCHW are then the same floats)');
    return np.array(x).reshape([rows, c, h!, w!]);
  }

  /** Softmax probabilities for an `input()`, row-major; the input stays alive for the next call. */
  async predict(x: np.Array): Promise<Float32Array> {
    const y = this.forward(tree.ref(this.params), x.ref);
    return (await y.data()) as Float32Array;
  }

  /** Trains on the first `rows` of `d` (shuffled), batch by batch, each step awaited; resolves to the mean loss. */
  async train(d: Digits, rows: number, batchSize: number): Promise<number> {
    const pixels = this.inputShape.reduce((a, b) => a * b, 1);
    const order = new Int32Array(rows).map((_, i) => i);
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let lossSum = 0;
    for (let start = 0; start < rows; start += batchSize) {
      const n = Math.min(batchSize, rows - start);
      const xb = new Float32Array(n * pixels);
      const yb = new Float32Array(n * CLASSES);
      for (let r = 0; r < n; r++) {
        const s = order[start + r]!;
        xb.set(d.x.subarray(s * pixels, (s + 1) * pixels), r * pixels);
        yb.set(d.oneHot.subarray(s * CLASSES, (s + 1) * CLASSES), r * CLASSES);
      }
      const [params, state, loss] = this.step(this.params, this.state, this.input(xb, n), np.array(yb).reshape([n, CLASSES]));
      this.params = params;
      this.state = state;
      await loss.blockUntilReady();
      lossSum += loss.item() * n;
    }
    return lossSum / rows;
  }

  dispose(): void {
    tree.dispose(this.params);
    tree.dispose(this.state);
    this.step.dispose();
    this.forward.dispose();
  }
}

/** One Adam step in Keras's form, as in mlp.ts; jax-js arrays are moved into calls, `.ref` marks all uses but the last. */
function jaxTrainStep(layers: readonly LayerSpec[], params: JaxParams, state: JaxAdam, x: np.Array, y: np.Array): [JaxParams, JaxAdam, np.Array] {
  const loss = (p: JaxParams, xs: np.Array, ys: np.Array) => {
    const rows = xs.shape[0]!;
    return nn.logSoftmax(jaxLogits(layers, p, xs), -1).mul(ys).sum().mul(-1 / rows);
  };
  const [value, grads] = valueAndGrad(loss)(tree.ref(params), x, y);
  return [...jaxAdam(params, state, grads), value];
}
