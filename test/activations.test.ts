// The activations from the user's side: every row of ACTIVATIONS through `activations.*` against TensorFlow.js
// (cpu backend) where TF.js has the same function, else against a float64 formula of Keras 3's; the standalone
// functions' options and errors; the activation layers (ReLU, LeakyReLU, ELU, Softmax, PReLU) forward and
// gradients against TF.js on the same weights or against float64 and finite differences; saving and loading.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Activation, Dense, ELU, LeakyReLU, PReLU, ReLU, Sequential, Softmax, ValueError, ShapeError, activations, loadModel,
  modelFromJSON, tensor, type Layer, type Tensor,
} from '../src/index.js';
import { ACTIVATIONS } from '../src/activations.js';
import { ACTIVATION_REFS, disposeAfterEach, expectClose, logSoftmaxRef, mulberry32, randn, softmaxRef, uniform, type ElementwiseActivation } from './helpers.js';

const own = disposeAfterEach();
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** Two float32 implementations of the same formula (each a few ulps off): agreement to this. */
const TF_TOL = { rtol: 2e-5, atol: 1e-6 };
const F64_TOL = { rtol: 2e-6, atol: 1e-7 };

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
  await tf.ready();
});

// ─── Every table row, through the standalone functions ───

const ROWS = 4, COLS = 9;
const X = randn(ROWS * COLS, mulberry32(1), 3);
X.set([0, -1e-3, 1e-3, 2.5, -2.5, 7, -7, 5.9, 6.1, -3.1, 3.1]);
const XS = tensor(X, [ROWS, COLS]);

const tfOf = (f: (x: tf.Tensor) => tf.Tensor) => (): Float32Array => tf.tidy(() => f(tf.tensor(X, [ROWS, COLS])).dataSync() as Float32Array);
const tfLayerActivation = (name: string) => tfOf((x) => tf.layers.activation({ activation: name as never }).apply(x) as tf.Tensor);

/** TF.js's same function, where it has one (its hardSigmoid is 0.2x + 0.5, not Keras 3's: not used). */
const TF_REFERENCES: Partial<Record<keyof typeof ACTIVATIONS, () => Float32Array>> = {
  linear: tfOf((x) => x),
  relu: tfOf(tf.relu),
  relu6: tfOf(tf.relu6),
  sigmoid: tfOf(tf.sigmoid),
  tanh: tfOf(tf.tanh),
  softmax: tfOf((x) => tf.softmax(x)),
  logSoftmax: tfOf((x) => tf.logSoftmax(x)),
  leakyRelu: tfOf((x) => tf.leakyRelu(x, 0.2)),
  elu: tfOf(tf.elu),
  selu: tfOf(tf.selu),
  softplus: tfOf(tf.softplus),
  logSigmoid: tfOf(tf.logSigmoid),
  exponential: tfOf(tf.exp),
  swish: tfLayerActivation('swish'),
  mish: tfLayerActivation('mish'),
  softsign: tfLayerActivation('softsign'),
  gelu: tfLayerActivation('gelu'),
  geluApproximate: tfLayerActivation('gelu_new'),
};

/** The standalone function of each row. */
const STANDALONE: Record<keyof typeof ACTIVATIONS, (x: Tensor) => Tensor> = {
  linear: (x) => activations.linear(x), relu: (x) => activations.relu(x), relu6: (x) => activations.relu6(x),
  sigmoid: (x) => activations.sigmoid(x), tanh: (x) => activations.tanh(x), softmax: (x) => activations.softmax(x),
  logSoftmax: (x) => activations.logSoftmax(x), leakyRelu: (x) => activations.leakyRelu(x), elu: (x) => activations.elu(x),
  selu: (x) => activations.selu(x), gelu: (x) => activations.gelu(x), geluApproximate: (x) => activations.gelu(x, { approximate: true }),
  swish: (x) => activations.swish(x), softplus: (x) => activations.softplus(x), hardSigmoid: (x) => activations.hardSigmoid(x),
  hardSwish: (x) => activations.hardSwish(x), softsign: (x) => activations.softsign(x), mish: (x) => activations.mish(x),
  logSigmoid: (x) => activations.logSigmoid(x), exponential: (x) => activations.exponential(x), celu: (x) => activations.celu(x),
};

const ALPHA: Record<string, number> = { leakyRelu: 0.2, elu: 1, celu: 1 };
function float64Of(name: keyof typeof ACTIVATIONS): Float64Array {
  if (name === 'softmax') return softmaxRef(X, ROWS, COLS);
  if (name === 'logSoftmax') return logSoftmaxRef(X, ROWS, COLS);
  const ref = ACTIVATION_REFS[name as ElementwiseActivation];
  return Float64Array.from(X, (v) => ref.f(v, ALPHA[name] ?? 0));
}

describe('every activation of the table', () => {
  const names = Object.keys(ACTIVATIONS) as Array<keyof typeof ACTIVATIONS>;

  it.each(names)('%s: the standalone function equals the table kernels, TF.js where it has the function, and float64', (name) => {
    const ours = STANDALONE[name](XS);
    expect(ours.shape).toEqual([ROWS, COLS]);
    // The same bits as the row's forward kernel, which layers fuse.
    const viaLayer = own(new Sequential([new Activation(name, { inputShape: [COLS] })])).predict(XS);
    expect(Array.from(ours.data)).toEqual(Array.from(viaLayer.data));
    const tfRef = TF_REFERENCES[name];
    if (tfRef) expectClose(ours.data, tfRef(), { ...TF_TOL, label: `${name} vs TF.js` });
    expectClose(ours.data, float64Of(name), { ...F64_TOL, atol: name === 'exponential' ? 0 : 1e-6, label: `${name} vs float64` });
  });

  it("hardSigmoid is Keras 3's relu6(x + 3)/6, not TF.js's 0.2x + 0.5", () => {
    const ours = activations.hardSigmoid([-3, -1, 0, 1, 2.5, 3]).data;
    expectClose(ours, [0, 1 / 3, 0.5, 2 / 3, 11 / 12, 1], { rtol: 1e-6 });
    const theirs = tf.tidy(() => tf.layers.activation({ activation: 'hardSigmoid' }).apply(tf.tensor([1])) as tf.Tensor).dataSync();
    expect(theirs[0]).toBeCloseTo(0.7, 6); // the formula neurasm does not follow
  });

  it("'gelu' is the exact erf form (Keras 3's default approximate=False); the tanh form is geluApproximate / gelu_new", () => {
    const x = [-2, -0.5, 0.5, 1, 3];
    const exact = activations.gelu(x).data;
    const approx = activations.gelu(x, { approximate: true }).data;
    expectClose(exact, float64OfList('gelu', x), F64_TOL);
    expectClose(approx, float64OfList('geluApproximate', x), F64_TOL);
    expect(Math.max(...Array.from(exact, (v, i) => Math.abs(v - approx[i]!)))).toBeGreaterThan(1e-4);
    const m = own(new Sequential([new Dense(2, { inputDim: 2, activation: 'gelu_new' })]));
    expect((m.layers[0] as Dense).activation).toBe('geluApproximate');
    expect(new Activation('hard_silu').activation).toBe('hardSwish');
    expect(new Activation('log_softmax').activation).toBe('logSoftmax');
  });
});

function float64OfList(name: ElementwiseActivation, x: number[], alpha = 0): number[] {
  return x.map((v) => ACTIVATION_REFS[name].f(Math.fround(v), alpha));
}

// ─── Standalone functions: options and errors ───

describe('activations.* options', () => {
  it("relu's maxValue, negativeSlope and threshold as Keras's relu computes them", () => {
    const x = [-3, -1, -0.25, 0, 0.25, 0.75, 1.5, 4, 9];
    const keras = (v: number, max: number, slope: number, th: number) => (v > th ? Math.min(v, max) : slope * (v - th));
    for (const [max, slope, th] of [[6, 0, 0], [Infinity, 0.1, 0], [2, 0.5, 0.5], [Infinity, 0, 1]] as const) {
      const got = activations.relu(x, { maxValue: max === Infinity ? undefined : max, negativeSlope: slope, threshold: th }).data;
      expectClose(got, x.map((v) => keras(v, max, slope, th)), { rtol: 1e-6, label: `relu(${max}, ${slope}, ${th})` });
    }
    const clipped = tf.tidy(() => tf.clipByValue(tf.relu(tf.tensor(x)), 0, 2).dataSync());
    expectClose(activations.relu(x, { maxValue: 2 }).data, clipped, { rtol: 0 });
  });

  it('leakyRelu, elu and celu take their parameter (Keras defaults 0.2, 1, 1)', () => {
    const x = Array.from(uniform(13, mulberry32(3), -4, 4));
    const theirs = tf.tidy(() => tf.leakyRelu(tf.tensor(x), 0.05).dataSync());
    expectClose(activations.leakyRelu(x, { negativeSlope: 0.05 }).data, theirs, { rtol: 1e-6 });
    expectClose(activations.elu(x, { alpha: 0.5 }).data, float64OfList('elu', x, 0.5), F64_TOL);
    expectClose(activations.celu(x, { alpha: 2 }).data, float64OfList('celu', x, 2), F64_TOL);
    expectClose(activations.celu(x).data, float64OfList('celu', x, 1), F64_TOL);
  });

  it('softmax and logSoftmax over any axis of the tensor', () => {
    const shape = [2, 3, 4];
    const x = randn(24, mulberry32(9), 2);
    const t = tensor(x, shape);
    for (const axis of [0, 1, 2, -1, -2, -3]) {
      const at = axis < 0 ? 3 + axis : axis;
      // Move the axis last, take row-wise references, move it back.
      const perm = [0, 1, 2].filter((d) => d !== at).concat(at);
      const moved = tf.tidy(() => tf.transpose(tf.tensor(x, shape), perm).dataSync());
      const cols = shape[at]!;
      const inverse = perm.map((_, i) => perm.indexOf(i));
      const back = (y: ArrayLike<number>) => tf.tidy(() => tf.transpose(tf.tensor(Float32Array.from(y), perm.map((d) => shape[d]!)), inverse).dataSync());
      expectClose(activations.softmax(t, { axis }).data, back(softmaxRef(moved, 24 / cols, cols)), { rtol: 1e-6, atol: 1e-7, label: `softmax axis ${axis}` });
      expectClose(activations.logSoftmax(t, { axis }).data, back(logSoftmaxRef(moved, 24 / cols, cols)), { rtol: 1e-6, atol: 1e-6, label: `logSoftmax axis ${axis}` });
    }
    // Numerically stable: large logits give finite values.
    const big = activations.logSoftmax([[1000, 0, -1000]]).data;
    expectClose(big, [0, -1000, -2000], { rtol: 1e-6 });
  });

  it('return a new tensor of the input shape and keep the input unchanged', () => {
    const input = [[1, -2], [3, -4]];
    const y = activations.relu(input);
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.data)).toEqual([1, 0, 3, 0]);
    expect(input).toEqual([[1, -2], [3, -4]]);
    expect(Array.from(activations.sigmoid(new Float32Array(0)).data)).toEqual([]);
  });

  it.each([
    ['NaN in x', () => activations.relu([1, Number.NaN]), /activations\.relu\(\).*x/],
    ['Infinity in x', () => activations.softmax([[1, Infinity]]), /activations\.softmax\(\)/],
    ['an unknown option', () => activations.relu([1], { max: 3 } as never), /activations\.relu\(\): unknown option 'max'/],
    ['an option on a function without options', () => activations.tanh([1], { alpha: 1 } as never), /activations\.tanh\(\): unknown option 'alpha'/],
    ['a negative maxValue', () => activations.relu([1], { maxValue: -1 }), /activations\.relu\(\): maxValue/],
    ['a negative slope', () => activations.leakyRelu([1], { negativeSlope: -0.1 }), /negativeSlope/],
    ['celu alpha 0', () => activations.celu([1], { alpha: 0 }), /activations\.celu\(\): alpha/],
    ['an axis out of range', () => activations.softmax([[1, 2]], { axis: 2 }), /activations\.softmax\(\): axis/],
    ['a fractional axis', () => activations.logSoftmax([[1, 2]], { axis: 0.5 }), /axis/],
    ['approximate not a boolean', () => activations.gelu([1], { approximate: 'yes' as never }), /approximate/],
    ['a string for x', () => activations.mish('1' as never), /activations\.mish\(\)/],
  ])('reject %s with a ValueError naming the call', (_, call, message) => {
    expect(call).toThrow(ValueError);
    expect(call).toThrow(message);
  });
});

// ─── The layers against TensorFlow.js ───

type TfLayer = tf.LayersModel['layers'][number];

interface LayerCase {
  name: string;
  /** One sample's shape. */
  input: number[];
  ours: () => Layer;
  /** TF.js's same layer, if TF.js computes the same thing. */
  theirs?: () => TfLayer;
  /** Else a float64 reference of the layer on one batch: x [batch, ...input], the layer's weights. */
  ref?: (x: Float32Array, weights: Float32Array[]) => Float64Array;
}

const BATCH = 3;
const FRONT = 6; // a Dense in front, so the layer's input gradient shows in the Dense's weight gradients

function softmaxAlong(x: Float32Array, outer: number, size: number, inner: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => (o * size + j) * inner + i;
      let m = -Infinity;
      for (let j = 0; j < size; j++) m = Math.max(m, x[at(j)]!);
      let s = 0;
      for (let j = 0; j < size; j++) s += Math.exp(x[at(j)]! - m);
      for (let j = 0; j < size; j++) y[at(j)] = Math.exp(x[at(j)]! - m) / s;
    }
  }
  return y;
}

const LAYER_CASES: LayerCase[] = [
  { name: 'ReLU()', input: [FRONT], ours: () => new ReLU(), theirs: () => tf.layers.reLU() },
  { name: 'ReLU({ maxValue: 0.5 })', input: [FRONT], ours: () => new ReLU({ maxValue: 0.5 }), theirs: () => tf.layers.reLU({ maxValue: 0.5 }) },
  {
    name: 'ReLU({ maxValue: 1, negativeSlope: 0.1, threshold: 0.2 })', input: [FRONT],
    ours: () => new ReLU({ maxValue: 1, negativeSlope: 0.1, threshold: 0.2 }),
    ref: (x) => Float64Array.from(x, (v) => (v > Math.fround(0.2) ? Math.min(v, 1) : Math.fround(0.1) * (v - Math.fround(0.2)))),
  },
  { name: 'LeakyReLU()', input: [FRONT], ours: () => new LeakyReLU(), theirs: () => tf.layers.leakyReLU() },
  { name: 'LeakyReLU({ negativeSlope: 0.05 })', input: [FRONT], ours: () => new LeakyReLU({ negativeSlope: 0.05 }), theirs: () => tf.layers.leakyReLU({ alpha: 0.05 }) },
  { name: 'ELU()', input: [FRONT], ours: () => new ELU(), theirs: () => tf.layers.elu() },
  {
    name: 'ELU({ alpha: 0.5 })', input: [FRONT], ours: () => new ELU({ alpha: 0.5 }), // TF.js refuses alpha ≠ 1
    ref: (x) => Float64Array.from(x, (v) => (v > 0 ? v : 0.5 * Math.expm1(v))),
  },
  { name: 'Softmax()', input: [FRONT], ours: () => new Softmax(), theirs: () => tf.layers.softmax({ axis: -1 }) },
  { name: 'Softmax() on [2, 3]', input: [2, 3], ours: () => new Softmax(), theirs: () => tf.layers.softmax({ axis: -1 }) },
  // TF.js's softmax supports only the last axis: float64 for the others.
  { name: 'Softmax({ axis: 1 }) on [2, 3]', input: [2, 3], ours: () => new Softmax({ axis: 1 }), ref: (x) => softmaxAlong(x, BATCH, 2, 3) },
  { name: 'Softmax({ axis: -2 }) on [2, 3, 2]', input: [2, 3, 2], ours: () => new Softmax({ axis: -2 }), ref: (x) => softmaxAlong(x, BATCH * 2, 3, 2) },
  { name: 'PReLU()', input: [FRONT], ours: () => new PReLU(), theirs: () => tf.layers.prelu() },
  { name: 'PReLU() on [2, 3]', input: [2, 3], ours: () => new PReLU(), theirs: () => tf.layers.prelu() },
  { name: 'PReLU({ sharedAxes: [1, 2] }) on [2, 2, 3]', input: [2, 2, 3], ours: () => new PReLU({ sharedAxes: [1, 2] }), theirs: () => tf.layers.prelu({ sharedAxes: [1, 2] }) },
  { name: 'PReLU({ sharedAxes: 2 }) on [2, 2, 3]', input: [2, 2, 3], ours: () => new PReLU({ sharedAxes: 2 }), theirs: () => tf.layers.prelu({ sharedAxes: [2] }) },
  { name: 'PReLU({ sharedAxes: [1, 3] }) on [2, 2, 3]', input: [2, 2, 3], ours: () => new PReLU({ sharedAxes: [1, 3] }), theirs: () => tf.layers.prelu({ sharedAxes: [1, 3] }) },
  { name: 'PReLU({ sharedAxes: 2 }) on [2, 3]', input: [2, 3], ours: () => new PReLU({ sharedAxes: 2 }), theirs: () => tf.layers.prelu({ sharedAxes: 2 }) },
];

/** [Dense(front units) → layer] on a sample shape whose last axis the Dense produces. */
function frontShape(c: LayerCase): number[] {
  return [...c.input.slice(0, -1), 4];
}

function randomWeights(model: Sequential, seed: number): Tensor[] {
  const rng = mulberry32(seed);
  return model.getWeights().map((w) => tensor(uniform(w.size, rng, -0.8, 0.8), w.shape));
}

describe.each(LAYER_CASES)('$name', (c) => {
  let model: Sequential;
  let weights: Tensor[];
  const inShape = frontShape(c);
  const xData = randn(BATCH * sizeOf(inShape), mulberry32(11), 1.5);
  const x = tensor(xData, [BATCH, ...inShape]);
  const y = tensor(randn(BATCH * sizeOf(c.input), mulberry32(12)), [BATCH, ...c.input]);

  beforeAll(() => {
    model = new Sequential([new Dense(c.input.at(-1)!, { inputShape: inShape }), c.ours()], { seed: 2 });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    weights = randomWeights(model, 7);
    model.setWeights(weights);
  });
  afterAll(() => model.dispose());

  it('forward and gradients match ' + (c.theirs ? 'TF.js on the same weights' : 'float64 and finite differences'), () => {
    const pred = model.predict(x);
    expect(pred.shape).toEqual([BATCH, ...c.input]);
    const { loss, gradients } = model.computeGradients(x, y);
    if (c.theirs) {
      const tfModel = tf.sequential({ layers: [tf.layers.dense({ units: c.input.at(-1)!, inputShape: inShape }), c.theirs()] });
      try {
        tfModel.setWeights(weights.map((w) => tf.tensor(w.data, [...w.shape])));
        const [tx, ty] = [tf.tensor(xData, [BATCH, ...inShape]), tf.tensor(y.data, [BATCH, ...c.input])];
        const theirs = tf.tidy(() => (tfModel.predict(tx) as tf.Tensor).dataSync());
        expectClose(pred.data, theirs, { rtol: 1e-5, atol: 1e-6, label: 'predict' });
        const vars = tfModel.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tfModel.apply(tx) as tf.Tensor, ty))) as tf.Scalar, vars);
        expect(loss).toBeCloseTo(value.dataSync()[0]!, 5);
        const ref = vars.map((v) => grads[v.name]!.dataSync());
        const scale = Math.max(...ref.flatMap((g) => Array.from(g, Math.abs)));
        expect(scale).toBeGreaterThan(1e-3);
        expect(gradients).toHaveLength(ref.length);
        gradients.forEach((g, i) => expectClose(g.data, ref[i]!, { rtol: 1e-4, atol: 1e-5 * scale, label: `gradient ${i}` }));
        tf.dispose([tx, ty, value, ...Object.values(grads)]);
      } finally {
        tfModel.dispose();
      }
    } else {
      const front = own(new Sequential([new Dense(c.input.at(-1)!, { inputShape: inShape })]));
      front.setWeights(weights.slice(0, 2));
      const z = front.predict(x).data;
      expectClose(pred.data, c.ref!(z, weights.slice(2).map((w) => w.data)), { rtol: 1e-5, atol: 1e-6, label: 'predict vs float64' });
    }
    // Central differences of neurasm's own loss in every weight (the Dense's carry the layer's input gradient).
    // A small step: ReLU with a threshold jumps there (from 0 to the threshold, as Keras's does).
    const h = 1e-3;
    const scale = Math.max(...gradients.flatMap((g) => Array.from(g.data, Math.abs)));
    weights.forEach((w, wi) => {
      for (let j = 0; j < w.size; j += Math.max(1, Math.floor(w.size / 5))) {
        const at = (v: number) => {
          model.setWeights(weights.map((t, i) => (i === wi ? tensor(Float32Array.from(t.data, (u, k) => (k === j ? v : u)), t.shape) : t)));
          return model.computeGradients(x, y).loss;
        };
        const fd = (at(w.data[j]! + h) - at(w.data[j]! - h)) / (2 * h);
        expect(Math.abs(fd - gradients[wi]!.data[j]!), `weight ${wi}[${j}]`).toBeLessThan(3e-3 * scale + 2e-3 * Math.abs(fd));
      }
    });
    model.setWeights(weights);
  });
});

describe('PReLU', () => {
  it("alpha has the sample's shape with 1 along sharedAxes, initialised by alphaInitializer", () => {
    const m = own(new Sequential([new PReLU({ inputShape: [4, 5, 3], sharedAxes: [1, 2], alphaInitializer: 'ones' })]));
    const [alpha] = m.getWeights();
    expect(alpha!.shape).toEqual([1, 1, 3]);
    expect(Array.from(alpha!.data)).toEqual([1, 1, 1]);
    expect(own(new Sequential([new PReLU({ inputShape: [4, 5] })])).getWeights()[0]!.shape).toEqual([4, 5]);
  });

  it('trains alpha (and its regularizer adds to the loss)', async () => {
    const m = own(new Sequential([new Dense(3, { inputDim: 2 }), new PReLU({ alphaRegularizer: { l2: 0.1 }, alphaInitializer: 'ones' })], { seed: 1 }));
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = m.getWeights()[2]!.data.slice();
    const x = [[1, -2], [-3, 0.5], [0.2, -1]];
    const { loss } = m.computeGradients(x, [[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
    expect(loss).toBeGreaterThan(0.1 * 3 - 1e-9); // ≥ the penalty 0.1·Σ1²
    await m.fit(x, [[0, 0, 1], [1, 0, 0], [0, 1, 0]], { epochs: 1, batchSize: 3, verbose: 0 });
    expect(Array.from(m.getWeights()[2]!.data)).not.toEqual(Array.from(before));
  });

  it('refuses a pattern of shared axes its kernel cannot view, and shared axes past the input', () => {
    expect(() => own(new Sequential([new PReLU({ inputShape: [2, 3, 4, 5], sharedAxes: [2, 4] })]))).toThrow(ShapeError);
    expect(() => own(new Sequential([new PReLU({ inputShape: [2, 3], sharedAxes: [3] })]))).toThrow(/shared axis 3 does not exist/);
  });
});

describe('the layers in a model', () => {
  it('Softmax() as the output fuses with categoricalCrossentropy like Activation(softmax) and trains the same', () => {
    const make = (last: Layer) => own(new Sequential([new Dense(3, { inputDim: 4 }), last], { seed: 5 }));
    const a = make(new Softmax());
    const b = make(new Activation('softmax'));
    const x = randn(8 * 4, mulberry32(2));
    const t = Array.from({ length: 8 }, (_, i) => i % 3);
    for (const m of [a, b]) m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const ga = a.computeGradients(tensor(x, [8, 4]), t);
    const gb = b.computeGradients(tensor(x, [8, 4]), t);
    expect(ga.loss).toBe(gb.loss);
    ga.gradients.forEach((g, i) => expect(Array.from(g.data)).toEqual(Array.from(gb.gradients[i]!.data)));
  });

  it.each([
    ['ReLU({ maxValue: -1 })', () => new ReLU({ maxValue: -1 }), /ReLU\(\): maxValue/],
    ['ReLU({ threshold: -1 })', () => new ReLU({ threshold: -1 }), /ReLU\(\): threshold/],
    ['ReLU({ alpha: 1 })', () => new ReLU({ alpha: 1 } as never), /ReLU\(\): unknown option 'alpha'/],
    ['LeakyReLU({ negativeSlope: -0.2 })', () => new LeakyReLU({ negativeSlope: -0.2 }), /LeakyReLU\(\): negativeSlope/],
    ['LeakyReLU({ alpha: 0.2 })', () => new LeakyReLU({ alpha: 0.2 } as never), /unknown option 'alpha'/],
    ['ELU({ alpha: NaN })', () => new ELU({ alpha: Number.NaN }), /ELU\(\): alpha/],
    ['Softmax({ axis: 0 })', () => new Softmax({ axis: 0 }), /Softmax\(\): axis 0 is the batch axis/],
    ['Softmax({ axis: 1.5 })', () => new Softmax({ axis: 1.5 }), /Softmax\(\): axis/],
    ['PReLU({ sharedAxes: [0] })', () => new PReLU({ sharedAxes: [0] }), /PReLU\(\): sharedAxes\[0\]/],
    ['PReLU({ alphaInitializer: "nope" })', () => new PReLU({ alphaInitializer: 'nope' as never }), /PReLU\(\).*initializer/],
    ['PReLU({ alphaConstraint: "nonNeg" })', () => new PReLU({ alphaConstraint: 'nonNeg' as never }), /PReLU\(\): alphaConstraint/],
  ])('%s is rejected', (_, make, message) => {
    expect(make).toThrow(ValueError);
    expect(make).toThrow(message);
  });

  it('Softmax on an axis the input lacks fails when the model is built', () => {
    expect(() => own(new Sequential([new Softmax({ axis: 3, inputShape: [4] })]))).toThrow(/axis 3 does not exist/);
  });
});

// ─── Saving and loading ───

describe('saving and loading', () => {
  const layers: Array<[string, () => Layer, number[]]> = [
    ['ReLU', () => new ReLU({ maxValue: 2, negativeSlope: 0.1, threshold: 0.3 }), [5]],
    ['LeakyReLU', () => new LeakyReLU({ negativeSlope: 0.07 }), [5]],
    ['ELU', () => new ELU({ alpha: 0.6 }), [5]],
    ['Softmax', () => new Softmax({ axis: 1 }), [2, 5]],
    ['PReLU', () => new PReLU({ sharedAxes: [1], alphaInitializer: { class_name: 'RandomUniform', config: { minval: -1, maxval: 1, seed: 3 } }, alphaRegularizer: 'l2' }), [2, 5]],
  ];

  it.each(layers)('%s: save → loadModel predicts the same bits with the same config', async (_, make, input) => {
    const model = own(new Sequential([new Dense(input.at(-1)!, { inputShape: [...input.slice(0, -1), 3] }), make()], { seed: 9 }));
    const x = tensor(randn(4 * sizeOf(input.slice(0, -1)) * 3, mulberry32(4), 2), [4, ...input.slice(0, -1), 3]);
    const artifacts = await model.save();
    const loaded = own(await loadModel(artifacts));
    expect(loaded.layers[1]!.className).toBe(model.layers[1]!.className);
    expect(loaded.layers[1]!.getConfig()).toEqual(model.layers[1]!.getConfig());
    expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(model.predict(x).data));
    const fromJson = own(modelFromJSON(artifacts.modelTopology as Record<string, unknown>));
    expect(fromJson.layers[1]!.getConfig()).toEqual(model.layers[1]!.getConfig());
  });

  it('TF.js loads what neurasm saves (ReLU with maxValue, LeakyReLU, ELU, last-axis Softmax, PReLU) and predicts the same', async () => {
    const model = own(new Sequential([
      new Dense(6, { inputDim: 3 }), new ReLU({ maxValue: 0.8 }), new Dense(6), new LeakyReLU({ negativeSlope: 0.1 }), new ELU(),
      new PReLU({ alphaInitializer: 'ones' }), new Dense(4), new Softmax(),
    ], { seed: 3 }));
    model.setWeights(randomWeights(model, 5));
    const x = randn(5 * 3, mulberry32(8), 2);
    const artifacts = await model.save();
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts as unknown as tf.io.ModelArtifacts));
    try {
      const theirs = tf.tidy(() => (tfModel.predict(tf.tensor(x, [5, 3])) as tf.Tensor).dataSync());
      expectClose(model.predict(tensor(x, [5, 3])).data, theirs, { rtol: 1e-5, atol: 1e-6 });
    } finally {
      tfModel.dispose();
    }
  });

  it("neurasm loads TF.js's saved LeakyReLU (alpha), ReLU, ELU, Softmax and PReLU and predicts the same", async () => {
    const tfModel = tf.sequential({ layers: [
      tf.layers.dense({ units: 4, inputShape: [3] }), tf.layers.leakyReLU({ alpha: 0.15 }), tf.layers.reLU({ maxValue: 1.5 }),
      tf.layers.prelu({ alphaInitializer: tf.initializers.constant({ value: 0.25 }) }), tf.layers.elu(), tf.layers.softmax(),
    ] });
    let captured: tf.io.ModelArtifacts | undefined;
    await tfModel.save(tf.io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const model = own(await loadModel(captured as never));
    expect((model.layers[1] as LeakyReLU).negativeSlope).toBeCloseTo(0.15, 7);
    expect((model.layers[2] as ReLU).maxValue).toBe(1.5);
    const x = randn(6 * 3, mulberry32(1), 2);
    const theirs = tf.tidy(() => (tfModel.predict(tf.tensor(x, [6, 3])) as tf.Tensor).dataSync());
    expectClose(model.predict(tensor(x, [6, 3])).data, theirs, { rtol: 1e-5, atol: 1e-6 });
    tfModel.dispose();
  });

  it("a Keras 3 config: LeakyReLU's negative_slope, ReLU's threshold, a one-axis list for Softmax", () => {
    const topology = {
      class_name: 'Sequential',
      config: { name: 'k3', layers: [
        { class_name: 'LeakyReLU', config: { name: 'l', negative_slope: 0.25, batch_input_shape: [null, 3] } },
        { class_name: 'ReLU', config: { name: 'r', max_value: null, negative_slope: 0.0, threshold: 0.5 } },
        { class_name: 'Softmax', config: { name: 's', axis: [-1] } },
      ] },
    };
    const m = own(modelFromJSON(topology));
    expect((m.layers[0] as LeakyReLU).negativeSlope).toBe(0.25);
    expect((m.layers[1] as ReLU).threshold).toBe(0.5);
    expect((m.layers[2] as Softmax).axis).toBe(-1);
  });
});
