// ACTIVATIONS: the one table from activation name to its forward and gradient kernels. Adding a row here
// is all an activation needs: layers, tests and benches loop over this table.
import { kernels as k, type Kernels } from './backend.js';
import { elementwise as split, type ElementKernel } from './threads.js';
import { lookup, type Spelling } from './names.js';
import { boolean, integer, number, readOptions } from './arguments.js';
import { Tensor, toTensor, type TensorLike } from './tensor.js';
import { runOnCopies } from './standalone.js';

/**
 * Forward `y = f(x)` and gradient `dx = dy·f'(x)` over `rows × cols` floats at the given offsets, and the id
 * and parameter by which fused kernels (`denseForward`) apply the same activation.
 */
export interface ActivationKernels {
  forward(y: number, x: number, rows: number, cols: number): void;
  backward(dx: number, dy: number, x: number, y: number, rows: number, cols: number): void;
  id: number;
  alpha?: number;
  aliases?: readonly string[];
}

/** Keras's negative slope for the `leaky_relu` activation function. */
const LEAKY_SLOPE = 0.2;
/** Keras's alpha for `elu`. */
const ELU_ALPHA = 1.0;
/** Keras's alpha for `celu`. */
const CELU_ALPHA = 1.0;

/** Elementwise kernels taking (y, x, n), and their gradients taking (dx, dy, x, y, n). */
type FlatForward = { [K in ElementKernel]: Parameters<Kernels[K]> extends [number, number, number] ? K : never }[ElementKernel];
type FlatBackward = { [K in ElementKernel]: Parameters<Kernels[K]> extends [number, number, number, number, number] ? K : never }[ElementKernel];
/** Elementwise kernels taking (y, x, n, alpha), and their gradients taking (dx, dy, x, y, n, alpha). */
type ScaledForward = { [K in ElementKernel]: Parameters<Kernels[K]> extends [number, number, number, number] ? K : never }[ElementKernel];
type ScaledBackward = { [K in ElementKernel]: Parameters<Kernels[K]> extends [number, number, number, number, number, number] ? K : never }[ElementKernel];

/** A row whose kernels see the `rows × cols` floats as one flat run of `rows·cols` (split over the threads when large). */
function flatRow<const A extends readonly string[] = readonly never[]>(
  id: number, forward: FlatForward, backward: FlatBackward, aliases?: A,
): ActivationKernels & { aliases?: A } {
  const row: ActivationKernels & { aliases?: A } = {
    id,
    forward: (y, x, r, c) => split(forward, y, x, r * c),
    backward: (dx, dy, x, y, r, c) => split(backward, dx, dy, x, y, r * c),
  };
  if (aliases) row.aliases = aliases;
  return row;
}

/** An elementwise row with a fixed parameter `alpha`, passed last to both kernels (and to fused ones by the id). */
function scaled(id: number, alpha: number, forward: ScaledForward, backward: ScaledBackward): ActivationKernels {
  return {
    id, alpha,
    forward: (y, x, r, c) => split(forward, y, x, r * c, alpha),
    backward: (dx, dy, x, y, r, c) => split(backward, dx, dy, x, y, r * c, alpha),
  };
}

/** Every activation by name. */
export const ACTIVATIONS = {
  linear: flatRow(k.ACTIVATION_LINEAR.value, 'linear', 'linearGrad'),
  relu: flatRow(k.ACTIVATION_RELU.value, 'relu', 'reluGrad', ['ReLU']),
  sigmoid: flatRow(k.ACTIVATION_SIGMOID.value, 'sigmoid', 'sigmoidGrad'),
  tanh: flatRow(k.ACTIVATION_TANH.value, 'tanh', 'tanhGrad'),
  softmax: { id: k.ACTIVATION_SOFTMAX.value, forward: k.softmax, backward: k.softmaxGrad },
  leakyRelu: scaled(k.ACTIVATION_LEAKY_RELU.value, LEAKY_SLOPE, 'leakyRelu', 'leakyReluGrad'),
  elu: scaled(k.ACTIVATION_ELU.value, ELU_ALPHA, 'elu', 'eluGrad'),
  selu: flatRow(k.ACTIVATION_SELU.value, 'selu', 'seluGrad'),
  gelu: flatRow(k.ACTIVATION_GELU.value, 'gelu', 'geluGrad'),
  swish: flatRow(k.ACTIVATION_SWISH.value, 'swish', 'swishGrad', ['silu']),
  softplus: flatRow(k.ACTIVATION_SOFTPLUS.value, 'softplus', 'softplusGrad'),
  relu6: flatRow(k.ACTIVATION_RELU6.value, 'relu6', 'relu6Grad'),
  // NOTE: Keras 3's hard sigmoid, relu6(x + 3)/6; TensorFlow.js's 'hardSigmoid' is 0.2x + 0.5 clipped to [0, 1].
  hardSigmoid: flatRow(k.ACTIVATION_HARD_SIGMOID.value, 'hardSigmoid', 'hardSigmoidGrad'),
  hardSwish: flatRow(k.ACTIVATION_HARD_SWISH.value, 'hardSwish', 'hardSwishGrad', ['hard_silu']),
  softsign: flatRow(k.ACTIVATION_SOFTSIGN.value, 'softsign', 'softsignGrad'),
  mish: flatRow(k.ACTIVATION_MISH.value, 'mish', 'mishGrad'),
  logSoftmax: { id: k.ACTIVATION_LOG_SOFTMAX.value, forward: k.logSoftmax, backward: k.logSoftmaxGrad },
  logSigmoid: flatRow(k.ACTIVATION_LOG_SIGMOID.value, 'logSigmoid', 'logSigmoidGrad'),
  exponential: flatRow(k.ACTIVATION_EXPONENTIAL.value, 'exponential', 'exponentialGrad'),
  celu: scaled(k.ACTIVATION_CELU.value, CELU_ALPHA, 'celu', 'celuGrad'),
  // NOTE: 'gelu' is the exact erf form, Keras 3's default (`gelu(x, approximate=False)`) and TensorFlow.js's 'gelu';
  // this row is the tanh approximation (TensorFlow.js's 'gelu_new', Keras's `approximate=True`).
  geluApproximate: flatRow(k.ACTIVATION_GELU_APPROXIMATE.value, 'geluApproximate', 'geluApproximateGrad', ['gelu_new']),
} satisfies Record<string, ActivationKernels>;

/** An activation's name: `'relu'`, `'sigmoid'`, `'softmax'`, … (Keras's snake_case spellings are accepted too). */
export type ActivationName = keyof typeof ACTIVATIONS;

/**
 * An activation as a user may spell it: the key (`'leakyRelu'`), Keras's snake_case (`'leaky_relu'`), a class-style
 * name (`'LeakyRelu'`) or an alias (`'silu'`). Anything else is a type error.
 */
export type ActivationSpelling = Spelling<typeof ACTIVATIONS>;

/** Resolves a user's activation name (camelCase, snake_case or alias) to its table key. */
export function activationKey(name: unknown, where: string): ActivationName {
  return lookup<ActivationKernels>(ACTIVATIONS, name, 'activation', where).key as ActivationName;
}

// ─── Standalone functions: `activations.relu(x)` on a tensor, through the same kernels ───

/** Options of `activations.relu`, as Keras's `relu(x, negative_slope, max_value, threshold)`. */
export interface ReluOptions {
  /** Largest output (none by default). */
  maxValue?: number;
  /** Slope below the threshold; default 0. */
  negativeSlope?: number;
  /** Values at or below it are cut (times `negativeSlope`); default 0. */
  threshold?: number;
}
/** Options of `activations.leakyRelu`. */
export interface LeakyReluOptions { /** Slope for x < 0; default 0.2 (Keras's function; the layer's default is 0.3). */ negativeSlope?: number }
/** Options of `activations.elu` and `activations.celu`. */
export interface AlphaOptions { /** Scale of the negative part; default 1. */ alpha?: number }
/** Options of `activations.gelu`. */
export interface GeluOptions { /** The tanh approximation instead of the exact erf form; default false (Keras 3's default). */ approximate?: boolean }
/** Options of `activations.softmax` and `activations.logSoftmax`. */
export interface AxisOptions { /** The axis normalised over, negative from the end; default −1. */ axis?: number }

/** Runs a table row (or any `rows × cols` kernel) over a copy of `x`; an empty tensor returns empty. */
function apply(t: Tensor, where: string, run: (y: number, x: number, n: number) => void): Tensor {
  if (t.size === 0) return new Tensor(new Float32Array(0), t.shape);
  const [y] = runOnCopies([t.data], [t.size], ([x], [out]) => run(out!, x!, t.size), where);
  return new Tensor(y!, t.shape);
}

/** An elementwise row of ACTIVATIONS as a standalone function without options. */
function elementwise(name: ActivationName): (x: TensorLike, options?: Record<string, never> | null) => Tensor {
  return (x, options) => {
    const where = `activations.${name}()`;
    readOptions(options, [], where);
    const row: ActivationKernels = ACTIVATIONS[name];
    return apply(toTensor(x, where, 'x'), where, (y, xs, n) => row.forward(y, xs, 1, n));
  };
}

/** The tensor's axis `axis` (negative from the end) as [outer, size, inner]. */
function axisSplit(shape: readonly number[], axis: unknown, where: string): [number, number, number] {
  const rank = shape.length;
  const a = integer(axis, 'axis', where, -rank, rank - 1);
  const at = a < 0 ? rank + a : a;
  const outer = shape.slice(0, at).reduce((p, d) => p * d, 1);
  const inner = shape.slice(at + 1).reduce((p, d) => p * d, 1);
  return [outer, shape[at]!, inner];
}

/** softmax or logSoftmax over one axis: the row kernel on the last axis, else on a transposed copy (host moves only). */
function alongAxis(name: 'softmax' | 'logSoftmax', x: TensorLike, options: AxisOptions | null | undefined): Tensor {
  const where = `activations.${name}()`;
  const o = readOptions(options, ['axis'], where);
  const t = toTensor(x, where, 'x');
  const [outer, size, inner] = axisSplit(t.shape, o.axis ?? -1, where);
  const row = ACTIVATIONS[name];
  if (inner === 1) return apply(t, where, (y, xs) => row.forward(y, xs, outer, size));
  // [outer, size, inner] → [outer, inner, size], rows over the last axis, and back.
  const moved = new Float32Array(t.size);
  for (let p = 0; p < outer; p++) for (let j = 0; j < size; j++) for (let i = 0; i < inner; i++) moved[(p * inner + i) * size + j] = t.data[(p * size + j) * inner + i]!;
  const done = apply(new Tensor(moved, [outer * inner, size]), where, (y, xs) => row.forward(y, xs, outer * inner, size)).data;
  const back = new Float32Array(t.size);
  for (let p = 0; p < outer; p++) for (let j = 0; j < size; j++) for (let i = 0; i < inner; i++) back[(p * size + j) * inner + i] = done[(p * inner + i) * size + j]!;
  return new Tensor(back, t.shape);
}

/**
 * The activation functions on tensors, Keras's `keras.activations.*`: each takes a tensor (or nested array) and
 * returns a new Tensor of the same shape, computed by the kernels layers use. Options are Keras's, in camelCase.
 */
export const activations = {
  /** x. */
  linear: elementwise('linear'),
  /** Keras's `relu`: x > threshold ? min(x, maxValue) : negativeSlope·(x − threshold); plain max(x, 0) by default. */
  relu(x: TensorLike, options?: ReluOptions | null): Tensor {
    const where = 'activations.relu()';
    const o = readOptions(options, ['maxValue', 'negativeSlope', 'threshold'], where);
    const maxValue = o.maxValue === undefined ? Infinity : number(o.maxValue, 'maxValue', where, { min: 0 });
    const slope = number(o.negativeSlope ?? 0, 'negativeSlope', where, { min: 0 });
    const threshold = number(o.threshold ?? 0, 'threshold', where, { min: 0 });
    const t = toTensor(x, where, 'x');
    if (maxValue === Infinity && slope === 0 && threshold === 0) return apply(t, where, (y, xs, n) => k.relu(y, xs, n));
    return apply(t, where, (y, xs, n) => k.reluWith(y, xs, n, maxValue, slope, threshold));
  },
  /** min(max(x, 0), 6). */
  relu6: elementwise('relu6'),
  /** x > 0 ? x : negativeSlope·x (default slope 0.2, Keras's function). */
  leakyRelu(x: TensorLike, options?: LeakyReluOptions | null): Tensor {
    const where = 'activations.leakyRelu()';
    const o = readOptions(options, ['negativeSlope'], where);
    const slope = number(o.negativeSlope ?? LEAKY_SLOPE, 'negativeSlope', where, { min: 0 });
    return apply(toTensor(x, where, 'x'), where, (y, xs, n) => k.leakyRelu(y, xs, n, slope));
  },
  /** x > 0 ? x : alpha·(eˣ − 1), alpha 1 by default. */
  elu(x: TensorLike, options?: AlphaOptions | null): Tensor {
    const where = 'activations.elu()';
    const o = readOptions(options, ['alpha'], where);
    const alpha = number(o.alpha ?? ELU_ALPHA, 'alpha', where);
    return apply(toTensor(x, where, 'x'), where, (y, xs, n) => k.elu(y, xs, n, alpha));
  },
  /** x > 0 ? x : alpha·(e^(x/alpha) − 1), alpha 1 by default. */
  celu(x: TensorLike, options?: AlphaOptions | null): Tensor {
    const where = 'activations.celu()';
    const o = readOptions(options, ['alpha'], where);
    const alpha = number(o.alpha ?? CELU_ALPHA, 'alpha', where, { above: 0 });
    return apply(toTensor(x, where, 'x'), where, (y, xs, n) => k.celu(y, xs, n, alpha));
  },
  /** scale·elu(x, alpha) with Keras's constants. */
  selu: elementwise('selu'),
  /** 1 / (1 + e⁻ˣ). */
  sigmoid: elementwise('sigmoid'),
  /** relu6(x + 3)/6: Keras 3's hard sigmoid (TensorFlow.js's is 0.2x + 0.5 clipped). */
  hardSigmoid: elementwise('hardSigmoid'),
  /** log σ(x) = −softplus(−x), stable for large |x|. */
  logSigmoid: elementwise('logSigmoid'),
  /** tanh(x). */
  tanh: elementwise('tanh'),
  /** x·σ(x). */
  swish: elementwise('swish'),
  /** x·σ(x) (the same as swish). */
  silu: elementwise('swish'),
  /** x·relu6(x + 3)/6. */
  hardSwish: elementwise('hardSwish'),
  /** x·relu6(x + 3)/6 (the same as hardSwish). */
  hardSilu: elementwise('hardSwish'),
  /** x·Φ(x), or its tanh approximation with `approximate: true` (Keras 3's default is the exact form). */
  gelu(x: TensorLike, options?: GeluOptions | null): Tensor {
    const where = 'activations.gelu()';
    const o = readOptions(options, ['approximate'], where);
    const row = boolean(o.approximate ?? false, 'approximate', where) ? ACTIVATIONS.geluApproximate : ACTIVATIONS.gelu;
    return apply(toTensor(x, where, 'x'), where, (y, xs, n) => row.forward(y, xs, 1, n));
  },
  /** log(1 + eˣ). */
  softplus: elementwise('softplus'),
  /** x / (1 + |x|). */
  softsign: elementwise('softsign'),
  /** x·tanh(softplus(x)). */
  mish: elementwise('mish'),
  /** eˣ. */
  exponential: elementwise('exponential'),
  /** e^x normalised to sum 1 along `axis` (default the last). */
  softmax(x: TensorLike, options?: AxisOptions | null): Tensor {
    return alongAxis('softmax', x, options);
  },
  /** x − log Σ eˣ along `axis` (default the last), computed stably. */
  logSoftmax(x: TensorLike, options?: AxisOptions | null): Tensor {
    return alongAxis('logSoftmax', x, options);
  },
};
