// Initialisers: each class's distribution over 10⁵ draws against Keras 3's formula (float64, written here),
// Orthogonal's WᵀW = gain²·I, Identity and Constant exactly, bits fixed by the seed (and unchanged for the
// presets), the option spellings and errors, and saved configs both ways: neurasm's own round trip and
// TensorFlow.js's `tf.initializers.*` as TF.js saves them (and TF.js loading neurasm's).
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Sequential, Dense, Conv2D, BatchNormalization, modelFromJSON, initializers, Initializer, Constant, Zeros, Ones, Identity, Orthogonal, RandomNormal,
  TruncatedNormal, RandomUniform, VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal,
  ShapeError, ValueError, tensor, type ModelArtifacts,
} from '../src/index.js';
import { kernels } from '../src/backend.js';
import { fromArtifacts } from '../src/saving.js';
import { disposeAfterEach, expectSameBits, sampleStats as stats, useWasm } from './helpers.js';
import type { InitializerLike } from '../src/initializers.js';

const wasm = useWasm();
const own = disposeAfterEach();
const N = 100_000;

/** Fills a fresh weight of `shape` with `init`, from a generator seeded with (seed, stream 1) as a model's. */
function draw(init: Initializer, shape: number[], seed = 11): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const x = wasm.guarded(n);
  const state = wasm.alloc(4);
  kernels.seedRandom(state, seed, 1);
  init.check(shape, 'test');
  init.init(x.ptr, shape, state);
  x.expectIntact();
  return x.read();
}

/** N(0,1) truncated to ±2: its variance (Keras's 0.87962566103423978 is its square root). */
const TRUNCATED_VARIANCE = (() => {
  const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
  const mass = 0.9544997361036416; // P(|Z| ≤ 2)
  return 1 - (2 * 2 * phi2) / mass;
})();

/** Checks mean and variance against their expected values, within 5 standard errors. */
function expectMoments(x: Float32Array, mean: number, variance: number, kurtosis = 3) {
  const s = stats(x);
  expect(Math.abs(s.mean - mean)).toBeLessThan(5 * Math.sqrt(variance / x.length));
  expect(Math.abs(s.variance / variance - 1)).toBeLessThan(5 * Math.sqrt((kurtosis - 1) / x.length));
  return s;
}

describe('the distributions, over 10⁵ draws', () => {
  it('RandomNormal: N(mean, stddev²)', () => {
    expectMoments(draw(new RandomNormal({ mean: 1.5, stddev: 2 }), [N]), 1.5, 4);
    expectMoments(draw(new RandomNormal(), [N]), 0, 0.0025);
  });

  it('TruncatedNormal: within mean ± 2·stddev, variance stddev²·0.7737', () => {
    const s = expectMoments(draw(new TruncatedNormal({ mean: -1, stddev: 0.5 }), [N]), -1, 0.25 * TRUNCATED_VARIANCE, 2.4);
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThanOrEqual(0);
  });

  it('RandomUniform: within [minval, maxval), variance (maxval − minval)²/12', () => {
    const s = expectMoments(draw(new RandomUniform({ minval: -2, maxval: 3 }), [N]), 0.5, 25 / 12, 1.8);
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThan(3);
  });

  // A conv kernel [3, 3, 40, 300] (108 000 values): fan_in 360, fan_out 2700 (the receptive field counts), fan_avg 1530.
  const shape = [3, 3, 40, 300];
  const fan = { fan_in: 360, fan_out: 2700, fan_avg: 1530 } as const;
  for (const mode of ['fan_in', 'fan_out', 'fan_avg'] as const) {
    for (const distribution of ['truncated_normal', 'untruncated_normal', 'uniform'] as const) {
      it(`VarianceScaling ${mode} ${distribution}: variance scale / fan`, () => {
        const scale = 1.7;
        const variance = scale / fan[mode];
        const x = draw(new VarianceScaling({ scale, mode, distribution }), shape);
        const s = expectMoments(x, 0, variance, distribution === 'uniform' ? 1.8 : distribution === 'truncated_normal' ? 2.4 : 3);
        if (distribution === 'uniform') expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(Math.fround(Math.sqrt(3 * variance)));
        if (distribution === 'truncated_normal') expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(2 * Math.sqrt(variance) / 0.87962566103423978 * (1 + 1e-6));
      });
    }
  }

  it('the presets are VarianceScaling with Keras\'s parameters, to the bit', () => {
    const shape = [40, 30];
    const cases: Array<[Initializer, number, 'fan_in' | 'fan_avg', 'uniform' | 'truncated_normal']> = [
      [new GlorotUniform(), 1, 'fan_avg', 'uniform'], [new GlorotNormal(), 1, 'fan_avg', 'truncated_normal'],
      [new HeUniform(), 2, 'fan_in', 'uniform'], [new HeNormal(), 2, 'fan_in', 'truncated_normal'],
      [new LecunUniform(), 1, 'fan_in', 'uniform'], [new LecunNormal(), 1, 'fan_in', 'truncated_normal'],
    ];
    for (const [preset, scale, mode, distribution] of cases) {
      expectSameBits(draw(preset, shape), draw(new VarianceScaling({ scale, mode, distribution }), shape), preset.className);
    }
  });

  it('the presets draw the bits neurasm always drew (one kernel call with the old formula)', () => {
    const old = (uniform: boolean, variance: number) => {
      const x = wasm.alloc(1200);
      const state = wasm.alloc(4);
      kernels.seedRandom(state, 11, 1);
      if (uniform) kernels.randomUniform(x, 1200, state, -Math.sqrt(3 * variance), Math.sqrt(3 * variance));
      else kernels.truncatedNormal(x, 1200, state, 0, Math.sqrt(variance) / 0.8796256610342398);
      return wasm.read(x, 1200);
    };
    expectSameBits(draw(new GlorotUniform(), [40, 30]), old(true, 1 / 35));
    expectSameBits(draw(new HeNormal(), [40, 30]), old(false, 2 / 40));
    expectSameBits(draw(new RandomNormal(), [40, 30]), (() => {
      const x = wasm.alloc(1200);
      const state = wasm.alloc(4);
      kernels.seedRandom(state, 11, 1);
      kernels.randomNormal(x, 1200, state, 0, 0.05);
      return wasm.read(x, 1200);
    })());
  });
});

describe('the bits of models built before initialisers took parameters', () => {
  // SHA-256 of the initial weights of a Conv2D, BatchNormalization, Dense network, seed 13, with each of the ten
  // names as kernel and bias initialiser, computed with neurasm before this change: trained models' bits depend on it.
  it('are unchanged for every name neurasm had', () => {
    const names = ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunUniform', 'lecunNormal', 'randomNormal', 'randomUniform', 'zeros', 'ones'];
    const h = createHash('sha256');
    for (const name of names) {
      const m = own(new Sequential([
        new Conv2D(3, [3, 2], { inputShape: [6, 5, 2], kernelInitializer: name as InitializerLike, biasInitializer: name as InitializerLike }), new BatchNormalization(),
        new Dense(7, { kernelInitializer: name as InitializerLike, biasInitializer: name as InitializerLike }),
      ], { seed: 13 }));
      for (const w of m.getWeights()) h.update(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
    }
    expect(h.digest('hex')).toBe('02c23089a335a1f43ef981e55d4017eca88ffbc6e21628a0d31715f187b16be4');
  });
});

describe('the deterministic initialisers, exactly', () => {
  it('Constant, Zeros and Ones', () => {
    expect([...draw(new Constant({ value: -0.25 }), [3, 4])]).toEqual(Array(12).fill(-0.25));
    expect([...draw(new Constant(), [5])]).toEqual(Array(5).fill(0));
    expect([...draw(new Zeros(), [2, 3])]).toEqual(Array(6).fill(0));
    expect([...draw(new Ones(), [2, 2, 2])]).toEqual(Array(8).fill(1));
  });

  it('Identity: gain on the main diagonal of a rectangular matrix', () => {
    for (const [rows, cols] of [[3, 5], [5, 3], [4, 4]] as const) {
      const x = draw(new Identity({ gain: 2.5 }), [rows, cols]);
      const expected = Array.from({ length: rows * cols }, (_, i) => (Math.floor(i / cols) === i % cols ? 2.5 : 0));
      expect([...x]).toEqual(expected);
    }
    expect([...draw(new Identity(), [2, 2])]).toEqual([1, 0, 0, 1]);
  });
});

/** Max |(WᵀW or WWᵀ) − gain²·I| over the smaller Gram matrix of W seen as [rows, cols]. */
function orthogonalityError(w: Float32Array, rows: number, cols: number, gain: number): number {
  const tall = rows >= cols;
  const p = tall ? cols : rows;
  const len = tall ? rows : cols;
  const at = (v: number, e: number) => (tall ? w[e * cols + v]! : w[v * cols + e]!);
  let worst = 0;
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      let s = 0;
      for (let e = 0; e < len; e++) s += at(a, e) * at(b, e);
      worst = Math.max(worst, Math.abs(s - (a === b ? gain * gain : 0)));
    }
  }
  return worst;
}

describe('Orthogonal', () => {
  it.each([
    { shape: [8, 5], gain: 1 }, { shape: [5, 8], gain: 1 }, { shape: [7, 7], gain: 1.5 }, { shape: [3, 3, 4, 6], gain: 0.5 },
    { shape: [2, 3, 16], gain: 2 }, { shape: [64, 200], gain: 1 }, { shape: [300, 40], gain: 1 },
  ])('$shape, gain $gain: WᵀW (or WWᵀ) = gain²·I to 1e-5', ({ shape, gain }) => {
    const cols = shape[shape.length - 1]!;
    const rows = shape.reduce((a, b) => a * b, 1) / cols;
    const w = draw(new Orthogonal({ gain }), shape);
    expect(orthogonalityError(w, rows, cols, gain)).toBeLessThan(1e-5 * gain * gain);
  });

  it("is Haar-distributed like Keras's sign-corrected Q: each entry of a 1-column weight is ±1/√n, signs balanced", () => {
    // A [n, 1] weight is a normalised normal vector: its entries' squares average 1/n, signs are fair.
    let positive = 0;
    let total = 0;
    for (let seed = 0; seed < 200; seed++) {
      const w = draw(new Orthogonal(), [50, 1], seed);
      total += w.length;
      positive += w.filter((v) => v > 0).length;
      expect(w.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 5);
    }
    expect(Math.abs(positive / total - 0.5)).toBeLessThan(0.02);
  });

  it('refuses a weight of fewer than 2 axes (a bias) with a ShapeError naming the layer', () => {
    expect(() => new Sequential([new Dense(3, { inputDim: 2, biasInitializer: 'orthogonal' })])).toThrow(ShapeError);
    expect(() => new Sequential([new Dense(3, { inputDim: 2, biasInitializer: 'orthogonal' })])).toThrow(/layer 'dense(_\d+)?' bias: the Orthogonal initializer fills weights of 2 or more axes, got shape \[3\]/);
  });
});

describe('in layers and models', () => {
  it('a Dense built with kernelInitializer: new RandomNormal({ stddev: 2 }) has kernel std ≈ 2 and trains', async () => {
    const model = own(new Sequential([new Dense(64, { inputDim: 64, kernelInitializer: new RandomNormal({ stddev: 2 }) }), new Dense(1)], { seed: 4 }));
    const kernel = model.layers[0]!.getWeights()[0]!.data;
    expectMoments(kernel, 0, 4);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tensor(Float32Array.from({ length: 64 * 8 }, (_, i) => Math.sin(i)), [8, 64]);
    const history = await model.fit(x, tensor(new Float32Array(8), [8, 1]), { epochs: 1, verbose: 0 });
    expect(Number.isFinite(history.history.loss![0])).toBe(true);
  });

  it("a Dense built with kernelInitializer: 'orthogonal' has an orthogonal kernel; a Conv2D with Orthogonal too", () => {
    const model = own(new Sequential([new Dense(12, { inputDim: 20, kernelInitializer: 'orthogonal' }), new Dense(30, { kernelInitializer: new Orthogonal({ gain: 3 }) })], { seed: 2 }));
    expect(orthogonalityError(model.layers[0]!.getWeights()[0]!.data, 20, 12, 1)).toBeLessThan(1e-5);
    expect(orthogonalityError(model.layers[1]!.getWeights()[0]!.data, 12, 30, 3)).toBeLessThan(9e-5);
    const conv = own(new Sequential([new Conv2D(4, 3, { inputShape: [6, 6, 2], kernelInitializer: 'Orthogonal' })]));
    expect(orthogonalityError(conv.layers[0]!.getWeights()[0]!.data, 18, 4, 1)).toBeLessThan(1e-5);
  });

  it('every spelling of a name, a class name, an object and a config make the same initialiser', () => {
    for (const name of ['glorotUniform', 'glorot_uniform', 'GlorotUniform', { class_name: 'GlorotUniform', config: { seed: null } }]) {
      expect(initializers.get(name as InitializerLike)).toBeInstanceOf(GlorotUniform);
    }
    for (const name of ['LecunNormal', 'LeCunNormal', 'lecun_normal'] as const) expect(initializers.get(name)).toBeInstanceOf(LecunNormal);
    expect(initializers.get('OrthogonalInitializer')).toBeInstanceOf(Orthogonal);
    expect(initializers.get('truncated_normal')).toBeInstanceOf(TruncatedNormal);
    const given = new initializers.RandomNormal({ mean: 0, stddev: 0.05 });
    expect(initializers.get(given)).toBe(given);
    expect(new Dense(2, { kernelInitializer: given }).kernelInitializer).toBe(given);
    const v = initializers.get({ class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_out', distribution: 'untruncated_normal', seed: null } }) as VarianceScaling;
    expect([v.scale, v.mode, v.distribution]).toEqual([2, 'fan_out', 'untruncated_normal']);
  });

  it('a model seed fixes every bit; the same initialiser seed gives the same weights whatever the model seed', () => {
    const weights = (seed: number, init: () => Initializer) => own(new Sequential([
      new Dense(6, { inputDim: 5, kernelInitializer: init(), biasInitializer: new RandomUniform({ minval: 0, maxval: 1 }) }),
      new Dense(3, { kernelInitializer: 'orthogonal' }),
    ], { seed })).getWeights().map((w) => w.data);
    const a = weights(3, () => new RandomNormal({ stddev: 2 }));
    weights(3, () => new RandomNormal({ stddev: 2 })).forEach((w, i) => expectSameBits(w, a[i]!));
    expect(weights(4, () => new RandomNormal({ stddev: 2 }))[0]).not.toEqual(a[0]);
    // Seeded: the same kernel under any model seed, and the same as the model seed's own first draws.
    const s1 = weights(3, () => new RandomNormal({ stddev: 2, seed: 77 }));
    const s2 = weights(4, () => new RandomNormal({ stddev: 2, seed: 77 }));
    expectSameBits(s1[0]!, s2[0]!);
    expectSameBits(s1[0]!, weights(77, () => new RandomNormal({ stddev: 2 }))[0]!);
    // …and it leaves the model's stream where it was: the next weights are those of an unseeded model that drew nothing there.
    const zeros = weights(3, () => new Zeros());
    for (let i = 1; i < 4; i++) expectSameBits(s1[i]!, zeros[i]!);
  });
});

describe('bad parameters: a ValueError naming the option, before anything changes', () => {
  it.each([
    { call: () => new RandomNormal({ stddev: 0 }), message: /RandomNormal\(\): stddev must be a positive finite number, got 0/ },
    { call: () => new TruncatedNormal({ stddev: -1 }), message: /TruncatedNormal\(\): stddev must be a positive finite number, got -1/ },
    { call: () => new RandomUniform({ minval: 1, maxval: 1 }), message: /RandomUniform\(\): maxval must be greater than minval, got minval 1 and maxval 1/ },
    // Found by a hostile-input audit: accepted, and the model started with infinite weights.
    { call: () => new RandomUniform({ minval: -3.4e38, maxval: 3.4e38 }), message: /RandomUniform\(\): maxval − minval \(3\.4e\+38 − -3\.4e\+38\) is beyond float32's range/ },
    { call: () => new RandomNormal({ stddev: 3e38 }), message: /RandomNormal\(\): mean 0 and stddev 3e\+38 would draw weights beyond float32's range \(\|mean\| \+ 6\.67·stddev must stay below 3\.4e38\)/ },
    { call: () => new TruncatedNormal({ mean: 3e38, stddev: 1e38 }), message: /TruncatedNormal\(\): mean 3e\+38 and stddev 1e\+38 would draw weights beyond float32's range/ },
    { call: () => new VarianceScaling({ mode: 'fan_sum' as never }), message: /VarianceScaling\(\): mode must be 'fan_in', 'fan_out', 'fan_avg', got "fan_sum"/ },
    { call: () => new VarianceScaling({ distribution: 'gamma' as never }), message: /VarianceScaling\(\): distribution must be 'truncated_normal', 'untruncated_normal', 'uniform', got "gamma"/ },
    { call: () => new VarianceScaling({ scale: 0 }), message: /VarianceScaling\(\): scale must be a positive finite number, got 0/ },
    { call: () => new Orthogonal({ gain: Infinity }), message: /Orthogonal\(\): gain must be a finite number, got Infinity/ },
    { call: () => new Identity({ gain: NaN }), message: /Identity\(\): gain must be a finite number, got NaN/ },
    { call: () => new GlorotUniform({ seed: -1 }), message: /GlorotUniform\(\): seed must be an integer ≥ 0, got -1/ },
    { call: () => new RandomNormal({ stdev: 1 } as never), message: /RandomNormal\(\): unknown option 'stdev'; did you mean 'stddev'\?/ },
    { call: () => new Dense(2, { kernelInitializer: { class_name: 'RandomNormal', config: { stddev: -2 } } }), message: /Dense\(\): randomNormal: RandomNormal\(\): stddev must be a positive finite number, got -2/ },
    { call: () => new Dense(2, { kernelInitializer: 'glorot' as never }), message: /Dense\(\): unknown initializer "glorot"/ },
    { call: () => new Dense(2, { kernelInitializer: { config: {} } as never }), message: /Dense\(\): an initializer must be a name, an Initializer or \{ class_name, config \}/ },
  ])('$message', ({ call, message }) => {
    expect(call).toThrow(ValueError);
    expect(call).toThrow(message);
  });

  it("Identity on a weight that is not 2-D: a ShapeError naming the layer and weight, the model unchanged", () => {
    const layer = new Conv2D(2, 3, { inputShape: [5, 5, 1], kernelInitializer: new Identity() });
    expect(() => new Sequential([layer])).toThrow(/layer 'conv2d(_\d+)?' kernel: the Identity initializer fills 2-D weights only, got shape \[3, 3, 1, 2\]/);
    expect(layer.getWeights()).toEqual([]);
  });
});

// ─────────────────────────────── saved configs ───────────────────────────────

/** One Dense per initialiser, each on its kernel (and bias where it can fill a vector). */
const SAVED: Array<{ init: () => Initializer; bias?: boolean; config: Record<string, unknown>; className: string }> = [
  { init: () => new Constant({ value: 0.3 }), bias: true, className: 'Constant', config: { value: 0.3 } },
  { init: () => new Zeros(), bias: true, className: 'Zeros', config: {} },
  { init: () => new Ones(), bias: true, className: 'Ones', config: {} },
  { init: () => new Identity({ gain: 2 }), className: 'Identity', config: { gain: 2 } },
  { init: () => new Orthogonal({ gain: 1.5, seed: 5 }), className: 'Orthogonal', config: { gain: 1.5, seed: 5 } },
  { init: () => new TruncatedNormal({ mean: 0.1, stddev: 0.2 }), bias: true, className: 'TruncatedNormal', config: { mean: 0.1, stddev: 0.2, seed: null } },
  { init: () => new RandomNormal({ stddev: 2 }), bias: true, className: 'RandomNormal', config: { mean: 0, stddev: 2, seed: null } },
  { init: () => new RandomUniform({ minval: -1, maxval: 0.5 }), bias: true, className: 'RandomUniform', config: { minval: -1, maxval: 0.5, seed: null } },
  { init: () => new VarianceScaling({ scale: 0.5, mode: 'fanOut', distribution: 'uniform' }), bias: true, className: 'VarianceScaling', config: { scale: 0.5, mode: 'fan_out', distribution: 'uniform', seed: null } },
  { init: () => new VarianceScaling({ distribution: 'untruncated_normal', mode: 'fan_avg' }), className: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'untruncated_normal', seed: null } },
  { init: () => new GlorotUniform(), bias: true, className: 'GlorotUniform', config: { seed: null } },
  { init: () => new GlorotNormal({ seed: 8 }), className: 'GlorotNormal', config: { seed: 8 } },
  { init: () => new HeUniform(), className: 'HeUniform', config: { seed: null } },
  { init: () => new HeNormal(), className: 'HeNormal', config: { seed: null } },
  { init: () => new LecunUniform(), className: 'LeCunUniform', config: { seed: null } },
  { init: () => new LecunNormal(), className: 'LeCunNormal', config: { seed: null } },
];

function savedModel(seed: number): Sequential {
  return new Sequential(SAVED.map(({ init, bias }, i) => new Dense(4, {
    ...(i === 0 ? { inputDim: 4 } : {}), kernelInitializer: init(), biasInitializer: bias ? init() : 'zeros',
  })), { seed });
}

describe('saving and loading initialiser configs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('each layer saves { class_name, config } with Keras\'s keys, and the topology re-initialises to the same bits', () => {
    const model = own(savedModel(21));
    const json = model.toJSON() as { config: { layers: Array<{ config: Record<string, unknown> }> } };
    const dense = json.config.layers.filter((l) => 'kernel_initializer' in l.config);
    SAVED.forEach(({ className, config, bias }, i) => {
      expect(dense[i]!.config.kernel_initializer).toEqual({ class_name: className, config });
      if (bias) expect(dense[i]!.config.bias_initializer).toEqual({ class_name: className, config });
    });
    const copy = own(modelFromJSON(JSON.parse(JSON.stringify(json)) as Record<string, unknown>, { seed: 21 }));
    const [a, b] = [model.getWeights(), copy.getWeights()];
    expect(b.length).toBe(a.length);
    a.forEach((w, i) => expectSameBits(b[i]!.data, w.data, `weight ${i}`));
  });

  it('TensorFlow.js loads the model neurasm saved with every initialiser it knows (untruncated_normal is Keras 3 only)', async () => {
    const model = own(new Sequential(SAVED.filter((s) => s.config.distribution !== 'untruncated_normal')
      .map(({ init }, i) => new Dense(4, { ...(i === 0 ? { inputDim: 4 } : {}), kernelInitializer: init() })), { seed: 1 }));
    const artifacts = await model.save();
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts as unknown as tf.io.ModelArtifacts));
    try {
      expect(tfModel.layers.length).toBe(model.layers.length);
      const x = Float32Array.from({ length: 8 }, (_, i) => i / 8 - 0.5);
      const expected = model.predict(tensor(x, [2, 4])).data;
      const actual = tf.tidy(() => (tfModel.predict(tf.tensor(x, [2, 4])) as tf.Tensor).dataSync() as Float32Array);
      for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected[i]!)));
    } finally {
      tfModel.dispose();
    }
  });

  it('a model TensorFlow.js saved with each tf.initializers.* loads, reading each initialiser and its parameters', async () => {
    const tfInits: Array<[ReturnType<typeof tf.initializers.zeros>, (i: Initializer) => void]> = [
      [tf.initializers.constant({ value: 0.7 }), (i) => expect(i).toEqual(new Constant({ value: 0.7 }))],
      [tf.initializers.zeros(), (i) => expect(i).toBeInstanceOf(Zeros)],
      [tf.initializers.ones(), (i) => expect(i).toBeInstanceOf(Ones)],
      [tf.initializers.identity({ gain: 3 }), (i) => expect(i).toEqual(new Identity({ gain: 3 }))],
      [tf.initializers.orthogonal({ gain: 2 }), (i) => expect(i).toEqual(new Orthogonal({ gain: 2 }))],
      [tf.initializers.truncatedNormal({ mean: 1, stddev: 0.3 }), (i) => expect(i).toEqual(new TruncatedNormal({ mean: 1, stddev: 0.3 }))],
      [tf.initializers.randomNormal({ mean: -1, stddev: 0.1 }), (i) => expect(i).toEqual(new RandomNormal({ mean: -1, stddev: 0.1 }))],
      [tf.initializers.randomUniform({ minval: 0.5, maxval: 2 }), (i) => expect(i).toEqual(new RandomUniform({ minval: 0.5, maxval: 2 }))],
      [tf.initializers.varianceScaling({ scale: 3, mode: 'fanOut', distribution: 'uniform' }), (i) => expect(i).toEqual(new VarianceScaling({ scale: 3, mode: 'fan_out', distribution: 'uniform' }))],
      [tf.initializers.varianceScaling({ scale: 0.5, mode: 'fanAvg', distribution: 'normal' }), (i) => expect(i).toEqual(new VarianceScaling({ scale: 0.5, mode: 'fan_avg', distribution: 'truncated_normal' }))],
      [tf.initializers.varianceScaling({ mode: 'fanIn', distribution: 'truncatedNormal' }), (i) => expect(i).toEqual(new VarianceScaling({ distribution: 'truncated_normal' }))],
      // TF.js saves its presets as VarianceScaling with their parameters.
      [tf.initializers.glorotNormal({}), (i) => expect(i).toEqual(new VarianceScaling({ scale: 1, mode: 'fan_avg', distribution: 'normal' }))],
      [tf.initializers.heUniform({}), (i) => expect(i).toEqual(new VarianceScaling({ scale: 2, mode: 'fan_in', distribution: 'uniform' }))],
      [tf.initializers.leCunNormal({}), (i) => expect(i).toEqual(new VarianceScaling({ scale: 1, mode: 'fan_in', distribution: 'normal' }))],
    ];
    const tfModel = tf.sequential({
      layers: tfInits.map(([init], i) => tf.layers.dense({ units: 4, ...(i === 0 ? { inputShape: [4] } : {}), kernelInitializer: init })),
    });
    let artifacts: ModelArtifacts | undefined;
    await tfModel.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a as unknown as ModelArtifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    tfModel.dispose();
    const model = own(fromArtifacts(artifacts));
    tfInits.forEach(([, check], i) => check((model.layers[i] as Dense).kernelInitializer));
    // And a Keras 3 config (snake_case, its own class names) reads the same.
    const keras = modelFromJSON({
      class_name: 'Sequential',
      config: {
        name: 'k', layers: [{
          class_name: 'Dense', config: {
            name: 'd', units: 3, batch_input_shape: [null, 2],
            kernel_initializer: { module: 'keras.initializers', class_name: 'OrthogonalInitializer', config: { gain: 1.0, seed: null }, registered_name: null },
            bias_initializer: { module: 'keras.initializers', class_name: 'LecunUniform', config: { seed: null }, registered_name: null },
          },
        }],
      },
    });
    own(keras);
    expect((keras.layers[0] as Dense).kernelInitializer).toEqual(new Orthogonal());
    expect((keras.layers[0] as Dense).biasInitializer).toBeInstanceOf(LecunUniform);
  });
});
