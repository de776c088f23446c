// Finite-difference checks through a two-layer network: for every activation and every loss (fused and
// not), the model's analytic gradients (wasm, f32) must match central differences of a float64 reference
// of the same network on the same weights.
import { describe, expect, it } from 'vitest';
import { Sequential, Dense, Dropout } from '../src/index.js';
import { ACTIVATIONS } from '../src/activations.js';
import { LOSSES } from '../src/losses.js';
import { ACTIVATION_REFS, LOSS_REFS, logSoftmaxRef, mulberry32, randn, labels, oneHot, numericGrad, softmaxRef, expectClose, type ElementwiseActivation, type LossName as RefLossName } from './helpers.js';
import type { ActivationSpelling } from '../src/activations.js';

const ALPHA: Record<string, number> = { leakyRelu: 0.2, elu: 1, celu: 1 };
const IN = 3, HIDDEN = 5, ROWS = 6;

function act64(name: string, z: Float64Array, rows: number, cols: number): Float64Array {
  if (name === 'softmax') return softmaxRef(z, rows, cols);
  if (name === 'logSoftmax') return logSoftmaxRef(z, rows, cols);
  const ref = ACTIVATION_REFS[name as ElementwiseActivation];
  return z.map((v) => ref.f(v, ALPHA[name] ?? 0));
}

function dense64(x: ArrayLike<number>, w: Float64Array, wo: number, rows: number, inDim: number, units: number): Float64Array {
  const z = new Float64Array(rows * units);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < units; j++) {
      let s = w[wo + inDim * units + j]!; // bias follows the kernel
      for (let p = 0; p < inDim; p++) s += x[r * inDim + p]! * w[wo + p * units + j]!;
      z[r * units + j] = s;
    }
  }
  return z;
}

interface Case { hidden: ActivationSpelling; output: ActivationSpelling; loss: keyof typeof LOSSES; outputs: number; unfused?: boolean; l2?: number }

/** The loss of the float64 reference network as a function of all weights, flat in getWeights() order. */
function referenceLoss(c: Case, x: Float32Array, t: Float32Array) {
  return (w: Float64Array) => {
    const h = act64(c.hidden, dense64(x, w, 0, ROWS, IN, HIDDEN), ROWS, HIDDEN);
    const p = act64(c.output, dense64(h, w, IN * HIDDEN + HIDDEN, ROWS, HIDDEN, c.outputs), ROWS, c.outputs);
    let penalty = 0;
    if (c.l2) for (let i = 0; i < IN * HIDDEN; i++) penalty += c.l2 * w[i]! ** 2;
    return LOSS_REFS[c.loss as RefLossName].value(p, t, ROWS, c.outputs, 1) + penalty;
  };
}

/** Losses whose targets are one-hot rows, and those whose targets are non-negative (rates, distributions). */
const ONE_HOT = new Set<string>(['categoricalCrossentropy', 'categoricalFocalCrossentropy', 'categoricalHinge']);
const POSITIVE = new Set<string>(['klDivergence', 'poisson', 'meanSquaredLogarithmicError']);

function check(c: Case, seed: number): void {
  const rng = mulberry32(seed);
  const x = randn(ROWS * IN, rng);
  const sparse = c.loss === 'sparseCategoricalCrossentropy';
  const probabilities = c.loss.includes('rossentropy');
  const t = sparse ? labels(ROWS, c.outputs, rng)
    : ONE_HOT.has(c.loss) ? oneHot(labels(ROWS, c.outputs, rng), c.outputs)
    : probabilities ? Float32Array.from(randn(ROWS * c.outputs, rng), (v) => (v > 0 ? 1 : 0))
    : POSITIVE.has(c.loss) ? Float32Array.from(randn(ROWS * c.outputs, rng), (v) => Math.abs(v) / 2)
    : randn(ROWS * c.outputs, rng);
  const layers = [
    new Dense(HIDDEN, { inputDim: IN, activation: c.hidden, kernelInitializer: 'glorotNormal', biasInitializer: 'randomNormal', kernelRegularizer: c.l2 ? { l2: c.l2 } : undefined }),
    new Dense(c.outputs, { activation: c.output, biasInitializer: 'randomNormal' }),
  ];
  // A Dropout(0) after the output hides its activation from the loss: the unfused path is taken.
  const model = new Sequential(c.unfused ? [...layers, new Dropout(0)] : layers, { seed });
  model.compile({ optimizer: 'sgd', loss: c.loss });
  const xs = Array.from({ length: ROWS }, (_, r) => Array.from(x.subarray(r * IN, (r + 1) * IN)));
  const ys = sparse ? Array.from(t) : Array.from({ length: ROWS }, (_, r) => Array.from(t.subarray(r * c.outputs, (r + 1) * c.outputs)));
  const { loss, gradients } = model.computeGradients(xs, ys);
  const w = Float64Array.from(model.getWeights().flatMap((tw) => Array.from(tw.data)));
  const f = referenceLoss(c, x, t);
  expectClose([loss], [f(w)], { rtol: 1e-6, atol: 5e-6 }); // relative too: MAPE's values are in the hundreds
  const numeric = numericGrad(f, w, 1e-6);
  const analytic = Float64Array.from(gradients.flatMap((g) => Array.from(g.data)));
  const scale = Math.max(...numeric.map(Math.abs));
  expect(scale).toBeGreaterThan(1e-4); // the check means something only if the gradient is not ~0
  expectClose(analytic, numeric, { rtol: 2e-3, atol: 2e-4 * scale });
  model.dispose();
}

describe('gradients by finite differences through Dense → Dense', () => {
  const activations = (Object.keys(ACTIVATIONS) as ActivationSpelling[]).filter((a) => a !== 'softmax');
  it.each(activations)('hidden activation %s (MSE head)', (hidden) => {
    check({ hidden, output: 'linear', loss: 'meanSquaredError', outputs: 2 }, 11);
  });

  it('softmax as a hidden activation', () => {
    check({ hidden: 'softmax', output: 'linear', loss: 'meanSquaredError', outputs: 2 }, 12);
  });

  const losses: Case[] = [
    { hidden: 'tanh', output: 'linear', loss: 'meanSquaredError', outputs: 3 },
    { hidden: 'tanh', output: 'linear', loss: 'meanAbsoluteError', outputs: 3 },
    { hidden: 'tanh', output: 'linear', loss: 'huber', outputs: 3 },
    { hidden: 'tanh', output: 'sigmoid', loss: 'binaryCrossentropy', outputs: 2 },
    { hidden: 'tanh', output: 'sigmoid', loss: 'binaryCrossentropy', outputs: 2, unfused: true },
    { hidden: 'tanh', output: 'softmax', loss: 'categoricalCrossentropy', outputs: 4 },
    { hidden: 'tanh', output: 'softmax', loss: 'categoricalCrossentropy', outputs: 4, unfused: true },
    { hidden: 'tanh', output: 'softmax', loss: 'sparseCategoricalCrossentropy', outputs: 4 },
    { hidden: 'tanh', output: 'softmax', loss: 'sparseCategoricalCrossentropy', outputs: 4, unfused: true },
    { hidden: 'relu', output: 'linear', loss: 'meanSquaredError', outputs: 2, l2: 0.05 },
    { hidden: 'tanh', output: 'linear', loss: 'meanAbsolutePercentageError', outputs: 3 },
    { hidden: 'tanh', output: 'softplus', loss: 'meanSquaredLogarithmicError', outputs: 3 },
    { hidden: 'tanh', output: 'linear', loss: 'logCosh', outputs: 3 },
    { hidden: 'tanh', output: 'linear', loss: 'hinge', outputs: 3 },
    { hidden: 'tanh', output: 'linear', loss: 'squaredHinge', outputs: 3 },
    { hidden: 'tanh', output: 'linear', loss: 'categoricalHinge', outputs: 4 },
    { hidden: 'tanh', output: 'linear', loss: 'cosineSimilarity', outputs: 3 },
    { hidden: 'tanh', output: 'softmax', loss: 'klDivergence', outputs: 4 },
    { hidden: 'tanh', output: 'softplus', loss: 'poisson', outputs: 3 },
    { hidden: 'tanh', output: 'sigmoid', loss: 'binaryFocalCrossentropy', outputs: 2 },
    { hidden: 'tanh', output: 'sigmoid', loss: 'binaryFocalCrossentropy', outputs: 2, unfused: true },
    { hidden: 'tanh', output: 'softmax', loss: 'categoricalFocalCrossentropy', outputs: 4 },
    { hidden: 'tanh', output: 'softmax', loss: 'categoricalFocalCrossentropy', outputs: 4, unfused: true },
  ];
  it.each(losses.map((c) => [`${c.loss}${c.unfused ? ' (unfused)' : ''}${c.l2 ? ' + L2' : ''} after ${c.output}`, c] as const))('%s', (_, c) => {
    check(c, 21);
  });

  it('every loss in the table is covered', () => {
    const covered = new Set(losses.map((c) => c.loss));
    expect([...Object.keys(LOSSES)].filter((l) => !covered.has(l as keyof typeof LOSSES))).toEqual([]);
  });
});
