// The benchmark model, an MLP 784 → hidden relu layers → 10 softmax trained with Adam (Keras's defaults) on
// cross-entropy, no metrics, built alike in neurasm, TensorFlow.js and jax-js from one set of starting weights.
// Each library trains the way its users would: neurasm and TensorFlow.js through `fit`, jax-js through a
// training step (forward, loss, gradient, Adam) under one `jit`, since it has no fit and its optax is not on npm.
import { jit, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax';
import { Adam, Dense, Sequential, tensor, type Tensor } from '../src/index.js';
import { CLASSES, PIXELS, type Digits } from './digits.js';
import { onTf, tf, type TfBackend } from './peers.js';

export const ADAM = { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Floating-point operations to train on one sample: forward, weight gradients, input gradients but the first layer's. */
export function trainFlopsPerSample(hidden: readonly number[]): number {
  const dims = [PIXELS, ...hidden, CLASSES];
  let macs = 0;
  for (let i = 0; i + 1 < dims.length; i++) macs += dims[i]! * dims[i + 1]! * (i === 0 ? 2 : 3);
  return 2 * macs;
}

/** neurasm: the MLP compiled with Adam and sparse categorical cross-entropy (class indices, as Keras users do). */
export function neurasmMlp(hidden: readonly number[], seed = 1): Sequential {
  const model = new Sequential([
    ...hidden.map((units, i) => new Dense(units, i === 0 ? { inputDim: PIXELS, activation: 'relu' } : { activation: 'relu' })),
    new Dense(CLASSES, { activation: 'softmax' }),
  ], { seed });
  model.compile({ optimizer: new Adam(ADAM), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

/** One epoch of neurasm's `fit`; resolves to the epoch's mean loss. */
export async function neurasmEpoch(model: Sequential, x: Tensor, labels: Float32Array, batchSize: number): Promise<number> {
  const history = await model.fit(x, labels, { epochs: 1, batchSize, shuffle: true, verbose: 0 });
  return history.history.loss!.at(-1)!;
}

/** The inputs of `neurasmEpoch` for a set of digits. */
export function neurasmData(d: Digits): { x: Tensor; labels: Float32Array } {
  return { x: tensor(d.x, [d.rows, PIXELS]), labels: Float32Array.from(d.labels) };
}

/**
 * TensorFlow.js: the same layers on `backend`, with `weights` (neurasm's `getWeights()` order: kernel, bias, …).
 * Categorical cross-entropy on one-hot targets: its sparse loss one-hot encodes inside every step anyway.
 */
export async function tfMlp(backend: TfBackend, hidden: readonly number[], weights: readonly Tensor[]): Promise<tf.Sequential> {
  return onTf(backend, () => {
    const model = tf.sequential({
      layers: [
        ...hidden.map((units, i) => tf.layers.dense(i === 0 ? { units, inputShape: [PIXELS], activation: 'relu' } : { units, activation: 'relu' })),
        tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(ADAM.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon), loss: 'categoricalCrossentropy' });
    tf.tidy(() => model.setWeights(weights.map((w) => tf.tensor(w.data, [...w.shape]))));
    return model;
  });
}

/** The inputs of `tfEpoch`, on `backend`. */
export async function tfData(backend: TfBackend, d: Digits): Promise<{ x: tf.Tensor2D; y: tf.Tensor2D }> {
  return onTf(backend, () => ({ x: tf.tensor2d(d.x, [d.rows, PIXELS]), y: tf.tensor2d(d.oneHot, [d.rows, CLASSES]) }));
}

/** One epoch of TensorFlow.js's `fit` with neurasm's settings; resolves to the epoch's mean loss. */
export async function tfEpoch(model: tf.Sequential, data: { x: tf.Tensor2D; y: tf.Tensor2D }, batchSize: number): Promise<number> {
  const history = await model.fit(data.x, data.y, { epochs: 1, batchSize, shuffle: true, verbose: 0 });
  return history.history.loss!.at(-1) as number;
}

// ─── jax-js ───

/** One layer's weights as jax-js arrays. */
export type JaxLayer = { w: np.Array; b: np.Array };
export type JaxParams = JaxLayer[];
export type JaxAdam = { m: JaxParams; v: JaxParams; beta1Power: np.Array; beta2Power: np.Array };

/** Mean categorical cross-entropy of the MLP's softmax output, from the logits (log-softmax). */
function jaxLoss(params: JaxParams, x: np.Array, y: np.Array): np.Array {
  const rows = x.shape[0]!;
  let h = x;
  params.forEach((layer, i) => {
    const z = np.matmul(h, layer.w).add(layer.b);
    h = i < params.length - 1 ? nn.relu(z) : z;
  });
  return nn.logSoftmax(h, -1).mul(y).sum().mul(-1 / rows);
}

/**
 * One Adam step in Keras's form (`alpha = lr·√(1−β2ᵗ)/(1−β1ᵗ); w −= alpha·m/(√v + ε)`).
 * NOTE: jax-js arrays are moved into every call that takes them: `.ref` marks each use but the last.
 */
function jaxTrainStep(params: JaxParams, state: JaxAdam, x: np.Array, y: np.Array): [JaxParams, JaxAdam, np.Array] {
  const [loss, grads] = valueAndGrad(jaxLoss)(tree.ref(params), x, y);
  return [...jaxAdam(params, state, grads), loss];
}

/** Adam's update of every layer's w and b from their gradients (the MLP's and the CNNs' steps share it). */
export function jaxAdam(params: JaxParams, state: JaxAdam, grads: JaxParams): [JaxParams, JaxAdam] {
  const { learningRate: lr, beta1, beta2, epsilon } = ADAM;
  const beta1Power = state.beta1Power.mul(beta1);
  const beta2Power = state.beta2Power.mul(beta2);
  const alpha = np.sqrt(beta2Power.ref.mul(-1).add(1)).mul(lr).div(beta1Power.ref.mul(-1).add(1));
  const next: JaxParams = [], m: JaxParams = [], v: JaxParams = [];
  params.forEach((layer, i) => {
    const update = (key: 'w' | 'b') => {
      const g = grads[i]![key];
      const mk = state.m[i]![key].mul(beta1).add(g.ref.mul(1 - beta1));
      const vk = state.v[i]![key].mul(beta2).add(g.ref.mul(g).mul(1 - beta2));
      const wk = layer[key].sub(alpha.ref.mul(mk.ref).div(np.sqrt(vk.ref).add(epsilon)));
      return [wk, mk, vk] as const;
    };
    const [w, mw, vw] = update('w');
    const [b, mb, vb] = update('b');
    next.push({ w, b });
    m.push({ w: mw, b: mb });
    v.push({ w: vw, b: vb });
  });
  alpha.dispose();
  return [next, { m, v, beta1Power, beta2Power }];
}

/** jax-js: the MLP's parameters and Adam state, trained batch by batch with the jitted step. */
export class JaxMlp {
  private params: JaxParams;
  private state: JaxAdam;
  private readonly step = jit(jaxTrainStep);

  /** `weights` in neurasm's `getWeights()` order: kernel, bias, kernel, bias, … */
  constructor(weights: readonly Tensor[]) {
    const layers = (make: (w: Tensor) => np.Array): JaxParams => {
      const out: JaxParams = [];
      for (let i = 0; i < weights.length; i += 2) out.push({ w: make(weights[i]!), b: make(weights[i + 1]!) });
      return out;
    };
    this.params = layers((w) => np.array(w.data.slice()).reshape([...w.shape]));
    this.state = { m: layers((w) => np.zeros([...w.shape])), v: layers((w) => np.zeros([...w.shape])), beta1Power: np.array(1), beta2Power: np.array(1) };
  }

  /**
   * One shuffled pass over `d`; resolves to the epoch's mean loss. Each step's result is awaited before the
   * next is queued, as a training loop must (otherwise work piles up and the timing ends before it does).
   */
  async epoch(d: Digits, batchSize: number): Promise<number> {
    const order = new Int32Array(d.rows).map((_, i) => i);
    for (let i = d.rows - 1; i > 0; i--) { // Math.random, like TensorFlow.js's shuffle
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let lossSum = 0;
    for (let start = 0; start < d.rows; start += batchSize) {
      const rows = Math.min(batchSize, d.rows - start);
      const xb = new Float32Array(rows * PIXELS);
      const yb = new Float32Array(rows * CLASSES);
      for (let r = 0; r < rows; r++) {
        const s = order[start + r]!;
        xb.set(d.x.subarray(s * PIXELS, (s + 1) * PIXELS), r * PIXELS);
        yb.set(d.oneHot.subarray(s * CLASSES, (s + 1) * CLASSES), r * CLASSES);
      }
      const [params, state, loss] = this.step(this.params, this.state, np.array(xb).reshape([rows, PIXELS]), np.array(yb).reshape([rows, CLASSES]));
      this.params = params;
      this.state = state;
      await loss.blockUntilReady();
      lossSum += loss.item() * rows;
    }
    return lossSum / d.rows;
  }

  dispose(): void {
    tree.dispose(this.params);
    tree.dispose(this.state);
    this.step.dispose();
  }
}
