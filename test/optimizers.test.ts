// Every optimizer and option over 20 steps on a small weight vector with given gradients, against a float64
// implementation of Keras 3's rules written here (BaseOptimizer's order: accumulate → clip → weight decay →
// update → EMA), and against TensorFlow.js's optimizers where they follow the same formula. Then bad options,
// the learning-rate property, and saving: a run saved with its optimizer state and loaded goes on bit for bit.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { arena } from '../src/arena.js';
import {
  Adadelta, Adagrad, Adam, AdamW, Adamax, Dense, ExponentialDecay, Ftrl, LearningRateSchedule, Lion, Nadam, RMSprop, SGD, Sequential,
  StateError, ValueError, loadModel, tensor, type ModelArtifacts, type Optimizer, type OptimizerOptions,
} from '../src/index.js';
import { OPTIMIZERS, type ParameterBlocks } from '../src/optimizers.js';
import { disposeAfterEach, expectClose, mulberry32, randn, useWasm } from './helpers.js';

const wasm = useWasm();
const own = disposeAfterEach();
const RANGES = [
  { offset: 0, length: 6, name: 'dense/kernel' },
  { offset: 6, length: 3, name: 'dense/bias' },
  { offset: 9, length: 4, name: 'dense_1/kernel' },
];
const SIZE = 13;
const STEPS = 20;
const TOL = { rtol: 1e-5, atol: 1e-6 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ───────────────────────────── float64 references of Keras 3 ─────────────────────────────

type Vec = Float64Array;
/** One update of a rule on all weights (`t`: the update's number, from 1, Keras's `iterations + 1`). */
interface Rule {
  slots: number;
  init?: number;
  /** Slot 0's initial value (the others start at 0). */
  /** Extra state the rule carries between updates (Nadam's u_product). */
  update(w: Vec, s: Vec[], g: Vec, lr: number, t: number, state: { uProduct: number }): void;
}

const sgdRule = (momentum = 0, nesterov = false): Rule => ({
  slots: 1,
  update(w, [v], g, lr) {
    for (let i = 0; i < w.length; i++) {
      if (momentum === 0) { w[i]! -= lr * g[i]!; continue; }
      v![i] = momentum * v![i]! - lr * g[i]!;
      w[i]! += nesterov ? momentum * v![i]! - lr * g[i]! : v![i]!;
    }
  },
});

const adamRule = (amsgrad = false, b1 = 0.9, b2 = 0.999, eps = 1e-7): Rule => ({
  slots: 3,
  update(w, [m, v, vh], g, lr, t) {
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < w.length; i++) {
      m![i]! += (g[i]! - m![i]!) * (1 - b1);
      v![i]! += (g[i]! ** 2 - v![i]!) * (1 - b2);
      let vv = v![i]!;
      if (amsgrad) { vh![i] = Math.max(vh![i]!, vv); vv = vh![i]!; }
      w[i]! -= (m![i]! * alpha) / (Math.sqrt(vv) + eps);
    }
  },
});

const rmspropRule = (momentum = 0, centered = false, rho = 0.9, eps = 1e-7): Rule => ({
  slots: 3,
  update(w, [v, u, a], g, lr) {
    for (let i = 0; i < w.length; i++) {
      v![i] = rho * v![i]! + (1 - rho) * g[i]! ** 2;
      let denominator = v![i]! + eps;
      if (centered) {
        a![i] = rho * a![i]! + (1 - rho) * g[i]!;
        denominator = v![i]! - a![i]! ** 2 + eps;
      }
      const increment = (lr * g[i]!) / Math.sqrt(denominator);
      if (momentum > 0) { u![i] = momentum * u![i]! + increment; w[i]! -= u![i]!; } else w[i]! -= increment;
    }
  },
});

const adagradRule = (initial = 0.1, eps = 1e-7): Rule => ({
  slots: 1, init: initial,
  update(w, [a], g, lr) {
    for (let i = 0; i < w.length; i++) {
      a![i]! += g[i]! ** 2;
      w[i]! -= (lr * g[i]!) / Math.sqrt(a![i]! + eps);
    }
  },
});

const adadeltaRule = (rho = 0.95, eps = 1e-7): Rule => ({
  slots: 2,
  update(w, [a, s], g, lr) {
    for (let i = 0; i < w.length; i++) {
      a![i] = rho * a![i]! + (1 - rho) * g[i]! ** 2;
      const d = -(Math.sqrt(s![i]! + eps) * g[i]!) / Math.sqrt(a![i]! + eps);
      s![i] = rho * s![i]! + (1 - rho) * d ** 2;
      w[i]! += lr * d;
    }
  },
});

const adamaxRule = (b1 = 0.9, b2 = 0.999, eps = 1e-7): Rule => ({
  slots: 2,
  update(w, [m, u], g, lr, t) {
    for (let i = 0; i < w.length; i++) {
      m![i]! += (g[i]! - m![i]!) * (1 - b1);
      u![i] = Math.max(b2 * u![i]!, Math.abs(g[i]!));
      w[i]! -= (lr * m![i]!) / ((1 - b1 ** t) * (u![i]! + eps));
    }
  },
});

const nadamRule = (b1 = 0.9, b2 = 0.999, eps = 1e-7): Rule => ({
  slots: 2,
  update(w, [m, v], g, lr, t, state) {
    state.uProduct *= b1 * (1 - 0.5 * 0.96 ** t);
    const ut = b1 * (1 - 0.5 * 0.96 ** t);
    const ut1 = b1 * (1 - 0.5 * 0.96 ** (t + 1));
    const up = state.uProduct;
    const up1 = up * ut1;
    for (let i = 0; i < w.length; i++) {
      m![i]! += (g[i]! - m![i]!) * (1 - b1);
      v![i]! += (g[i]! ** 2 - v![i]!) * (1 - b2);
      const mHat = (ut1 * m![i]!) / (1 - up1) + ((1 - ut) * g[i]!) / (1 - up);
      const vHat = v![i]! / (1 - b2 ** t);
      w[i]! -= (mHat * lr) / (Math.sqrt(vHat) + eps);
    }
  },
});

const lionRule = (b1 = 0.9, b2 = 0.99): Rule => ({
  slots: 1,
  update(w, [m], g, lr) {
    for (let i = 0; i < w.length; i++) {
      w[i]! -= lr * Math.sign(m![i]! * b1 + g[i]! * (1 - b1));
      m![i] = m![i]! * b2 + g[i]! * (1 - b2);
    }
  },
});

// Keras 3's Ftrl.update_step.
const ftrlRule = (power = -0.5, init = 0.1, l1 = 0, l2 = 0, shrinkage = 0, beta = 0): Rule => ({
  slots: 2, init,
  update(w, [accum, linear], g, lr) {
    const l2Reg = l2 + beta / (2 * lr);
    for (let i = 0; i < w.length; i++) {
      const gradToUse = g[i]! + 2 * shrinkage * w[i]!;
      const next = accum![i]! + g[i]! ** 2;
      linear![i]! += gradToUse - ((next ** -power - accum![i]! ** -power) / lr) * w[i]!;
      const quadratic = next ** -power / lr + 2 * l2Reg;
      const clipped = Math.min(Math.max(linear![i]!, -l1), l1);
      w[i] = (clipped - linear![i]!) / quadratic;
      accum![i] = next;
    }
  },
});

interface RefOptions {
  lr: number | ((step: number) => number);
  weightDecay?: number;
  exclude?: string[];
  useEma?: boolean;
  emaMomentum?: number;
  emaOverwriteFrequency?: number;
  accumulation?: number;
  clipNorm?: number;
}

/** Keras 3's BaseOptimizer.apply over the given gradients, in float64; the weights after each step, and the EMA. */
function reference(rule: Rule, o: RefOptions, w0: Float32Array, grads: Float32Array[]): { weights: Vec[]; average: Vec } {
  const w = Float64Array.from(w0);
  const slots = Array.from({ length: rule.slots }, (_, k) => new Float64Array(SIZE).fill(k === 0 ? rule.init ?? 0 : 0));
  const acc = new Float64Array(SIZE);
  const average = new Float64Array(SIZE);
  const state = { uProduct: 1 };
  const weights: Vec[] = [];
  grads.forEach((g32, step) => {
    const lr = typeof o.lr === 'function' ? o.lr(step) : o.lr;
    let g = Float64Array.from(g32);
    const n = o.accumulation;
    if (!n || (step + 1) % n === 0) {
      if (n) { g = g.map((v, i) => (v + acc[i]!) / n); acc.fill(0); }
      if (o.clipNorm !== undefined) {
        for (const r of RANGES) {
          const part = g.subarray(r.offset, r.offset + r.length);
          const norm = Math.sqrt(part.reduce((s, v) => s + v * v, 0));
          if (norm > o.clipNorm) part.forEach((v, i) => { part[i] = (v * o.clipNorm!) / norm; });
        }
      }
      if (o.weightDecay) {
        for (const r of RANGES) {
          if (o.exclude?.some((e) => r.name.includes(e))) continue;
          for (let i = r.offset; i < r.offset + r.length; i++) w[i]! -= w[i]! * o.weightDecay * lr;
        }
      }
      rule.update(w, slots, g, lr, (n ? Math.floor(step / n) : step) + 1, state);
    } else {
      for (let i = 0; i < SIZE; i++) acc[i]! += g[i]!;
    }
    if (o.useEma) {
      const updates = n ? Math.floor(step / n) : step;
      const m = updates === 0 ? 0 : o.emaMomentum ?? 0.99;
      for (let i = 0; i < SIZE; i++) average[i] = m * average[i]! + (1 - m) * w[i]!;
      if (o.emaOverwriteFrequency && (updates + 1) % o.emaOverwriteFrequency === 0) w.set(average);
    }
    weights.push(Float64Array.from(w));
  });
  return { weights, average };
}

// ───────────────────────────── running an optimizer on raw blocks ─────────────────────────────

function blocksFor(optimizer: Optimizer, w0: Float32Array): ParameterBlocks {
  return { weights: wasm.put(w0), grads: wasm.alloc(SIZE), slots: wasm.alloc(optimizer.slotCount * SIZE), size: SIZE, ranges: RANGES };
}

/** Runs the optimizer over the gradients; the weights after each step. */
function run(optimizer: Optimizer, w0: Float32Array, grads: Float32Array[], b = blocksFor(optimizer, w0)): Float32Array[] {
  return grads.map((g) => {
    arena.write(b.grads, g);
    optimizer.step(b);
    return wasm.read(b.weights, SIZE);
  });
}

function data(seed: number): { w0: Float32Array; grads: Float32Array[] } {
  const rng = mulberry32(seed);
  return { w0: randn(SIZE, rng), grads: Array.from({ length: STEPS }, () => randn(SIZE, rng)) };
}

/** A schedule written here: lr₀/(1 + step). */
class Harmonic extends LearningRateSchedule {
  readonly className = 'Harmonic';
  constructor(readonly initial: number) { super(); }
  value(step: number): number { return this.initial / (1 + step); }
  getConfig() { return { initial: this.initial }; }
}

interface RuleRow {
  name: string;
  make: (o: OptimizerOptions) => Optimizer;
  rule: () => Rule;
  lr: number;
  weightDecay?: number; // the optimizer's own default (AdamW's)
}

const RULES: RuleRow[] = [
  { name: 'SGD', make: (o) => new SGD(o), rule: () => sgdRule(), lr: 0.1 },
  { name: 'SGD momentum', make: (o) => new SGD({ ...o, momentum: 0.9 }), rule: () => sgdRule(0.9), lr: 0.05 },
  { name: 'SGD Nesterov', make: (o) => new SGD({ ...o, momentum: 0.9, nesterov: true }), rule: () => sgdRule(0.9, true), lr: 0.05 },
  { name: 'Adam', make: (o) => new Adam(o), rule: () => adamRule(), lr: 0.05 },
  { name: 'Adam amsgrad', make: (o) => new Adam({ ...o, amsgrad: true }), rule: () => adamRule(true), lr: 0.05 },
  { name: 'AdamW', make: (o) => new AdamW(o), rule: () => adamRule(), lr: 0.05, weightDecay: 0.004 },
  { name: 'AdamW amsgrad', make: (o) => new AdamW({ ...o, amsgrad: true }), rule: () => adamRule(true), lr: 0.05, weightDecay: 0.004 },
  { name: 'RMSprop', make: (o) => new RMSprop(o), rule: () => rmspropRule(), lr: 0.01 },
  { name: 'RMSprop momentum', make: (o) => new RMSprop({ ...o, momentum: 0.5 }), rule: () => rmspropRule(0.5), lr: 0.01 },
  { name: 'RMSprop centered', make: (o) => new RMSprop({ ...o, centered: true }), rule: () => rmspropRule(0, true), lr: 0.01 },
  { name: 'RMSprop centered momentum', make: (o) => new RMSprop({ ...o, centered: true, momentum: 0.5 }), rule: () => rmspropRule(0.5, true), lr: 0.01 },
  { name: 'Adagrad', make: (o) => new Adagrad(o), rule: () => adagradRule(), lr: 0.1 },
  { name: 'Adagrad initialAccumulatorValue 1', make: (o) => new Adagrad({ ...o, initialAccumulatorValue: 1 }), rule: () => adagradRule(1), lr: 0.1 },
  { name: 'Adadelta', make: (o) => new Adadelta(o), rule: () => adadeltaRule(), lr: 1 },
  { name: 'Adamax', make: (o) => new Adamax(o), rule: () => adamaxRule(), lr: 0.05 },
  { name: 'Nadam', make: (o) => new Nadam(o), rule: () => nadamRule(), lr: 0.05 },
  { name: 'Lion', make: (o) => new Lion(o), rule: () => lionRule(), lr: 0.01 },
  { name: 'Ftrl', make: (o) => new Ftrl(o), rule: () => ftrlRule(), lr: 0.1 },
  {
    name: 'Ftrl l1, l2, shrinkage, β, power −0.7', rule: () => ftrlRule(-0.7, 0.2, 0.05, 0.1, 0.05, 0.5), lr: 0.1,
    make: (o) => new Ftrl({ ...o, learningRatePower: -0.7, initialAccumulatorValue: 0.2, l1RegularizationStrength: 0.05, l2RegularizationStrength: 0.1, l2ShrinkageRegularizationStrength: 0.05, beta: 0.5 }),
  },
];

interface OptionRow {
  name: string;
  options: (lr: number) => OptimizerOptions;
  ref: (lr: number) => Omit<RefOptions, 'lr'> & { lr?: RefOptions['lr'] };
}

const OPTIONS: OptionRow[] = [
  { name: 'defaults', options: () => ({}), ref: () => ({}) },
  { name: 'weightDecay', options: () => ({ weightDecay: 0.5 }), ref: () => ({ weightDecay: 0.5 }) },
  {
    name: 'weightDecay, excludeFromWeightDecay [bias, dense_1]', options: () => ({ weightDecay: 0.5, excludeFromWeightDecay: ['bias', 'dense_1'] }),
    ref: () => ({ weightDecay: 0.5, exclude: ['bias', 'dense_1'] }),
  },
  { name: 'useEma', options: () => ({ useEma: true, emaMomentum: 0.9 }), ref: () => ({ useEma: true, emaMomentum: 0.9 }) },
  {
    name: 'useEma, emaOverwriteFrequency 3', options: () => ({ useEma: true, emaMomentum: 0.8, emaOverwriteFrequency: 3 }),
    ref: () => ({ useEma: true, emaMomentum: 0.8, emaOverwriteFrequency: 3 }),
  },
  { name: 'gradientAccumulationSteps 3', options: () => ({ gradientAccumulationSteps: 3 }), ref: () => ({ accumulation: 3 }) },
  {
    name: 'gradientAccumulationSteps 2, useEma, emaOverwriteFrequency 2', options: () => ({ gradientAccumulationSteps: 2, useEma: true, emaMomentum: 0.7, emaOverwriteFrequency: 2 }),
    ref: () => ({ accumulation: 2, useEma: true, emaMomentum: 0.7, emaOverwriteFrequency: 2 }),
  },
  { name: 'a schedule', options: (lr) => ({ learningRate: new Harmonic(lr) }), ref: (lr) => ({ lr: (step) => lr / (1 + step) }) },
  {
    name: 'a schedule, gradientAccumulationSteps 3, weightDecay', options: (lr) => ({ learningRate: new Harmonic(lr), gradientAccumulationSteps: 3, weightDecay: 0.3 }),
    ref: (lr) => ({ lr: (step) => lr / (1 + step), accumulation: 3, weightDecay: 0.3 }),
  },
  { name: 'clipNorm 0.5', options: () => ({ clipNorm: 0.5 }), ref: () => ({ clipNorm: 0.5 }) },
];

describe('20 steps against float64 Keras 3', () => {
  const cases = RULES.flatMap((r) => OPTIONS.map((o) => ({ label: `${r.name}, ${o.name}`, r, o })));
  it.each(cases)('$label', ({ r, o }) => {
    const { w0, grads } = data(r.name.length * 7 + o.name.length);
    const given = o.options(r.lr);
    const optimizer = r.make({ learningRate: r.lr, ...given });
    const refOptions = { lr: r.lr, weightDecay: r.weightDecay, ...o.ref(r.lr) };
    const expected = reference(r.rule(), refOptions, w0, grads);
    const actual = run(optimizer, w0, grads);
    actual.forEach((w, step) => expectClose(w, expected.weights[step]!, { ...TOL, label: `step ${step + 1}` }));
    // The weights moved, and the option changed the trajectory: a no-op could not pass.
    const last = expected.weights[STEPS - 1]!;
    expect(Math.max(...last.map((v, i) => Math.abs(v - w0[i]!)))).toBeGreaterThan(1e-3);
    const weightsOnlyAveraged = given.useEma && !given.emaOverwriteFrequency;
    if (o.name !== 'defaults' && !weightsOnlyAveraged) {
      const plain = reference(r.rule(), { lr: r.lr, weightDecay: r.weightDecay }, w0, grads).weights[STEPS - 1]!;
      expect(Math.max(...last.map((v, i) => Math.abs(v - plain[i]!)))).toBeGreaterThan(1e-4);
    }
    const updates = given.gradientAccumulationSteps ? Math.floor(STEPS / given.gradientAccumulationSteps) : STEPS;
    expect(optimizer.iterations).toBe(updates);
    expect(optimizer.steps).toBe(STEPS);
    if (given.useEma) {
      // finalize (at the end of fit) sets the weights to their moving average.
      const b = blocksFor(optimizer, w0);
      optimizer.reset();
      run(optimizer, w0, grads, b);
      optimizer.finalize(b);
      expectClose(wasm.read(b.weights, SIZE), expected.average, { ...TOL, label: 'finalize' });
      if (weightsOnlyAveraged) expect(Math.max(...expected.average.map((v, i) => Math.abs(v - last[i]!)))).toBeGreaterThan(1e-4);
    }
  });

  it('without useEma, finalize changes nothing', () => {
    const { w0, grads } = data(3);
    const optimizer = new Adam({ learningRate: 0.05 });
    const b = blocksFor(optimizer, w0);
    const after = run(optimizer, w0, grads, b)[STEPS - 1]!;
    optimizer.finalize(b);
    expect(wasm.read(b.weights, SIZE)).toEqual(after);
  });
});

describe('TensorFlow.js as a second reference, where it follows the same formula', () => {
  // NOTE: TF.js's Adadelta divides by the accumulator before this step's gradient, and its centered RMSProp
  // subtracts epsilon; Keras 3 (followed here) does neither, so those two are checked against float64 only.
  const ROWS: Array<{ name: string; ours: () => Optimizer; theirs: () => tf.Optimizer }> = [
    { name: 'sgd', ours: () => new SGD({ learningRate: 0.1 }), theirs: () => tf.train.sgd(0.1) },
    { name: 'momentum', ours: () => new SGD({ learningRate: 0.05, momentum: 0.9 }), theirs: () => tf.train.momentum(0.05, 0.9) },
    { name: 'adam', ours: () => new Adam({ learningRate: 0.05 }), theirs: () => tf.train.adam(0.05, 0.9, 0.999, 1e-7) },
    { name: 'rmsprop', ours: () => new RMSprop({ learningRate: 0.01, momentum: 0.5 }), theirs: () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7) },
    { name: 'adagrad', ours: () => new Adagrad({ learningRate: 0.1 }), theirs: () => tf.train.adagrad(0.1, 0.1) },
    { name: 'adamax', ours: () => new Adamax({ learningRate: 0.05 }), theirs: () => tf.train.adamax(0.05, 0.9, 0.999, 1e-7) },
  ];
  it.each(ROWS)('$name: 20 steps as TF.js takes them', ({ name, ours, theirs }) => {
    const { w0, grads } = data(name.length + 100);
    const actual = run(ours(), w0, grads);
    const variable = tf.variable(tf.tensor1d(w0), true, `w_${name}`);
    const optimizer = theirs();
    grads.forEach((g, step) => {
      const gradient = tf.tensor1d(g);
      optimizer.applyGradients({ [variable.name]: gradient });
      gradient.dispose();
      // TF.js's own float32 order (β powers as f32 running products, other op order): a looser atol.
      expectClose(actual[step]!, variable.dataSync(), { rtol: 1e-5, atol: 1e-5, label: `${name} step ${step + 1}` });
    });
    optimizer.dispose();
    variable.dispose();
  });
});

describe('options', () => {
  it.each([
    ['a negative learningRate', () => new Adam({ learningRate: -0.1 }), /Adam\(\): learningRate must be/],
    ['rho 1 (Adadelta)', () => new Adadelta({ rho: 1 }), /Adadelta\(\): rho must be/],
    ['rho 1.5 (RMSprop)', () => new RMSprop({ rho: 1.5 }), /RMSprop\(\): rho must be/],
    ['an unknown key', () => new Nadam({ momentum: 0.9 } as never), /Nadam\(\): unknown option 'momentum'/],
    ['a negative weightDecay', () => new SGD({ weightDecay: -0.01 }), /SGD\(\): weightDecay must be/],
    ['gradientAccumulationSteps 0', () => new Adam({ gradientAccumulationSteps: 0 }), /gradientAccumulationSteps must be an integer ≥ 2/],
    ['gradientAccumulationSteps 1', () => new Adam({ gradientAccumulationSteps: 1 }), /gradientAccumulationSteps must be an integer ≥ 2/],
    ['gradientAccumulationSteps 2.5', () => new Lion({ gradientAccumulationSteps: 2.5 }), /gradientAccumulationSteps must be an integer/],
    ['emaMomentum 1.5', () => new Adam({ useEma: true, emaMomentum: 1.5 }), /emaMomentum must be/],
    ['emaOverwriteFrequency 0', () => new Adam({ useEma: true, emaOverwriteFrequency: 0 }), /emaOverwriteFrequency must be an integer ≥ 1/],
    ['excludeFromWeightDecay a string', () => new AdamW({ excludeFromWeightDecay: 'bias' as never }), /excludeFromWeightDecay must be an array/],
    ['excludeFromWeightDecay with an empty name', () => new AdamW({ excludeFromWeightDecay: [''] }), /excludeFromWeightDecay\[0\] must be a non-empty string/],
    ['Lion beta1 0', () => new Lion({ beta1: 0 }), /Lion\(\): beta1 must be/],
    ['a negative initialAccumulatorValue', () => new Adagrad({ initialAccumulatorValue: -1 }), /initialAccumulatorValue must be/],
    ['a positive learningRatePower (Ftrl)', () => new Ftrl({ learningRatePower: 0.5 }), /Ftrl\(\): learningRatePower must be/],
    ['a negative l1RegularizationStrength (Ftrl)', () => new Ftrl({ l1RegularizationStrength: -1 }), /l1RegularizationStrength must be/],
    ['amsgrad not a boolean', () => new Adam({ amsgrad: 1 as never }), /amsgrad must be/],
  ])('%s is a ValueError', (_, make, message) => {
    expect(make).toThrow(ValueError);
    expect(make).toThrow(message);
  });

  it('Keras 3 defaults', () => {
    expect(new Adagrad().getConfig()).toMatchObject({ name: 'Adagrad', learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7, weightDecay: null });
    expect(new Adadelta().getConfig()).toMatchObject({ name: 'Adadelta', learningRate: 0.001, rho: 0.95, epsilon: 1e-7 });
    expect(new Adamax().getConfig()).toMatchObject({ name: 'Adamax', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(new Nadam().getConfig()).toMatchObject({ name: 'Nadam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(new Lion().getConfig()).toMatchObject({ name: 'Lion', learningRate: 0.001, beta1: 0.9, beta2: 0.99 });
    expect(new Ftrl().getConfig()).toMatchObject({
      name: 'Ftrl', learningRate: 0.001, learningRatePower: -0.5, initialAccumulatorValue: 0.1, l1RegularizationStrength: 0, l2RegularizationStrength: 0,
      l2ShrinkageRegularizationStrength: 0, beta: 0,
    });
    expect(new AdamW().getConfig()).toMatchObject({ name: 'AdamW', weightDecay: 0.004, amsgrad: false });
    expect(new RMSprop().getConfig()).toMatchObject({ centered: false, useEma: false, emaMomentum: 0.99, emaOverwriteFrequency: null, gradientAccumulationSteps: null });
    for (const [key, row] of Object.entries(OPTIMIZERS)) expect(row.make().className, key).toBe(row.className);
  });

  it('learningRate: a schedule gives the rate at the current step; a number cannot replace it (as in Keras)', () => {
    const optimizer = new Adam({ learningRate: new Harmonic(0.1) });
    const { w0, grads } = data(9);
    run(optimizer, w0, grads.slice(0, 4));
    expect(optimizer.learningRate).toBe(0.1 / 5);
    expect(() => { optimizer.learningRate = 0.01; }).toThrow(StateError);
    expect(() => { optimizer.learningRate = 0.01; }).toThrow(/LearningRateSchedule/);
    const plain = new SGD({ learningRate: 0.1 });
    plain.learningRate = 0.05;
    expect(plain.learningRate).toBe(0.05);
    expect(() => { plain.learningRate = -1; }).toThrow(ValueError);
    plain.learningRate = new Harmonic(0.2);
    expect(plain.learningRate).toBe(0.2);
  });

  it('a step takes no wasm memory', () => {
    const optimizer = new Nadam({ learningRate: 0.01, weightDecay: 0.1, excludeFromWeightDecay: ['bias'], useEma: true, gradientAccumulationSteps: 2 });
    const { w0, grads } = data(4);
    const b = blocksFor(optimizer, w0);
    const before = arena.bytesInUse;
    run(optimizer, w0, grads, b);
    expect(arena.bytesInUse).toBe(before);
  });
});

// ───────────────────────────── saving ─────────────────────────────

const FEATURES = 4;
const CLASSES = 3;
const BATCH = 4;
const rng = mulberry32(77);
const xData = randn(10 * BATCH * FEATURES, rng);
const yData = Float32Array.from({ length: 10 * BATCH * CLASSES }, (_, i) => (i % CLASSES === (Math.floor(i / CLASSES) * 7) % CLASSES ? 1 : 0));
const half = (h: number) => ({
  x: tensor(xData.slice(h * 5 * BATCH * FEATURES, (h + 1) * 5 * BATCH * FEATURES), [5 * BATCH, FEATURES]),
  y: tensor(yData.slice(h * 5 * BATCH * CLASSES, (h + 1) * 5 * BATCH * CLASSES), [5 * BATCH, CLASSES]),
});
const ALL = { x: tensor(xData, [10 * BATCH, FEATURES]), y: tensor(yData, [10 * BATCH, CLASSES]) };

function model(optimizer: Optimizer): Sequential {
  const m = own(new Sequential([new Dense(5, { inputDim: FEATURES, activation: 'tanh' }), new Dense(CLASSES, { activation: 'softmax' })], { seed: 21 }));
  m.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return m;
}
const fit = (m: Sequential, d: { x: ReturnType<typeof tensor>; y: ReturnType<typeof tensor> }) =>
  m.fit(d.x, d.y, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
const bytes = (m: Sequential) => new Uint8Array(Float32Array.from(m.getWeights().flatMap((w) => Array.from(w.data))).buffer);

describe('saving the optimizer', () => {
  const SAVED: Array<{ name: string; make: () => Optimizer; ema?: boolean }> = [
    { name: 'Adagrad', make: () => new Adagrad({ learningRate: 0.1 }) },
    { name: 'Adadelta', make: () => new Adadelta({ learningRate: 1 }) },
    { name: 'Adamax', make: () => new Adamax({ learningRate: 0.02 }) },
    { name: 'Nadam', make: () => new Nadam({ learningRate: 0.02 }) },
    { name: 'Lion', make: () => new Lion({ learningRate: 0.005 }) },
    { name: 'Ftrl', make: () => new Ftrl({ learningRate: 0.1, l1RegularizationStrength: 0.001, beta: 0.1 }) },
    { name: 'Adam amsgrad, weightDecay, excludeFromWeightDecay', make: () => new Adam({ learningRate: 0.02, amsgrad: true, weightDecay: 0.1, excludeFromWeightDecay: ['bias'] }) },
    { name: 'AdamW', make: () => new AdamW({ learningRate: 0.02 }) },
    { name: 'RMSprop centered', make: () => new RMSprop({ learningRate: 0.01, centered: true }) },
    { name: 'RMSprop centered momentum', make: () => new RMSprop({ learningRate: 0.01, centered: true, momentum: 0.5 }) },
    { name: 'SGD, gradientAccumulationSteps 3 (5 steps: the accumulator is half full when saved)', make: () => new SGD({ learningRate: 0.1, momentum: 0.9, gradientAccumulationSteps: 3 }) },
    { name: 'Adam, an ExponentialDecay schedule', make: () => new Adam({ learningRate: new ExponentialDecay({ initialLearningRate: 0.05, decaySteps: 2, decayRate: 0.8 }) }) },
    { name: 'Adam, useEma every 2', make: () => new Adam({ learningRate: 0.02, useEma: true, emaMomentum: 0.9, emaOverwriteFrequency: 2 }), ema: true },
  ];

  it.each(SAVED)('$name: 5 steps, save with includeOptimizer, load, 5 more = the same bits as going on', async ({ make, ema }) => {
    const straight = model(make());
    const original = model(make());
    await fit(original, half(0));
    const artifacts = await original.save(undefined, { includeOptimizer: true });
    const loaded = own(await loadModel(artifacts));
    expect(loaded.optimizer!.getConfig()).toEqual(original.optimizer!.getConfig());
    expect(loaded.optimizer!.steps).toBe(5);
    expect(loaded.getOptimizerSlots()).toEqual(original.getOptimizerSlots());
    await fit(original, half(1));
    await fit(loaded, half(1));
    expect(bytes(loaded)).toEqual(bytes(original));
    expect(new Uint8Array(loaded.getOptimizerSlots().buffer)).toEqual(new Uint8Array(original.getOptimizerSlots().buffer));
    // Without EMA (which fit may finalize at its end), two fits of 5 steps are one of 10.
    if (!ema) {
      await fit(straight, ALL);
      expect(bytes(loaded)).toEqual(bytes(straight));
    }
  });

  it('Adagrad and Adadelta: TF.js loads the state under its own names and trains on', async () => {
    for (const make of [() => new Adagrad({ learningRate: 0.1 }), () => new Adadelta({ learningRate: 1 })]) {
      const m = model(make());
      await fit(m, half(0));
      const artifacts = await m.save(undefined, { includeOptimizer: true });
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
      expect(tfModel.optimizer.getClassName()).toBe(m.optimizer!.className);
      const state = await tfModel.optimizer.getWeights();
      const names = artifacts.weightSpecs.filter((s) => s.group === 'optimizer').map((s) => s.name);
      expect(state.map((s) => s.name)).toEqual(names);
      const x = tf.tensor2d(xData.slice(0, 8 * FEATURES), [8, FEATURES]);
      const y = tf.tensor2d(yData.slice(0, 8 * CLASSES), [8, CLASSES]);
      const h = await tfModel.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
      expect((h.history.loss as number[]).every(Number.isFinite)).toBe(true);
      tf.dispose([x, y]);
      tfModel.dispose();
    }
  });

  it('Nadam, Lion, Ftrl and Adamax models (optimizers TF.js lacks or cannot restore) still load in TF.js for inference', async () => {
    for (const make of [() => new Nadam(), () => new Lion(), () => new Adamax(), () => new Ftrl()]) {
      const m = model(make());
      await fit(m, half(0));
      const artifacts = await m.save();
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
      const x = tf.tensor2d(xData.slice(0, 8 * FEATURES), [8, FEATURES]);
      const p = tfModel.predict(x) as tf.Tensor;
      expectClose(m.predict(tensor(xData.slice(0, 8 * FEATURES), [8, FEATURES])).data, p.dataSync(), { rtol: 1e-5, atol: 1e-6 });
      tf.dispose([x, p]);
      tfModel.dispose();
      expect(own(await loadModel(artifacts)).optimizer!.className).toBe(m.optimizer!.className);
    }
  });

  it('a config naming an unknown optimizer is a clear ValueError', async () => {
    const m = model(new Adam());
    const artifacts = await m.save();
    const edited: ModelArtifacts = JSON.parse(JSON.stringify({ ...artifacts, weightData: undefined }));
    edited.weightData = artifacts.weightData;
    edited.trainingConfig!.optimizer_config.class_name = 'Adafactor';
    delete edited.trainingConfig!.optimizer_config.config.kerasClassName;
    await expect(loadModel(edited)).rejects.toThrow(ValueError);
    await expect(loadModel(edited)).rejects.toThrow(/unknown optimizer "Adafactor"; expected one of SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl/);
    // neurasm's own name for the class wins over TF.js's.
    edited.trainingConfig!.optimizer_config = { class_name: 'Adam', config: { learningRate: 0.01, kerasClassName: 'Muon' } };
    await expect(loadModel(edited)).rejects.toThrow(/unknown optimizer "Muon"/);
  });

  it("reads Keras 3's snake_case config of Nadam with its base options", async () => {
    const m = model(new Adam());
    const artifacts = await m.save();
    artifacts.trainingConfig!.optimizer_config = {
      class_name: 'Nadam',
      config: {
        name: 'nadam', learning_rate: 0.002, weight_decay: 0.01, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: true,
        ema_momentum: 0.95, ema_overwrite_frequency: 10, loss_scale_factor: null, gradient_accumulation_steps: 4, beta_1: 0.8, beta_2: 0.99, epsilon: 1e-6,
      },
    };
    const optimizer = own(await loadModel(artifacts)).optimizer!;
    expect(optimizer).toBeInstanceOf(Nadam);
    expect(optimizer.getConfig()).toMatchObject({
      learningRate: 0.002, weightDecay: 0.01, useEma: true, emaMomentum: 0.95, emaOverwriteFrequency: 10, gradientAccumulationSteps: 4, beta1: 0.8, beta2: 0.99, epsilon: 1e-6,
    });
  });
});
